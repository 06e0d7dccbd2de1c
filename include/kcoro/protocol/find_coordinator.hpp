// FindCoordinator (API key 10): which broker coordinates a transactional id (or a group).
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

enum class coordinator_type : std::int8_t { group = 0, transaction = 1, share = 2 };

// One coordinator the broker named. Before v4 the response carries no key: it is the request's.
struct coordinator_info {
    std::string key;
    std::int32_t node_id = -1;
    std::string host;
    std::int32_t port = -1;
    errc error_code = errc::none;
    std::optional<std::string> error_message;
};

struct find_coordinator_response {
    std::int32_t throttle_time_ms = 0;
    // Exactly one entry before v4; one per requested key from v4 on.
    std::vector<coordinator_info> coordinators;

    static result<find_coordinator_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 3;
        find_coordinator_response out;
        if (version >= 1) {
            KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        }
        if (version <= 3) {
            coordinator_info& c = out.coordinators.emplace_back();
            KCORO_TRY_ASSIGN(auto ec, r.i16());
            c.error_code = errc_from_kafka(ec);
            if (version >= 1) {
                KCORO_TRY_ASSIGN(auto msg, r.nullable_string(flexible));
                if (msg) c.error_message.emplace(*msg);
            }
            KCORO_TRY_ASSIGN(c.node_id, r.i32());
            KCORO_TRY_ASSIGN(auto host, r.string(flexible));
            c.host.assign(host);
            KCORO_TRY_ASSIGN(c.port, r.i32());
        } else {
            KCORO_TRY_ASSIGN(auto n, r.array_length(flexible));
            
            for (std::int32_t i = 0; i < n; ++i) {
                coordinator_info& c = out.coordinators.emplace_back();
                KCORO_TRY_ASSIGN(auto key, r.string(true));
                c.key.assign(key);
                KCORO_TRY_ASSIGN(c.node_id, r.i32());
                KCORO_TRY_ASSIGN(auto host, r.string(true));
                c.host.assign(host);
                KCORO_TRY_ASSIGN(c.port, r.i32());
                KCORO_TRY_ASSIGN(auto ec, r.i16());
                c.error_code = errc_from_kafka(ec);
                KCORO_TRY_ASSIGN(auto msg, r.nullable_string(true));
                if (msg) c.error_message.emplace(*msg);
                KCORO_TRY(r.tagged_fields(true));
            }
        }
        KCORO_TRY(r.tagged_fields(flexible));
        return out;
    }
};

struct find_coordinator_request {
    static constexpr std::int16_t api_key = 10;
    static constexpr std::int16_t min_version = 0;
    static constexpr std::int16_t max_version = 6;
    static constexpr std::int16_t first_flexible_version = 3;
    using response_type = find_coordinator_response;

    // Versions before 4 carry one key: the first. Version 0 knows only groups.
    std::span<const std::string_view> keys;
    coordinator_type key_type = coordinator_type::transaction;

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        if (version <= 3) w.string(keys.empty() ? std::string_view{} : keys.front(), flexible);
        if (version >= 1) w.i8(static_cast<std::int8_t>(key_type));
        if (version >= 4) {
            w.array_length(static_cast<std::int32_t>(keys.size()), true);
            for (std::string_view k : keys) w.string(k, true);
        }
        w.tagged_fields(flexible);
    }
};

KCORO_NAMESPACE_END
