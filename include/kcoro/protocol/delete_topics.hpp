// DeleteTopics (API key 20), versions 1-6: for the admin helper and tests.
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

struct delete_topics_response {
    struct topic_result {
        std::optional<std::string_view> name;
        uuid topic_id{};
        errc error_code = errc::none;
        std::optional<std::string_view> error_message;
    };
    std::int32_t throttle_time_ms = 0;
    std::vector<topic_result> responses;
    // The frame the views point into; a connection moves it here after decoding.
    byte_buffer owned_frame;

    static result<delete_topics_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 4;
        delete_topics_response out;
        KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        KCORO_TRY_ASSIGN(auto n, r.array_length(flexible));
        for (std::int32_t i = 0; i < n; ++i) {
            topic_result t;
            if (version >= 6) {
                KCORO_TRY_ASSIGN(t.name, r.nullable_string(flexible));
                KCORO_TRY_ASSIGN(t.topic_id, r.uuid_value());
            } else {
                KCORO_TRY_ASSIGN(auto name, r.string(flexible));
                t.name = name;
            }
            KCORO_TRY_ASSIGN(auto ec, r.i16());
            t.error_code = errc_from_kafka(ec);
            if (version >= 5) {
                KCORO_TRY_ASSIGN(t.error_message, r.nullable_string(flexible));
            }
            KCORO_TRY(r.tagged_fields(flexible));
            out.responses.push_back(t);
        }
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }
};

struct delete_topics_request {
    static constexpr std::int16_t api_key = 20;
    static constexpr std::int16_t min_version = 1;
    static constexpr std::int16_t max_version = 6;
    static constexpr std::int16_t first_flexible_version = 4;
    using response_type = delete_topics_response;

    std::span<const std::string_view> topic_names;
    std::int32_t timeout_ms = 60000;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        w.array_length(static_cast<std::int32_t>(topic_names.size()), flexible);
        for (auto name : topic_names) {
            if (version >= 6) {
                w.string(name, flexible);
                w.uuid_value(uuid{});
                w.tagged_fields(flexible);
            } else {
                w.string(name, flexible);
            }
        }
        w.i32(timeout_ms);
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
