// Java's RoundRobinPartitioner: every record, keyed or not, to the next partition in turn.
#pragma once

#include "../detail/prelude.hpp"
#include "partition_context.hpp"
#include "partitioner.hpp"

#include <cstdint>

KCORO_NAMESPACE_BEGIN

// Cycles per topic over the partitions that have a leader (over all of them when none is known),
// as Java's does; the same key can therefore land anywhere.
class round_robin_partitioner : public stateless_partitioner {
public:
    std::int32_t partition(const partition_context& ctx) {
        std::uint32_t& next = counters_[ctx.topic];
        const std::uint32_t n = next++;
        if (!ctx.available_partitions.empty()) return ctx.available_partitions[n % ctx.available_partitions.size()];
        if (ctx.partition_count <= 0) return no_partition;
        return static_cast<std::int32_t>(n % static_cast<std::uint32_t>(ctx.partition_count));
    }

private:
    detail::per_topic<std::uint32_t> counters_;
};

static_assert(partitioner<round_robin_partitioner>);

KCORO_NAMESPACE_END
