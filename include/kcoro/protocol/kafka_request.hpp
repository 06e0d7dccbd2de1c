// The shape every request type has, and version negotiation against a broker's ApiVersions.
//
// A request states at compile time its API key, the version range kcoro speaks, which versions are
// flexible, the request and response header versions of each version, and its response type;
// `encode(wire_writer&, version)` writes its body and the response's `decode(wire_reader&, version)`
// reads one. A connection can then frame, pipeline and match any request generically. The messages
// themselves are generated (messages.hpp).
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "api_versions.hpp"
#include "wire.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <string>

KCORO_NAMESPACE_BEGIN

template <class R>
concept kafka_request = requires(const R& req, wire_writer& w, wire_reader& r, std::int16_t v) {
    { R::api_key } -> std::convertible_to<std::int16_t>;
    { R::min_version } -> std::convertible_to<std::int16_t>;
    { R::max_version } -> std::convertible_to<std::int16_t>;
    { R::flexible(v) } -> std::same_as<bool>;
    { R::request_header_version(v) } -> std::convertible_to<std::int16_t>;
    { R::response_header_version(v) } -> std::convertible_to<std::int16_t>;
    typename R::response_type;
    req.encode(w, v);
    { R::response_type::decode(r, v) } -> std::same_as<result<typename R::response_type>>;
};

// The versions a broker supports, per API key (from its ApiVersions response).
class api_version_ranges {
public:
    static constexpr int max_api_key = 100;

    api_version_ranges() { ranges_.fill({-1, -1}); }
    void set(std::int16_t key, std::int16_t min, std::int16_t max) {
        if (key >= 0 && key < max_api_key) ranges_[static_cast<std::size_t>(key)] = {min, max};
    }
    bool supports(std::int16_t key) const noexcept {
        return key >= 0 && key < max_api_key && ranges_[static_cast<std::size_t>(key)].max >= 0;
    }
    std::int16_t min(std::int16_t key) const noexcept { return ranges_[static_cast<std::size_t>(key)].min; }
    std::int16_t max(std::int16_t key) const noexcept { return ranges_[static_cast<std::size_t>(key)].max; }

    // Finalized cluster features carried by ApiVersions v3+ (e.g. "transaction.version").
    std::int16_t transaction_version = 0;

private:
    struct range {
        std::int16_t min, max;
    };
    std::array<range, max_api_key> ranges_;
};

inline api_version_ranges to_version_ranges(const api_versions_response& r) {
    api_version_ranges out;
    for (const auto& k : r.api_keys) out.set(k.api_key, k.min_version, k.max_version);
    for (const auto& f : r.finalized_features)
        if (f.name == "transaction.version") out.transaction_version = f.max_version_level;
    return out;
}

// The highest version both sides speak. Produce below v3 (message formats before RecordBatch v2)
// is never sent, whatever a broker advertises.
template <kafka_request Req>
result<std::int16_t> negotiate(const api_version_ranges& broker) {
    constexpr std::int16_t ours_min = Req::api_key == 0 ? std::max<std::int16_t>(Req::min_version, 3) : Req::min_version;
    if (!broker.supports(Req::api_key))
        return error(errc::no_supported_version, "the broker does not offer API key " + std::to_string(Req::api_key));
    const std::int16_t hi = std::min<std::int16_t>(Req::max_version, broker.max(Req::api_key));
    const std::int16_t lo = std::max<std::int16_t>(ours_min, broker.min(Req::api_key));
    if (hi < lo)
        return error(errc::no_supported_version, "API key " + std::to_string(Req::api_key) + ": kcoro speaks " +
                                                     std::to_string(ours_min) + "-" + std::to_string(Req::max_version) +
                                                     ", the broker " + std::to_string(broker.min(Req::api_key)) + "-" +
                                                     std::to_string(broker.max(Req::api_key)));
    return hi;
}

KCORO_NAMESPACE_END
