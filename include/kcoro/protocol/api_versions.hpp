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

    // A broker answers a version of ApiVersions it does not speak with UNSUPPORTED_VERSION in the
    // v0 layout (KIP-511), so an error body that does not parse at the asked version is read again
    // as v0, as the Java client does; one holding only the error code is taken as that error.
    static result<api_versions_response> decode(wire_reader& r, std::int16_t version) {
        const wire_reader start = r;
        auto full = decode_at(r, version);
        if (full || version == 0) return full;
        r = start;
        auto ec = r.i16();
        if (!ec || *ec == 0) return full;
        r = start;
        if (auto v0 = decode_at(r, 0)) return v0;
        api_versions_response out;
        out.error_code = errc_from_kafka(*ec);
        return out;
    }

private:
    static result<api_versions_response> decode_at(wire_reader& r, std::int16_t version) {
        const bool flexible = version >= 3;
        api_versions_response out;
        KCORO_TRY_ASSIGN(auto ec, r.i16());
        out.error_code = errc_from_kafka(ec);
        KCORO_TRY_ASSIGN(out.api_keys, read_ranges(r, flexible));
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

    static result<std::vector<api_key_range>> read_ranges(wire_reader& r, bool flexible) {
        KCORO_TRY_ASSIGN(auto n, r.array_length(flexible));
        std::vector<api_key_range> keys;
        keys.reserve(static_cast<std::size_t>(n < 0 ? 0 : n));
        for (std::int32_t i = 0; i < n; ++i) {
            api_key_range k;
            KCORO_TRY_ASSIGN(k.api_key, r.i16());
            KCORO_TRY_ASSIGN(k.min_version, r.i16());
            KCORO_TRY_ASSIGN(k.max_version, r.i16());
            KCORO_TRY(r.tagged_fields(flexible));
            keys.push_back(k);
        }
        return keys;
    }

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
