// SaslAuthenticate (API key 36): one round of the SASL exchange, the mechanism's bytes framed
// as a Kafka request so errors come back as codes and messages rather than a closed socket.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "wire.hpp"

#include <cstdint>
#include <optional>
#include <string>

KCORO_NAMESPACE_BEGIN

struct sasl_authenticate_response {
    errc error_code = errc::none;
    std::optional<std::string> error_message;
    byte_buffer auth_bytes;
    // v1+: re-authenticate (KIP-368) before this many milliseconds; 0 means never.
    std::int64_t session_lifetime_ms = 0;

    static result<sasl_authenticate_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 2;
        sasl_authenticate_response out;
        KCORO_TRY_ASSIGN(auto ec, r.i16());
        out.error_code = errc_from_kafka(ec);
        KCORO_TRY_ASSIGN(auto msg, r.nullable_string(flexible));
        if (msg) out.error_message.emplace(*msg);
        KCORO_TRY_ASSIGN(auto bytes, r.bytes(flexible));
        out.auth_bytes.append(bytes);
        if (version >= 1) {
            KCORO_TRY_ASSIGN(out.session_lifetime_ms, r.i64());
        }
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }
};

struct sasl_authenticate_request {
    static constexpr std::int16_t api_key = 36;
    static constexpr std::int16_t min_version = 0;
    static constexpr std::int16_t max_version = 2;
    static constexpr std::int16_t first_flexible_version = 2;
    using response_type = sasl_authenticate_response;

    bytes_view auth_bytes;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.bytes(auth_bytes, flexible);
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
