// Produce (API key 0), versions 3-12: record batches (RecordBatch v2) per topic and partition.
// The request holds views of finished batches and appends them as they are: no intermediate copy.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "kafka_request.hpp"
#include "wire.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct produce_partition_response {
    struct record_error {
        std::int32_t batch_index = 0;
        std::optional<std::string_view> message;
    };
    std::int32_t index = -1;
    errc error_code = errc::none;
    std::int64_t base_offset = -1;
    std::int64_t log_append_time_ms = -1;
    std::int64_t log_start_offset = -1;
    std::vector<record_error> record_errors;
    std::optional<std::string_view> error_message;
    // v10+ (tagged): where the partition's leadership went, when the error says it moved.
    std::int32_t current_leader_id = -1;
    std::int32_t current_leader_epoch = -1;
};

struct produce_topic_response {
    std::string_view name;
    std::vector<produce_partition_response> partitions;
};

// Views into the response frame: valid while the frame buffer lives.
struct produce_response {
    std::vector<produce_topic_response> topics;
    std::int32_t throttle_time_ms = 0;
    // The frame the views point into; a connection moves it here after decoding.
    byte_buffer owned_frame;

    static result<produce_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 9;
        produce_response out;
        KCORO_TRY_ASSIGN(auto nt, r.array_length(flexible));
        out.topics.reserve(static_cast<std::size_t>(nt));
        for (std::int32_t i = 0; i < nt; ++i) {
            produce_topic_response t;
            KCORO_TRY_ASSIGN(t.name, r.string(flexible));
            KCORO_TRY_ASSIGN(auto np, r.array_length(flexible));
            t.partitions.reserve(static_cast<std::size_t>(np));
            for (std::int32_t j = 0; j < np; ++j) {
                produce_partition_response p;
                KCORO_TRY_ASSIGN(p.index, r.i32());
                KCORO_TRY_ASSIGN(auto ec, r.i16());
                p.error_code = errc_from_kafka(ec);
                KCORO_TRY_ASSIGN(p.base_offset, r.i64());
                KCORO_TRY_ASSIGN(p.log_append_time_ms, r.i64());  // v2+
                if (version >= 5) {
                    KCORO_TRY_ASSIGN(p.log_start_offset, r.i64());
                }
                if (version >= 8) {
                    KCORO_TRY_ASSIGN(auto ne, r.array_length(flexible));
                    for (std::int32_t k = 0; k < ne; ++k) {
                        produce_partition_response::record_error e;
                        KCORO_TRY_ASSIGN(e.batch_index, r.i32());
                        KCORO_TRY_ASSIGN(e.message, r.nullable_string(flexible));
                        KCORO_TRY(r.tagged_fields(flexible));
                        p.record_errors.push_back(e);
                    }
                    KCORO_TRY_ASSIGN(p.error_message, r.nullable_string(flexible));
                }
                KCORO_TRY(r.tagged_fields(flexible, [&](std::uint64_t tag, wire_reader& f) -> result<void> {
                    if (tag == 0 && version >= 10) {  // CurrentLeader, a v10+ tagged field
                        KCORO_TRY_ASSIGN(p.current_leader_id, f.i32());
                        KCORO_TRY_ASSIGN(p.current_leader_epoch, f.i32());
                    }
                    return ok();
                }));
                t.partitions.push_back(std::move(p));
            }
            KCORO_TRY(r.tagged_fields(flexible));
            out.topics.push_back(std::move(t));
        }
        KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        KCORO_TRY(r.tagged_fields(flexible));  // v10+: NodeEndpoints (tag 0), not needed: metadata follows
        return out;
    }
};

struct produce_partition_data {
    std::int32_t index = 0;
    bytes_view records;  // one finished RecordBatch v2
};

struct produce_topic_data {
    std::string_view name;
    std::span<const produce_partition_data> partitions;
};

struct produce_request {
    static constexpr std::int16_t api_key = 0;
    static constexpr std::int16_t min_version = 3;
    static constexpr std::int16_t max_version = 12;
    static constexpr std::int16_t first_flexible_version = 9;
    using response_type = produce_response;

    std::optional<std::string_view> transactional_id;
    std::int16_t acks = -1;
    std::int32_t timeout_ms = 30000;
    std::span<const produce_topic_data> topics;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.nullable_string(transactional_id, flexible);
        w.i16(acks);
        w.i32(timeout_ms);
        w.array_length(static_cast<std::int32_t>(topics.size()), flexible);
        for (const auto& t : topics) {
            w.string(t.name, flexible);
            w.array_length(static_cast<std::int32_t>(t.partitions.size()), flexible);
            for (const auto& p : t.partitions) {
                w.i32(p.index);
                w.large_bytes(p.records, flexible);
                w.tagged_fields(flexible);
            }
            w.tagged_fields(flexible);
        }
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
