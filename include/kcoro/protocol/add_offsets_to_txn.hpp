// AddOffsetsToTxn (API key 25): puts a consumer group's offsets partition into a transaction
// before TxnOffsetCommit (transactions v1; with v2, TxnOffsetCommit v5 does this itself).
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "wire.hpp"

#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

struct add_offsets_to_txn_response {
    std::int32_t throttle_time_ms = 0;
    errc error_code = errc::none;

    static result<add_offsets_to_txn_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 3;
        add_offsets_to_txn_response out;
        KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        KCORO_TRY_ASSIGN(auto ec, r.i16());
        out.error_code = errc_from_kafka(ec);
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }
};

struct add_offsets_to_txn_request {
    static constexpr std::int16_t api_key = 25;
    static constexpr std::int16_t min_version = 0;
    static constexpr std::int16_t max_version = 4;
    static constexpr std::int16_t first_flexible_version = 3;
    using response_type = add_offsets_to_txn_response;

    std::string_view transactional_id;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::string_view group_id;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.string(transactional_id, flexible);
        w.i64(producer_id);
        w.i16(producer_epoch);
        w.string(group_id, flexible);
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
