// The security protocol of the listener the producer connects to, in Kafka's names: TLS or not,
// SASL or not. Every connection the producer opens speaks it.
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

KCORO_NAMESPACE_BEGIN

enum class security_protocol : std::uint8_t {
    plaintext,       // PLAINTEXT
    ssl,             // SSL: TLS, no SASL
    sasl_plaintext,  // SASL_PLAINTEXT: SASL on a plain TCP connection (the password crosses the wire as sent)
    sasl_ssl,        // SASL_SSL: SASL inside TLS
};

constexpr std::string_view security_protocol_name(security_protocol p) noexcept {
    switch (p) {
        case security_protocol::plaintext: return "PLAINTEXT";
        case security_protocol::ssl: return "SSL";
        case security_protocol::sasl_plaintext: return "SASL_PLAINTEXT";
        case security_protocol::sasl_ssl: return "SASL_SSL";
    }
    return "PLAINTEXT";
}

constexpr bool uses_tls(security_protocol p) noexcept { return p == security_protocol::ssl || p == security_protocol::sasl_ssl; }
constexpr bool uses_sasl(security_protocol p) noexcept {
    return p == security_protocol::sasl_plaintext || p == security_protocol::sasl_ssl;
}

// Kafka's name in any case ("sasl_ssl", as librdkafka users write it, or "SASL_SSL").
constexpr std::optional<security_protocol> parse_security_protocol(std::string_view name) noexcept {
    for (auto p : {security_protocol::plaintext, security_protocol::ssl, security_protocol::sasl_plaintext, security_protocol::sasl_ssl}) {
        const std::string_view n = security_protocol_name(p);
        if (n.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < n.size() && same; ++i) {
            const char c = name[i] >= 'a' && name[i] <= 'z' ? static_cast<char>(name[i] - 'a' + 'A') : name[i];
            same = c == n[i];
        }
        if (same) return p;
    }
    return std::nullopt;
}

KCORO_NAMESPACE_END
