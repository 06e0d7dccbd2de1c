// InitProducerId (API key 22): a producer id and epoch for idempotence; with the current id and
// epoch (v3+, KIP-360) it bumps the epoch so a producer recovers instead of dying.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "kafka_request.hpp"
#include "wire.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

KCORO_NAMESPACE_BEGIN

struct init_producer_id_response {
    std::int32_t throttle_time_ms = 0;
    errc error_code = errc::none;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;

    static result<init_producer_id_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 2;
        init_producer_id_response out;
        KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        KCORO_TRY_ASSIGN(auto ec, r.i16());
        out.error_code = errc_from_kafka(ec);
        KCORO_TRY_ASSIGN(out.producer_id, r.i64());
        KCORO_TRY_ASSIGN(out.producer_epoch, r.i16());
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }
};

struct init_producer_id_request {
    static constexpr std::int16_t api_key = 22;
    static constexpr std::int16_t min_version = 0;
    static constexpr std::int16_t max_version = 5;
    static constexpr std::int16_t first_flexible_version = 2;
    using response_type = init_producer_id_response;

    std::optional<std::string_view> transactional_id;
    std::int32_t transaction_timeout_ms = 60000;
    std::int64_t producer_id = -1;     // v3+: the current id, to bump its epoch
    std::int16_t producer_epoch = -1;  // v3+

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.nullable_string(transactional_id, flexible);
        w.i32(transaction_timeout_ms);
        if (version >= 3) {
            w.i64(producer_id);
            w.i16(producer_epoch);
        }
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
