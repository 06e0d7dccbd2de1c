// The SASL mechanisms the producer authenticates with, named as SaslHandshake announces them and
// as brokers list them in sasl.enabled.mechanisms.
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

KCORO_NAMESPACE_BEGIN

enum class sasl_mechanism : std::uint8_t {
    plain,          // PLAIN (RFC 4616): the password itself, so only over TLS outside a test
    scram_sha_256,  // SCRAM-SHA-256 (RFC 7677): a proof of the password; the broker proves it knows it too
    scram_sha_512,  // SCRAM-SHA-512
    oauthbearer,    // OAUTHBEARER (RFC 7628): a bearer token from the application's identity provider
};

constexpr std::string_view sasl_mechanism_name(sasl_mechanism m) noexcept {
    switch (m) {
        case sasl_mechanism::plain: return "PLAIN";
        case sasl_mechanism::scram_sha_256: return "SCRAM-SHA-256";
        case sasl_mechanism::scram_sha_512: return "SCRAM-SHA-512";
        case sasl_mechanism::oauthbearer: return "OAUTHBEARER";
    }
    return "PLAIN";
}

// Exact, as brokers compare it ("PLAIN", "SCRAM-SHA-512").
constexpr std::optional<sasl_mechanism> parse_sasl_mechanism(std::string_view name) noexcept {
    for (auto m : {sasl_mechanism::plain, sasl_mechanism::scram_sha_256, sasl_mechanism::scram_sha_512, sasl_mechanism::oauthbearer})
        if (sasl_mechanism_name(m) == name) return m;
    return std::nullopt;
}

KCORO_NAMESPACE_END
