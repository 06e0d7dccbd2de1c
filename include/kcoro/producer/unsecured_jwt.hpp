// Unsecured JSON Web Tokens (RFC 7519 with "alg":"none"), which the broker's default OAUTHBEARER
// validator accepts: for development and tests, never for a cluster that matters. The options are
// librdkafka's sasl.oauthbearer.config, which Java spells as the unsecuredLogin* options of
// OAuthBearerLoginModule:
//
//     principal=alice scope=read,write lifeSeconds=600 extension_traceId=7
#pragma once

#include "../detail/base64.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../json/json_writer.hpp"
#include "../protocol/sasl_oauthbearer.hpp"
#include "../result.hpp"
#include "oauthbearer_token.hpp"

#include <charconv>
#include <chrono>
#include <system_error>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct unsecured_jwt {
    std::string principal;                       // required
    std::string principal_claim_name = "sub";
    std::vector<std::string> scope{};
    std::string scope_claim_name = "scope";
    std::chrono::seconds life{3600};
    std::vector<std::pair<std::string, std::string>> extensions{};

    // Parses "name=value" pairs separated by spaces; an unknown name is an error that names it.
    static result<unsecured_jwt> parse(std::string_view options) {
        unsecured_jwt j;
        std::size_t at = 0;
        while (at < options.size()) {
            while (at < options.size() && options[at] == ' ') ++at;
            if (at >= options.size()) break;
            std::size_t end = options.find(' ', at);
            if (end == std::string_view::npos) end = options.size();
            const std::string_view pair = options.substr(at, end - at);
            at = end;
            const std::size_t eq = pair.find('=');
            if (eq == std::string_view::npos || eq == 0 || eq + 1 == pair.size())
                return bad("'" + std::string(pair) + "' is not name=value");
            const std::string_view name = pair.substr(0, eq), value = pair.substr(eq + 1);
            if (name == "principal") j.principal = std::string(value);
            else if (name == "principalClaimName") j.principal_claim_name = std::string(value);
            else if (name == "scopeClaimName") j.scope_claim_name = std::string(value);
            else if (name == "scope") {
                j.scope.clear();
                std::size_t s = 0;
                while (s <= value.size()) {
                    std::size_t comma = value.find(',', s);
                    if (comma == std::string_view::npos) comma = value.size();
                    if (comma > s) j.scope.emplace_back(value.substr(s, comma - s));
                    s = comma + 1;
                }
            } else if (name == "lifeSeconds") {
                std::int64_t n = 0;
                auto [end_of, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
                if (ec != std::errc{} || end_of != value.data() + value.size() || n < 1 || n > 100000000)
                    return bad("lifeSeconds must be a whole number of seconds, 1 to 100000000");
                j.life = std::chrono::seconds(n);
            } else if (name.substr(0, 10) == "extension_" && name.size() > 10) {
                j.extensions.emplace_back(std::string(name.substr(10)), std::string(value));
            } else {
                return bad("unknown option '" + std::string(name) +
                           "' (expected principal, principalClaimName, scope, scopeClaimName, lifeSeconds or extension_NAME)");
            }
        }
        if (j.principal.empty()) return bad("principal=NAME is required");
        if (j.principal_claim_name.empty() || j.scope_claim_name.empty() || j.principal_claim_name == j.scope_claim_name)
            return bad("principalClaimName and scopeClaimName must be two different names");
        if (auto e = check_oauthbearer_extensions(j.extensions); !e) return bad(e.err().detail());
        return j;
    }

    // The token as of `now`: header {"alg":"none"}, claims sub (or principalClaimName), iat, exp
    // and the scope list, each base64url-encoded, and an empty signature ("h.c.").
    oauthbearer_token make(std::chrono::system_clock::time_point now) const {
        const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        std::string claims = "{";
        append_json_string(claims, principal_claim_name);
        claims += ':';
        append_json_string(claims, principal);
        claims += ",\"iat\":" + std::to_string(iat) + ",\"exp\":" + std::to_string(iat + life.count());
        if (!scope.empty()) {
            claims += ',';
            append_json_string(claims, scope_claim_name);
            claims += ":[";
            for (std::size_t i = 0; i < scope.size(); ++i) {
                if (i != 0) claims += ',';
                append_json_string(claims, scope[i]);
            }
            claims += ']';
        }
        claims += '}';
        static constexpr std::string_view header = "{\"alg\":\"none\"}";
        oauthbearer_token t;
        detail::base64url_encode_into(t.value, reinterpret_cast<const unsigned char*>(header.data()), header.size());
        t.value += '.';
        detail::base64url_encode_into(t.value, reinterpret_cast<const unsigned char*>(claims.data()), claims.size());
        t.value += '.';
        t.expiry = std::chrono::system_clock::time_point(std::chrono::seconds(iat + life.count()));
        t.principal = principal;
        t.extensions = extensions;
        return t;
    }

private:
    static error bad(std::string why) { return error(errc::bad_config, "sasl_oauthbearer_config: " + std::move(why)); }
};

KCORO_NAMESPACE_END
