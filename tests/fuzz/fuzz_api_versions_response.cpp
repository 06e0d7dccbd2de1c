// Arbitrary bytes as an ApiVersions response: the first byte picks the version (0-4), the rest is
// the body. A decoded response must turn into version ranges without trouble.
#include <kcoro/kcoro.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto version = static_cast<std::int16_t>(data[0] % 5);
    kcoro::wire_reader r(kcoro::bytes_view(data + 1, size - 1));
    auto out = kcoro::api_versions_response::decode(r, version);
    if (!out) return 0;
    // Each ApiKeys entry is six bytes.
    if (out->api_keys.size() * 6 > size - 1) __builtin_trap();
    if (version < 3 && (!out->finalized_features.empty() || !out->supported_features.empty())) __builtin_trap();
    const auto ranges = kcoro::to_version_ranges(*out);
    // The last entry for a key is the one that counts.
    for (std::size_t i = 0; i < out->api_keys.size(); ++i) {
        const auto& k = out->api_keys[i];
        bool last = true;
        for (std::size_t j = i + 1; j < out->api_keys.size(); ++j)
            if (out->api_keys[j].api_key == k.api_key) last = false;
        if (!last || k.api_key < 0 || k.api_key >= kcoro::api_version_ranges::max_api_key) continue;
        if (ranges.supports(k.api_key) != (k.max_version >= 0)) __builtin_trap();
        if (ranges.min(k.api_key) != k.min_version || ranges.max(k.api_key) != k.max_version) __builtin_trap();
    }
    // Negotiation never picks Produce below v3 nor outside both ranges.
    if (auto v = kcoro::negotiate<kcoro::produce_request>(ranges)) {
        if (*v < 3 || *v > kcoro::produce_request::max_version || *v > ranges.max(0) || *v < ranges.min(0))
            __builtin_trap();
    }
    return 0;
}
