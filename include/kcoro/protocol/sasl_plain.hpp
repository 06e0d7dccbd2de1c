// SASL/PLAIN (RFC 4616): the one message the client sends, carried in SaslAuthenticate's auth bytes.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"

#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

// authzid NUL authcid NUL passwd. A NUL inside a field would shift the fields the broker reads,
// letting a crafted user name choose the password slot, so it is refused rather than sent.
// The Java client leaves authzid empty (the broker then authorizes as the user itself).
inline result<std::string> sasl_plain_message(std::string_view user, std::string_view password,
                                              std::string_view authzid = {}) {
    if (user.empty()) return error(errc::bad_config, "sasl user: must not be empty");
    if (user.find('\0') != std::string_view::npos) return error(errc::bad_config, "sasl user: contains NUL");
    if (password.find('\0') != std::string_view::npos) return error(errc::bad_config, "sasl password: contains NUL");
    if (authzid.find('\0') != std::string_view::npos) return error(errc::bad_config, "sasl authzid: contains NUL");
    std::string m;
    m.reserve(authzid.size() + user.size() + password.size() + 2);
    m += authzid;
    m += '\0';
    m += user;
    m += '\0';
    m += password;
    return m;
}

KCORO_NAMESPACE_END
