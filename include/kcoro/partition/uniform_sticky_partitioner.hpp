// KIP-794's uniform sticky partitioning, the Java client's choice for records without a key.
#pragma once

#include "../detail/prelude.hpp"
#include "partition_context.hpp"
#include "partitioner.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

// Stays on one partition until batch_size bytes of its own choosing went there and the partition's
// batch closed, or 2 x batch_size bytes went there whatever the batch (so that a slow linger does
// not leave a fractional batch behind every switch); then picks the next one among the partitions
// with a leader. With queue sizes in the context (adaptive partitioning), a partition's chance is
// proportional to (largest queue + 1 - its queue), as in the Java client's BuiltInPartitioner, so
// partitions on slow brokers get fewer new records.
//
// On its own it ignores keys (Java's partitioner.ignore.keys=true); murmur2_partitioner uses it for
// records without a key.
class uniform_sticky_partitioner {
public:
    uniform_sticky_partitioner() : uniform_sticky_partitioner(detail::default_partitioner_seed) {}
    explicit uniform_sticky_partitioner(std::uint64_t seed, bool adaptive = true) : rng_(seed), adaptive_(adaptive) {}

    std::int32_t partition(const partition_context& ctx) {
        state& s = states_[ctx.topic];
        if (!detail::valid_partition(s.current, ctx) || s.produced >= 2 * ctx.batch_size ||
            (s.produced >= ctx.batch_size && s.batch_closed)) {
            s.current = next_partition(ctx);
            s.produced = 0;
            s.batch_closed = false;
        }
        s.counting = true;
        return s.current;
    }
    void on_append(std::string_view topic, std::int32_t partition, std::size_t bytes) noexcept {
        state* s = states_.find(topic);
        if (s == nullptr || s->current != partition) return;
        s->batch_closed = false;
        // Only records this partitioner placed count toward the switch (keyed ones do not, as in Java).
        if (s->counting) s->produced += bytes;
        s->counting = false;
    }
    void on_new_batch(std::string_view topic, std::int32_t partition) noexcept {
        if (state* s = states_.find(topic); s != nullptr && s->current == partition) s->batch_closed = true;
    }

private:
    struct state {
        std::int32_t current = no_partition;
        std::size_t produced = 0;
        bool batch_closed = false;
        bool counting = false;  // partition() chose the record the next on_append reports
    };

    std::int32_t next_partition(const partition_context& ctx) {
        const auto avail = ctx.available_partitions;
        if (!adaptive_ || ctx.queue_sizes.size() < 2 || avail.empty()) return detail::random_partition(ctx, rng_);
        auto queue_of = [&](std::int32_t p) -> std::uint64_t {
            const auto i = static_cast<std::size_t>(p);
            return i < ctx.queue_sizes.size() ? ctx.queue_sizes[i] : 0;
        };
        std::uint64_t max_queue = 0;
        bool all_equal = true;
        for (auto p : avail) {
            const auto q = queue_of(p);
            if (q != queue_of(avail[0])) all_equal = false;
            max_queue = std::max(max_queue, q);
        }
        if (all_equal) return detail::random_partition(ctx, rng_);
        // Cumulative frequencies of (max + 1 - queue); the buffer is reused, so it allocates only
        // when a topic with more partitions than before comes along.
        cumulative_.clear();
        std::uint64_t total = 0;
        for (auto p : avail) {
            total += max_queue + 1 - queue_of(p);
            cumulative_.push_back(total);
        }
        const std::uint64_t pick = rng_.below(total);
        const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), pick);
        return avail[static_cast<std::size_t>(it - cumulative_.begin())];
    }

    detail::per_topic<state> states_;
    std::vector<std::uint64_t> cumulative_;
    detail::partition_rng rng_;
    bool adaptive_;
};

static_assert(partitioner<uniform_sticky_partitioner>);

KCORO_NAMESPACE_END
