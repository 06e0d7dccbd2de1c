// SASL/OAUTHBEARER (RFC 7628, KIP-255 and KIP-342): the client's one message, carried in
// SaslAuthenticate's auth bytes, and the checks on what goes into it.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

namespace detail {
// RFC 6750's b64token, which is what the broker's parser accepts: a bearer token outside it would
// be refused there with a less helpful message, or split the message at a stray 0x01.
constexpr bool oauthbearer_token_valid(std::string_view t) noexcept {
    std::size_t i = 0;
    for (; i < t.size(); ++i) {
        const char c = t[i];
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                        c == '~' || c == '+' || c == '/';
        if (!ok) break;
    }
    if (i == 0) return false;
    for (; i < t.size(); ++i)
        if (t[i] != '=') return false;
    return true;
}
// RFC 7628 §3.1: a key is letters only, and "auth" is the token's own.
constexpr bool oauthbearer_extension_key_valid(std::string_view k) noexcept {
    if (k.empty() || k == "auth") return false;
    for (char c : k)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    return true;
}
// A value is visible ASCII, space, tab, CR or LF; never the 0x01 that separates the pairs.
constexpr bool oauthbearer_extension_value_valid(std::string_view v) noexcept {
    if (v.empty()) return false;
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (!((u >= 0x21 && u <= 0x7e) || c == ' ' || c == '\t' || c == '\r' || c == '\n')) return false;
    }
    return true;
}
}  // namespace detail

// Checks each extension's key and value (the message says which, and never shows the token).
inline result<void> check_oauthbearer_extensions(const std::vector<std::pair<std::string, std::string>>& extensions) {
    for (const auto& [key, value] : extensions) {
        if (!detail::oauthbearer_extension_key_valid(key))
            return error(errc::bad_config, "SASL extension '" + key + "': a key is letters only (A-Z, a-z), and not 'auth'");
        if (!detail::oauthbearer_extension_value_valid(value))
            return error(errc::bad_config, "SASL extension '" + key + "': a value is one or more visible ASCII characters, spaces or tabs");
    }
    return ok();
}

// gs2-header, then auth=Bearer <token> and key=value pairs, each ended by 0x01, and a last 0x01:
// "n,,\x01auth=Bearer eyJ...\x01traceId=7\x01\x01". The authorization identity is left empty, as
// the Java client leaves it: the broker takes the token's principal.
inline result<std::string> sasl_oauthbearer_message(std::string_view token,
                                                    const std::vector<std::pair<std::string, std::string>>& extensions = {}) {
    if (!detail::oauthbearer_token_valid(token))
        return error(errc::bad_config, "the OAUTHBEARER token is empty or holds a character outside RFC 6750's b64token "
                                       "(letters, digits, - . _ ~ + / and trailing =)");
    if (auto e = check_oauthbearer_extensions(extensions); !e) return std::move(e).err();
    std::string m = "n,,\x01" "auth=Bearer ";
    m += token;
    m += '\x01';
    for (const auto& [key, value] : extensions) {
        m += key;
        m += '=';
        m += value;
        m += '\x01';
    }
    m += '\x01';
    return m;
}

// After a refused token the broker answers with a JSON error (RFC 7628 §3.2.2), and the client
// must send this one byte before the broker ends the login with its error.
inline constexpr std::string_view sasl_oauthbearer_error_ack = "\x01";

KCORO_NAMESPACE_END
