// ApiVersions (API key 18): the first request on every connection; tells which versions of each
// API the broker speaks, and (v3+) the cluster's finalized features.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "kafka_request.hpp"
#include "wire.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct api_versions_response {
    struct api_key_range {
        std::int16_t api_key = 0;
        std::int16_t min_version = 0;
        std::int16_t max_version = 0;
    };
    struct feature {
        std::string name;
        std::int16_t min = 0;
        std::int16_t max = 0;
    };
    errc error_code = errc::none;
    std::vector<api_key_range> api_keys;
    std::int32_t throttle_time_ms = 0;
    std::vector<feature> supported_features;
    std::int64_t finalized_features_epoch = -1;
    std::vector<feature> finalized_features;

    static result<api_versions_response> decode(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 3;
        api_versions_response out;
        KCORO_TRY_ASSIGN(auto ec, r.i16());
        out.error_code = errc_from_kafka(ec);
        KCORO_TRY_ASSIGN(auto n, r.array_length(flexible));
        out.api_keys.reserve(static_cast<std::size_t>(n));
        for (std::int32_t i = 0; i < n; ++i) {
            api_key_range k;
            KCORO_TRY_ASSIGN(k.api_key, r.i16());
            KCORO_TRY_ASSIGN(k.min_version, r.i16());
            KCORO_TRY_ASSIGN(k.max_version, r.i16());
            KCORO_TRY(r.tagged_fields(flexible));
            out.api_keys.push_back(k);
        }
        if (version >= 1) {
            KCORO_TRY_ASSIGN(out.throttle_time_ms, r.i32());
        }
        KCORO_TRY(r.tagged_fields(flexible, [&](std::uint64_t tag, wire_reader& f) -> result<void> {
            if (tag == 0) return read_features(f, out.supported_features, false);
            if (tag == 1) {
                KCORO_TRY_ASSIGN(out.finalized_features_epoch, f.i64());
                return ok();
            }
            if (tag == 2) return read_features(f, out.finalized_features, true);
            return ok();
        }));
        return out;
    }

private:
    static result<void> read_features(wire_reader& f, std::vector<feature>& into, bool finalized) {
        KCORO_TRY_ASSIGN(auto n, f.array_length(true));
        for (std::int32_t i = 0; i < n; ++i) {
            feature x;
            KCORO_TRY_ASSIGN(auto name, f.string(true));
            x.name = std::string(name);
            // Finalized features list the max level first.
            KCORO_TRY_ASSIGN(auto a, f.i16());
            KCORO_TRY_ASSIGN(auto b, f.i16());
            if (finalized) {
                x.max = a;
                x.min = b;
            } else {
                x.min = a;
                x.max = b;
            }
            KCORO_TRY(f.tagged_fields(true));
            into.push_back(std::move(x));
        }
        return ok();
    }
};

struct api_versions_request {
    static constexpr std::int16_t api_key = 18;
    static constexpr std::int16_t min_version = 0;
    static constexpr std::int16_t max_version = 4;
    static constexpr std::int16_t first_flexible_version = 3;
    using response_type = api_versions_response;

    std::string_view client_software_name = "kcoro";
    std::string_view client_software_version = "0.1.0";

    void encode(wire_writer& w, std::int16_t version) const {
        const bool flexible = version >= first_flexible_version;
        if (version >= 3) {
            w.string(client_software_name, true);
            w.string(client_software_version, true);
        }
        w.tagged_fields(flexible);
    }
};

inline api_version_ranges to_version_ranges(const api_versions_response& r) {
    api_version_ranges out;
    for (const auto& k : r.api_keys) out.set(k.api_key, k.min_version, k.max_version);
    for (const auto& f : r.finalized_features)
        if (f.name == "transaction.version") out.transaction_version = f.max;
    return out;
}

KCORO_NAMESPACE_END
