// librdkafka's CRC-32 partitioners, "consistent" and "consistent_random" (librdkafka's default).
#pragma once

#include "../detail/prelude.hpp"
#include "crc32.hpp"
#include "partition_context.hpp"
#include "partitioner.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

// The partition librdkafka's consistent hashing gives these key bytes: crc32(key) % partitions.
inline std::int32_t crc32_partition(bytes_view key, std::int32_t partitions) noexcept {
    if (partitions <= 0) return no_partition;
    return static_cast<std::int32_t>(crc32_ieee(key) % static_cast<std::uint32_t>(partitions));
}

// "consistent": every key by CRC-32, an empty key included (it always lands on partition 0, as in
// librdkafka). Null keys never reach librdkafka's hash: its producer sends them to a sticky
// partition, and so does this one unless told to pick at random.
class crc32_partitioner {
public:
    crc32_partitioner() : crc32_partitioner(detail::default_partitioner_seed) {}
    explicit crc32_partitioner(std::uint64_t seed, keyless_records keyless = keyless_records::sticky)
        : keyless_(seed, keyless) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key) return crc32_partition(*ctx.key, ctx.partition_count);
        return keyless_.partition(ctx);
    }
    void on_append(std::string_view t, std::int32_t p, std::size_t b) noexcept { keyless_.on_append(t, p, b); }
    void on_new_batch(std::string_view t, std::int32_t p) noexcept { keyless_.on_new_batch(t, p); }

private:
    detail::keyless_choice keyless_;
};

// "consistent_random": CRC-32 for non-empty keys; null and empty keys are keyless (sticky, as
// librdkafka's producer does, or random per record, as its partitioner function does alone).
class consistent_random_partitioner {
public:
    consistent_random_partitioner() : consistent_random_partitioner(detail::default_partitioner_seed) {}
    explicit consistent_random_partitioner(std::uint64_t seed, keyless_records keyless = keyless_records::sticky)
        : keyless_(seed, keyless) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key && !ctx.key->empty()) return crc32_partition(*ctx.key, ctx.partition_count);
        return keyless_.partition(ctx);
    }
    void on_append(std::string_view t, std::int32_t p, std::size_t b) noexcept { keyless_.on_append(t, p, b); }
    void on_new_batch(std::string_view t, std::int32_t p) noexcept { keyless_.on_new_batch(t, p); }

private:
    detail::keyless_choice keyless_;
};

static_assert(partitioner<crc32_partitioner>);
static_assert(partitioner<consistent_random_partitioner>);

KCORO_NAMESPACE_END
