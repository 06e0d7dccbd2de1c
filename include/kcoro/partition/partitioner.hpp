// Partitioners: compile-time policies that choose a record's partition.
//
// A partitioner p offers `p.partition(ctx) -> std::int32_t` and two hooks the producer calls so
// sticky choices can move on: `p.on_append(topic, partition, bytes)` after each record and
// `p.on_new_batch(topic, partition)` when a partition's batch is closed. Stateless partitioners
// make them no-ops by deriving from stateless_partitioner.
#pragma once

#include "../bytes.hpp"
#include "../detail/last_lookup.hpp"
#include "../detail/prelude.hpp"
#include "crc32.hpp"
#include "murmur2.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct partition_context {
    std::string_view topic;
    std::optional<bytes_view> key;                   // none: the record has no key
    std::int32_t partition_count = 0;
    std::span<const std::int32_t> available_partitions{};  // partitions with a leader now
    std::span<const std::size_t> queue_sizes{};      // queued bytes per partition (may be empty)
    std::size_t batch_size = 16384;
};

template <class P>
concept partitioner = requires(P& p, const partition_context& ctx, std::string_view topic, std::int32_t part,
                               std::size_t bytes) {
    { p.partition(ctx) } -> std::convertible_to<std::int32_t>;
    p.on_append(topic, part, bytes);
    p.on_new_batch(topic, part);
};

struct stateless_partitioner {
    void on_append(std::string_view, std::int32_t, std::size_t) noexcept {}
    void on_new_batch(std::string_view, std::int32_t) noexcept {}
};

namespace detail {
// Small, seedable and good enough for spreading records: xorshift64*.
class partition_rng {
public:
    explicit partition_rng(std::uint64_t seed = 0x9e3779b97f4a7c15ULL) noexcept : s_(seed ? seed : 1) {}
    std::uint32_t next() noexcept {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return static_cast<std::uint32_t>((s_ * 0x2545F4914F6CDD1DULL) >> 32);
    }
    std::int32_t below(std::int32_t n) noexcept { return static_cast<std::int32_t>(next() % static_cast<std::uint32_t>(n)); }

private:
    std::uint64_t s_;
};

inline std::int32_t random_available(const partition_context& ctx, partition_rng& rng) {
    if (!ctx.available_partitions.empty())
        return ctx.available_partitions[static_cast<std::size_t>(rng.below(static_cast<std::int32_t>(ctx.available_partitions.size())))];
    return rng.below(ctx.partition_count);
}

struct string_hash_eq {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
}  // namespace detail

// KIP-794's uniform sticky choice for records without a key: stay on one partition until
// batch_size bytes went to it, then switch - with adaptive partitioning, weighted toward
// partitions with shorter queues (like the Java client's BuiltInPartitioner).
class uniform_sticky_partitioner {
public:
    uniform_sticky_partitioner() : uniform_sticky_partitioner(0x9e3779b97f4a7c15ULL) {}
    explicit uniform_sticky_partitioner(std::uint64_t seed, bool adaptive = true)
        : rng_(seed), adaptive_(adaptive) {}

    std::int32_t partition(const partition_context& ctx) {
        state& s = state_for(ctx.topic);
        if (s.current < 0 || s.current >= ctx.partition_count || s.produced >= ctx.batch_size) {
            s.current = choose(ctx);
            s.produced = 0;
        }
        return s.current;
    }
    void on_append(std::string_view topic, std::int32_t partition, std::size_t bytes) {
        state& s = state_for(topic);
        if (s.current == partition) s.produced += bytes;
    }
    void on_new_batch(std::string_view, std::int32_t) noexcept {}

private:
    struct state {
        std::int32_t current = -1;
        std::size_t produced = 0;
    };
    // The last topic's state is found without hashing (map nodes never move; none is erased).
    state& state_for(std::string_view topic) {
        if (auto* e = last_.find(topic)) return e->second;
        auto it = states_.find(topic);
        if (it == states_.end()) it = states_.emplace(std::string(topic), state{}).first;
        last_.remember(&*it);
        return it->second;
    }
    std::int32_t choose(const partition_context& ctx) {
        if (!adaptive_ || ctx.queue_sizes.empty() || ctx.available_partitions.empty())
            return detail::random_available(ctx, rng_);
        // Weight each available partition by (largest queue + 1 - its queue): shorter queues
        // (faster brokers) get more of the new records.
        std::size_t max_q = 0;
        for (auto p : ctx.available_partitions)
            if (static_cast<std::size_t>(p) < ctx.queue_sizes.size()) max_q = std::max(max_q, ctx.queue_sizes[static_cast<std::size_t>(p)]);
        std::uint64_t total = 0;
        weights_.clear();
        for (auto p : ctx.available_partitions) {
            const std::size_t q = static_cast<std::size_t>(p) < ctx.queue_sizes.size() ? ctx.queue_sizes[static_cast<std::size_t>(p)] : 0;
            total += max_q + 1 - q;
            weights_.push_back(total);
        }
        const std::uint64_t pick = (static_cast<std::uint64_t>(rng_.next()) << 32 | rng_.next()) % total;
        for (std::size_t i = 0; i < weights_.size(); ++i)
            if (pick < weights_[i]) return ctx.available_partitions[i];
        return ctx.available_partitions.back();
    }

    std::unordered_map<std::string, state, detail::string_hash_eq, std::equal_to<>> states_;
    detail::last_lookup<std::pair<const std::string, state>> last_;
    std::vector<std::uint64_t> weights_;
    detail::partition_rng rng_;
    bool adaptive_;
};

// The default, as in the Java client: murmur2 of the key bytes for keyed records, uniform sticky
// for records without a key.
class murmur2_partitioner {
public:
    murmur2_partitioner() : murmur2_partitioner(0x9e3779b97f4a7c15ULL) {}
    explicit murmur2_partitioner(std::uint64_t seed) : unkeyed_(seed) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key) return murmur2_partition(*ctx.key, ctx.partition_count);
        return unkeyed_.partition(ctx);
    }
    void on_append(std::string_view t, std::int32_t p, std::size_t b) { unkeyed_.on_append(t, p, b); }
    void on_new_batch(std::string_view t, std::int32_t p) { unkeyed_.on_new_batch(t, p); }

private:
    uniform_sticky_partitioner unkeyed_;
};
using default_partitioner = murmur2_partitioner;

// librdkafka's "murmur2_random": murmur2 for keys (Java-compatible), random for null keys.
class murmur2_random_partitioner : public stateless_partitioner {
public:
    murmur2_random_partitioner() : murmur2_random_partitioner(0x9e3779b97f4a7c15ULL) {}
    explicit murmur2_random_partitioner(std::uint64_t seed) : rng_(seed) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key) return murmur2_partition(*ctx.key, ctx.partition_count);
        return detail::random_available(ctx, rng_);
    }

private:
    detail::partition_rng rng_;
};

// librdkafka's "consistent": CRC-32 of the key modulo the partition count; a null key hashes like
// an empty one, so all keyless records go to one partition.
struct crc32_partitioner : stateless_partitioner {
    std::int32_t partition(const partition_context& ctx) const noexcept {
        const std::uint32_t h = crc32_ieee(ctx.key ? *ctx.key : bytes_view{});
        return static_cast<std::int32_t>(h % static_cast<std::uint32_t>(ctx.partition_count));
    }
};

// librdkafka's "consistent_random": CRC-32 for keys, random for null keys.
class consistent_random_partitioner : public stateless_partitioner {
public:
    consistent_random_partitioner() : consistent_random_partitioner(0x9e3779b97f4a7c15ULL) {}
    explicit consistent_random_partitioner(std::uint64_t seed) : rng_(seed) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key && !ctx.key->empty()) return crc32_partitioner{}.partition(ctx);
        return detail::random_available(ctx, rng_);
    }

private:
    detail::partition_rng rng_;
};

// Every record, keyed or not, to the next partition in turn.
class round_robin_partitioner : public stateless_partitioner {
public:
    std::int32_t partition(const partition_context& ctx) {
        auto it = next_.find(ctx.topic);
        if (it == next_.end()) it = next_.emplace(std::string(ctx.topic), 0).first;
        const std::int32_t p = it->second % ctx.partition_count;
        it->second = p + 1;
        return p;
    }

private:
    std::unordered_map<std::string, std::int32_t, detail::string_hash_eq, std::equal_to<>> next_;
};

// KIP-480's sticky choice: keyless records stay on one partition until its batch closes.
class sticky_partitioner {
public:
    sticky_partitioner() : sticky_partitioner(0x9e3779b97f4a7c15ULL) {}
    explicit sticky_partitioner(std::uint64_t seed) : rng_(seed) {}
    std::int32_t partition(const partition_context& ctx) {
        if (ctx.key) return murmur2_partition(*ctx.key, ctx.partition_count);
        auto it = current_.find(ctx.topic);
        if (it == current_.end()) it = current_.emplace(std::string(ctx.topic), -1).first;
        if (it->second < 0 || it->second >= ctx.partition_count) it->second = detail::random_available(ctx, rng_);
        return it->second;
    }
    void on_append(std::string_view, std::int32_t, std::size_t) noexcept {}
    void on_new_batch(std::string_view topic, std::int32_t partition) {
        auto it = current_.find(topic);
        if (it != current_.end() && it->second == partition) it->second = -1;
    }

private:
    std::unordered_map<std::string, std::int32_t, detail::string_hash_eq, std::equal_to<>> current_;
    detail::partition_rng rng_;
};

static_assert(partitioner<murmur2_partitioner>);
static_assert(partitioner<crc32_partitioner>);
static_assert(partitioner<round_robin_partitioner>);
static_assert(partitioner<sticky_partitioner>);

KCORO_NAMESPACE_END
