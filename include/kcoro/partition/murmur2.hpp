// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), the hash the Java client's
// default partitioner uses for keyed records: same key bytes, same partition.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"

#include <cstdint>

KCORO_NAMESPACE_BEGIN

constexpr std::int32_t murmur2(const byte* data, std::size_t length) noexcept {
    constexpr std::uint32_t seed = 0x9747b28c;
    constexpr std::uint32_t m = 0x5bd1e995;
    constexpr int r = 24;
    std::uint32_t h = seed ^ static_cast<std::uint32_t>(length);
    const std::size_t whole = length / 4;
    for (std::size_t i = 0; i < whole; ++i) {
        const std::size_t o = i * 4;
        std::uint32_t k = std::uint32_t(data[o]) | (std::uint32_t(data[o + 1]) << 8) | (std::uint32_t(data[o + 2]) << 16) |
                          (std::uint32_t(data[o + 3]) << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const std::size_t tail = whole * 4;
    switch (length % 4) {
        case 3: h ^= std::uint32_t(data[tail + 2]) << 16; [[fallthrough]];
        case 2: h ^= std::uint32_t(data[tail + 1]) << 8; [[fallthrough]];
        case 1:
            h ^= std::uint32_t(data[tail]);
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<std::int32_t>(h);
}

inline std::int32_t murmur2(bytes_view key) noexcept { return murmur2(key.data(), key.size()); }

// The partition the Java client picks for these key bytes: (murmur2 & 0x7fffffff) % partitions.
inline std::int32_t murmur2_partition(bytes_view key, std::int32_t partitions) noexcept {
    return (murmur2(key) & 0x7fffffff) % partitions;
}

KCORO_NAMESPACE_END
