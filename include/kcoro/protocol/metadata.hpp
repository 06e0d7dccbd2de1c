// Metadata (API key 3): brokers, and per topic its partitions, leaders and replicas.
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

// Views into the response frame: valid while the frame buffer lives.
struct metadata_response {
    struct broker {
        std::int32_t node_id = -1;
        std::string_view host;
        std::int32_t port = 0;
        std::optional<std::string_view> rack;
    };
    struct partition {
        errc error_code = errc::none;
        std::int32_t partition_index = -1;
        std::int32_t leader_id = -1;
        std::int32_t leader_epoch = -1;
        std::vector<std::int32_t> replica_nodes;
        std::vector<std::int32_t> isr_nodes;
        std::vector<std::int32_t> offline_replicas;
    };
    struct topic {
        errc error_code = errc::none;
        std::optional<std::string_view> name;  // null only when asked by id (v10+)
        uuid topic_id{};
        bool is_internal = false;
        std::vector<partition> partitions;
        std::int32_t topic_authorized_operations = INT32_MIN;
    };

    std::int32_t throttle_time_ms = 0;
    std::vector<broker> brokers;
    std::optional<std::string_view> cluster_id;
    std::int32_t controller_id = -1;
    std::vector<topic> topics;
    std::int32_t cluster_authorized_operations = INT32_MIN;
    errc error_code = errc::none;  // v13+
    // The frame the views point into; a connection moves it here after decoding.
    byte_buffer owned_frame;

    static result<metadata_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 9;
        metadata_response out;
        if (version >= 3) {
            KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        }
        KCORO_TRY_ASSIGN(auto nb, r.array_length(flexible));
        out.brokers.reserve(static_cast<std::size_t>(nb));
        for (std::int32_t i = 0; i < nb; ++i) {
            broker b;
            KCORO_TRY_ASSIGN(b.node_id, r.i32());
            KCORO_TRY_ASSIGN(b.host, r.string(flexible));
            KCORO_TRY_ASSIGN(b.port, r.i32());
            if (version >= 1) {
                KCORO_TRY_ASSIGN(b.rack, r.nullable_string(flexible));
            }
            KCORO_TRY(r.tagged_fields(flexible));
            out.brokers.push_back(b);
        }
        if (version >= 2) {
            KCORO_TRY_ASSIGN(out.cluster_id, r.nullable_string(flexible));
        }
        if (version >= 1) {
            KCORO_TRY_ASSIGN(out.controller_id, r.i32());
        }
        KCORO_TRY_ASSIGN(auto nt, r.array_length(flexible));
        out.topics.reserve(static_cast<std::size_t>(nt));
        for (std::int32_t i = 0; i < nt; ++i) {
            topic t;
            KCORO_TRY_ASSIGN(auto ec, r.i16());
            t.error_code = errc_from_kafka(ec);
            if (version >= 12) {
                KCORO_TRY_ASSIGN(t.name, r.nullable_string(flexible));
            } else {
                KCORO_TRY_ASSIGN(auto n, r.string(flexible));
                t.name = n;
            }
            if (version >= 10) {
                KCORO_TRY_ASSIGN(t.topic_id, r.uuid_value());
            }
            if (version >= 1) {
                KCORO_TRY_ASSIGN(t.is_internal, r.boolean());
            }
            KCORO_TRY_ASSIGN(auto np, r.array_length(flexible));
            t.partitions.reserve(static_cast<std::size_t>(np));
            for (std::int32_t j = 0; j < np; ++j) {
                partition p;
                KCORO_TRY_ASSIGN(auto pec, r.i16());
                p.error_code = errc_from_kafka(pec);
                KCORO_TRY_ASSIGN(p.partition_index, r.i32());
                KCORO_TRY_ASSIGN(p.leader_id, r.i32());
                if (version >= 7) {
                    KCORO_TRY_ASSIGN(p.leader_epoch, r.i32());
                }
                KCORO_TRY(read_ids(r, flexible, p.replica_nodes));
                KCORO_TRY(read_ids(r, flexible, p.isr_nodes));
                if (version >= 5) KCORO_TRY(read_ids(r, flexible, p.offline_replicas));
                KCORO_TRY(r.tagged_fields(flexible));
                if (p.partition_index < 0) return error(errc::malformed_response, "negative partition index");
                t.partitions.push_back(std::move(p));
            }
            if (version >= 8) {
                KCORO_TRY_ASSIGN(t.topic_authorized_operations, r.i32());
            }
            KCORO_TRY(r.tagged_fields(flexible));
            out.topics.push_back(std::move(t));
        }
        if (version >= 8 && version <= 10) {
            KCORO_TRY_ASSIGN(out.cluster_authorized_operations, r.i32());
        }
        if (version >= 13) {
            KCORO_TRY_ASSIGN(auto ec, r.i16());
            out.error_code = errc_from_kafka(ec);
        }
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }

private:
    static result<void> read_ids(wire_reader& r, bool flexible, std::vector<std::int32_t>& out) {
        KCORO_TRY_ASSIGN(auto n, r.array_length(flexible));
        out.reserve(static_cast<std::size_t>(n));
        for (std::int32_t i = 0; i < n; ++i) {
            KCORO_TRY_ASSIGN(auto id, r.i32());
            out.push_back(id);
        }
        return ok();
    }
};

struct metadata_request {
    static constexpr std::int16_t api_key = 3;
    static constexpr std::int16_t min_version = 1;
    static constexpr std::int16_t max_version = 13;
    static constexpr std::int16_t first_flexible_version = 9;
    using response_type = metadata_response;

    std::span<const std::string_view> topics;  // ignored when all_topics
    bool all_topics = false;
    bool allow_auto_topic_creation = true;
    bool include_topic_authorized_operations = false;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        if (all_topics) {
            w.array_length(-1, flexible);
        } else {
            w.array_length(static_cast<std::int32_t>(topics.size()), flexible);
            for (auto t : topics) {
                if (version >= 10) w.uuid_value(uuid{});
                w.string(t, flexible);
                w.tagged_fields(flexible);
            }
        }
        if (version >= 4) w.boolean(allow_auto_topic_creation);
        if (version >= 8 && version <= 10) w.boolean(false);  // include cluster authorized operations
        if (version >= 8) w.boolean(include_topic_authorized_operations);
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
