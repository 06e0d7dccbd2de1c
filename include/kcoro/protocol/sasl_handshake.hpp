// SaslHandshake (API key 17): names the SASL mechanism; v1 means the exchange that follows is
// carried in SaslAuthenticate requests (v0's raw, unframed tokens are not supported).
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "wire.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct sasl_handshake_response {
    errc error_code = errc::none;
    // What the broker enables: on unsupported_sasl_mechanism, the list to tell the user.
    std::vector<std::string> mechanisms;

    static result<sasl_handshake_response> decode(wire_reader& r, std::int16_t /*version*/) {
        sasl_handshake_response out;
        KCORO_TRY_ASSIGN(auto ec, r.i16());
        out.error_code = errc_from_kafka(ec);
        KCORO_TRY_ASSIGN(auto n, r.array_length(false));
        for (std::int32_t i = 0; i < n; ++i) {
            KCORO_TRY_ASSIGN(auto m, r.string(false));
            out.mechanisms.emplace_back(m);
        }
        return out;
    }
};

struct sasl_handshake_request {
    static constexpr std::int16_t api_key = 17;
    static constexpr std::int16_t min_version = 0;
    static constexpr std::int16_t max_version = 1;
    static constexpr std::int16_t first_flexible_version = -1;  // never flexible (KAFKA-9577)
    using response_type = sasl_handshake_response;

    std::string_view mechanism;

    void encode(wire_writer& w, std::int16_t /*version*/) const { w.string(mechanism, false); }
};

KCORO_NAMESPACE_END
