// The Java client's default partitioner (and librdkafka's Java-compatible murmur2_random).
#pragma once

#include "../detail/prelude.hpp"
#include "murmur2.hpp"
#include "partition_context.hpp"
#include "partitioner.hpp"
#include "uniform_sticky_partitioner.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

// Keyed records: (murmur2(key) & 0x7fffffff) % partitions, so a kcoro producer and a Java producer
// put the same key bytes on the same partition. Records without a key: uniform sticky (KIP-794).
class murmur2_partitioner {
public:
    murmur2_partitioner() : murmur2_partitioner(detail::default_partitioner_seed) {}
    explicit murmur2_partitioner(std::uint64_t seed, bool adaptive = true) : keyless_(seed, adaptive) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key) return murmur2_partition(*ctx.key, ctx.partition_count);
        return keyless_.partition(ctx);
    }
    void on_append(std::string_view t, std::int32_t p, std::size_t b) noexcept { keyless_.on_append(t, p, b); }
    void on_new_batch(std::string_view t, std::int32_t p) noexcept { keyless_.on_new_batch(t, p); }

private:
    uniform_sticky_partitioner keyless_;
};

// What a producer<K, V> uses unless told otherwise: where the Java client would put each record.
using default_partitioner = murmur2_partitioner;

// librdkafka's "murmur2_random": murmur2 for keys, an empty key included; null keys sticky (what
// librdkafka's producer does) or random per record (what its partitioner function does alone).
class murmur2_random_partitioner {
public:
    murmur2_random_partitioner() : murmur2_random_partitioner(detail::default_partitioner_seed) {}
    explicit murmur2_random_partitioner(std::uint64_t seed, keyless_records keyless = keyless_records::sticky)
        : keyless_(seed, keyless) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key) return murmur2_partition(*ctx.key, ctx.partition_count);
        return keyless_.partition(ctx);
    }
    void on_append(std::string_view t, std::int32_t p, std::size_t b) noexcept { keyless_.on_append(t, p, b); }
    void on_new_batch(std::string_view t, std::int32_t p) noexcept { keyless_.on_new_batch(t, p); }

private:
    detail::keyless_choice keyless_;
};

static_assert(partitioner<murmur2_partitioner>);
static_assert(partitioner<murmur2_random_partitioner>);

KCORO_NAMESPACE_END
