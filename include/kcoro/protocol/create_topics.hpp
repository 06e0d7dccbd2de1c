// CreateTopics (API key 19), versions 2-7: for the admin helper, tests and examples.
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

struct create_topics_response {
    struct topic_result {
        std::string_view name;
        uuid topic_id{};
        errc error_code = errc::none;
        std::optional<std::string_view> error_message;
        std::int32_t num_partitions = -1;
        std::int16_t replication_factor = -1;
    };
    std::int32_t throttle_time_ms = 0;
    std::vector<topic_result> topics;
    // The frame the views point into; a connection moves it here after decoding.
    byte_buffer owned_frame;

    static result<create_topics_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 5;
        create_topics_response out;
        KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        KCORO_TRY_ASSIGN(auto n, r.array_length(flexible));
        for (std::int32_t i = 0; i < n; ++i) {
            topic_result t;
            KCORO_TRY_ASSIGN(t.name, r.string(flexible));
            if (version >= 7) {
                KCORO_TRY_ASSIGN(t.topic_id, r.uuid_value());
            }
            KCORO_TRY_ASSIGN(auto ec, r.i16());
            t.error_code = errc_from_kafka(ec);
            KCORO_TRY_ASSIGN(t.error_message, r.nullable_string(flexible));
            if (version >= 5) {
                KCORO_TRY_ASSIGN(t.num_partitions, r.i32());
                KCORO_TRY_ASSIGN(t.replication_factor, r.i16());
                KCORO_TRY_ASSIGN(auto nc, r.nullable_array_length(flexible));
                for (std::int32_t j = 0; j < nc; ++j) {
                    KCORO_TRY(r.string(flexible));           // name
                    KCORO_TRY(r.nullable_string(flexible));  // value
                    KCORO_TRY(r.boolean());                  // read only
                    KCORO_TRY(r.i8());                       // config source
                    KCORO_TRY(r.boolean());                  // is sensitive
                    KCORO_TRY(r.tagged_fields(flexible));
                }
            }
            KCORO_TRY(r.tagged_fields(flexible));
            out.topics.push_back(t);
        }
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }
};

struct create_topics_config {
    std::string_view name;
    std::optional<std::string_view> value;
};

struct create_topics_topic {
    std::string_view name;
    std::int32_t num_partitions = -1;       // -1: the broker's default
    std::int16_t replication_factor = -1;   // -1: the broker's default
    std::span<const create_topics_config> configs{};
};

struct create_topics_request {
    static constexpr std::int16_t api_key = 19;
    static constexpr std::int16_t min_version = 2;
    static constexpr std::int16_t max_version = 7;
    static constexpr std::int16_t first_flexible_version = 5;
    using response_type = create_topics_response;

    std::span<const create_topics_topic> topics;
    std::int32_t timeout_ms = 60000;
    bool validate_only = false;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.array_length(static_cast<std::int32_t>(topics.size()), flexible);
        for (const auto& t : topics) {
            w.string(t.name, flexible);
            w.i32(t.num_partitions);
            w.i16(t.replication_factor);
            w.array_length(0, flexible);  // no manual assignments
            w.array_length(static_cast<std::int32_t>(t.configs.size()), flexible);
            for (const auto& c : t.configs) {
                w.string(c.name, flexible);
                w.nullable_string(c.value, flexible);
                w.tagged_fields(flexible);
            }
            w.tagged_fields(flexible);
        }
        w.i32(timeout_ms);
        w.boolean(validate_only);
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
