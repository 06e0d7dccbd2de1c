// TxnOffsetCommit (API key 28): commits consumer offsets as part of a transaction, so that
// consume-transform-produce is exactly once. v5 (transactions v2) also adds the group's offsets
// partition to the transaction, replacing AddOffsetsToTxn.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "wire.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct txn_offset_commit_partition_result {
    std::int32_t partition = -1;
    errc error_code = errc::none;
};

struct txn_offset_commit_topic_result {
    std::string name;
    std::vector<txn_offset_commit_partition_result> partitions;
};

struct txn_offset_commit_response {
    std::int32_t throttle_time_ms = 0;
    std::vector<txn_offset_commit_topic_result> topics;

    static result<txn_offset_commit_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 3;
        txn_offset_commit_response out;
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

struct txn_offset_commit_partition {
    std::int32_t partition = -1;
    std::int64_t committed_offset = -1;
    std::int32_t committed_leader_epoch = -1;  // v2+; -1 when unknown
    std::optional<std::string_view> committed_metadata;
};

struct txn_offset_commit_topic {
    std::string_view name;
    std::span<const txn_offset_commit_partition> partitions;
};

struct txn_offset_commit_request {
    static constexpr std::int16_t api_key = 28;
    static constexpr std::int16_t min_version = 0;
    static constexpr std::int16_t max_version = 5;
    static constexpr std::int16_t first_flexible_version = 3;
    using response_type = txn_offset_commit_response;

    std::string_view transactional_id;
    std::string_view group_id;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    // v3+ (KIP-447): the consumer's group membership, so a zombie member's commit is fenced.
    // Older versions cannot carry it; the defaults mean "not checked".
    std::int32_t generation_id = -1;
    std::string_view member_id;
    std::optional<std::string_view> group_instance_id;
    std::span<const txn_offset_commit_topic> topics;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.string(transactional_id, flexible);
        w.string(group_id, flexible);
        w.i64(producer_id);
        w.i16(producer_epoch);
        if (version >= 3) {
            w.i32(generation_id);
            w.string(member_id, true);
            w.nullable_string(group_instance_id, true);
        }
        w.array_length(static_cast<std::int32_t>(topics.size()), flexible);
        for (const auto& t : topics) {
            w.string(t.name, flexible);
            w.array_length(static_cast<std::int32_t>(t.partitions.size()), flexible);
            for (const auto& p : t.partitions) {
                w.i32(p.partition);
                w.i64(p.committed_offset);
                if (version >= 2) w.i32(p.committed_leader_epoch);
                w.nullable_string(p.committed_metadata, flexible);
                w.tagged_fields(flexible);
            }
            w.tagged_fields(flexible);
        }
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
