// KIP-480's sticky partitioning (the Java client's default from 2.4 to 3.2).
#pragma once

#include "../detail/prelude.hpp"
#include "murmur2.hpp"
#include "partition_context.hpp"
#include "partitioner.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

// Keyed records by murmur2, like Java; keyless ones stay on one random available partition until
// that partition's open batch closes, so they fill batches instead of scattering over all of them.
class sticky_partitioner {
public:
    sticky_partitioner() : sticky_partitioner(detail::default_partitioner_seed) {}
    explicit sticky_partitioner(std::uint64_t seed) : keyless_(seed) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key) return murmur2_partition(*ctx.key, ctx.partition_count);
        return keyless_.partition(ctx);
    }
    void on_append(std::string_view t, std::int32_t p, std::size_t b) noexcept { keyless_.on_append(t, p, b); }
    void on_new_batch(std::string_view t, std::int32_t p) noexcept { keyless_.on_new_batch(t, p); }

private:
    detail::sticky_choice keyless_;
};

static_assert(partitioner<sticky_partitioner>);

KCORO_NAMESPACE_END
