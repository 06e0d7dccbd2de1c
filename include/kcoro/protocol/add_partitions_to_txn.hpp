// AddPartitionsToTxn (API key 24): tells the transaction coordinator which partitions a
// transaction writes to (the transactions-v1 flow; transactions v2 adds them implicitly).
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "wire.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct add_partitions_to_txn_partition_result {
    std::int32_t partition = -1;
    errc error_code = errc::none;
};

struct add_partitions_to_txn_topic_result {
    std::string name;
    std::vector<add_partitions_to_txn_partition_result> partitions;
};

struct add_partitions_to_txn_response {
    std::int32_t throttle_time_ms = 0;
    std::vector<add_partitions_to_txn_topic_result> topics;

    static result<add_partitions_to_txn_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 3;
        add_partitions_to_txn_response out;
        KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        KCORO_TRY_ASSIGN(auto topic_count, r.array_length(flexible));
        for (std::int32_t t = 0; t < topic_count; ++t) {
            auto& topic = out.topics.emplace_back();
            KCORO_TRY_ASSIGN(auto name, r.string(flexible));
            topic.name.assign(name);
            KCORO_TRY_ASSIGN(auto partition_count, r.array_length(flexible));
            for (std::int32_t p = 0; p < partition_count; ++p) {
                auto& part = topic.partitions.emplace_back();
                KCORO_TRY_ASSIGN(part.partition, r.i32());
                KCORO_TRY_ASSIGN(auto ec, r.i16());
                part.error_code = errc_from_kafka(ec);
                KCORO_TRY(r.tagged_fields(flexible));
            }
            KCORO_TRY(r.tagged_fields(flexible));
        }
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }
};

struct add_partitions_to_txn_topic {
    std::string_view name;
    std::span<const std::int32_t> partitions;
};

struct add_partitions_to_txn_request {
    static constexpr std::int16_t api_key = 24;
    static constexpr std::int16_t min_version = 0;
    // Versions 4 and 5 batch transactions for broker-to-coordinator verification; clients stop at 3.
    static constexpr std::int16_t max_version = 3;
    static constexpr std::int16_t first_flexible_version = 3;
    using response_type = add_partitions_to_txn_response;

    std::string_view transactional_id;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::span<const add_partitions_to_txn_topic> topics;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.string(transactional_id, flexible);
        w.i64(producer_id);
        w.i16(producer_epoch);
        w.array_length(static_cast<std::int32_t>(topics.size()), flexible);
        for (const auto& t : topics) {
            w.string(t.name, flexible);
            w.array_length(static_cast<std::int32_t>(t.partitions.size()), flexible);
            for (std::int32_t p : t.partitions) w.i32(p);
            w.tagged_fields(flexible);
        }
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
