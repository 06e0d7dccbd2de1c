// EndTxn (API key 26): commits or aborts a transaction. From v5 (transactions v2) every end
// bumps the producer epoch and the response carries the id and epoch to use next.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "wire.hpp"

#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

struct end_txn_response {
    std::int32_t throttle_time_ms = 0;
    errc error_code = errc::none;
    // -1 before v5: keep the current id and epoch.
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;

    static result<end_txn_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 3;
        end_txn_response out;
        KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        KCORO_TRY_ASSIGN(auto ec, r.i16());
        out.error_code = errc_from_kafka(ec);
        if (version >= 5) {
            KCORO_TRY_ASSIGN(out.producer_id, r.i64());
            KCORO_TRY_ASSIGN(out.producer_epoch, r.i16());
        }
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }
};

struct end_txn_request {
    static constexpr std::int16_t api_key = 26;
    static constexpr std::int16_t min_version = 0;
    static constexpr std::int16_t max_version = 5;
    static constexpr std::int16_t first_flexible_version = 3;
    using response_type = end_txn_response;

    std::string_view transactional_id;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    bool committed = false;  // false aborts

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.string(transactional_id, flexible);
        w.i64(producer_id);
        w.i16(producer_epoch);
        w.boolean(committed);
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
