// The partitioner concept: a compile-time policy that chooses a record's partition.
//
// A partitioner p offers
//   p.partition(ctx) -> std::int32_t   a partition in [0, ctx.partition_count), or no_partition
//                                      when ctx.partition_count is 0;
// and two hooks through which the producer tells it what became of its choices, so that sticky
// policies know when to move on:
//   p.on_append(topic, partition, bytes)  after each record appended to partition's open batch
//                                         (whichever way its partition was chosen), with the bytes
//                                         that record added to the batch;
//   p.on_new_batch(topic, partition)      when partition's open batch was closed (it is full, or
//                                         the sender took it): the next record there starts a new
//                                         batch.
// Stateless policies derive from stateless_partitioner, whose hooks are empty and inline away.
// Policies that keep state per topic allocate it when they first see the topic, never per record.
#pragma once

#include "../detail/prelude.hpp"
#include "partition_context.hpp"

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <class P>
concept partitioner = requires(P& p, const partition_context& ctx, std::string_view topic, std::int32_t partition,
                               std::size_t bytes) {
    { p.partition(ctx) } -> std::convertible_to<std::int32_t>;
    p.on_append(topic, partition, bytes);
    p.on_new_batch(topic, partition);
};

struct stateless_partitioner {
    void on_append(std::string_view, std::int32_t, std::size_t) noexcept {}
    void on_new_batch(std::string_view, std::int32_t) noexcept {}
};

// What librdkafka-compatible partitioners do with records that have no key (librdkafka's producer
// sends those to a sticky partition, whatever the configured partitioner; its *_random partitioner
// functions on their own pick at random per record).
enum class keyless_records {
    sticky,  // one partition until its batch closes (KIP-480)
    random,  // a random available partition per record
};

namespace detail {

inline constexpr std::uint64_t default_partitioner_seed = 0x9e3779b97f4a7c15ULL;

// xorshift64*: small, fast, seedable, so tests can replay a sequence of choices.
class partition_rng {
public:
    explicit partition_rng(std::uint64_t seed = default_partitioner_seed) noexcept : s_(seed ? seed : 1) {}
    std::uint64_t next64() noexcept {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 0x2545F4914F6CDD1DULL;
    }
    std::uint32_t next() noexcept { return static_cast<std::uint32_t>(next64() >> 32); }
    // Uniform enough in [0, n) for n far below 2^32 (the bias is below n / 2^64).
    std::uint64_t below(std::uint64_t n) noexcept { return next64() % n; }

private:
    std::uint64_t s_;
};

// Uniform among partitions with a leader; among all when none is known to have one.
inline std::int32_t random_partition(const partition_context& ctx, partition_rng& rng) noexcept {
    if (!ctx.available_partitions.empty())
        return ctx.available_partitions[static_cast<std::size_t>(rng.below(ctx.available_partitions.size()))];
    if (ctx.partition_count <= 0) return no_partition;
    return static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(ctx.partition_count)));
}

inline bool valid_partition(std::int32_t p, const partition_context& ctx) noexcept {
    return p >= 0 && p < ctx.partition_count;
}

struct topic_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Per-topic state, found by the topic's name without building a std::string: the name is copied
// once, when the topic is first seen.
template <class State>
class per_topic {
public:
    State& operator[](std::string_view topic) {
        auto it = map_.find(topic);
        if (it == map_.end()) it = map_.emplace(std::string(topic), State{}).first;
        return it->second;
    }
    State* find(std::string_view topic) noexcept {
        auto it = map_.find(topic);
        return it == map_.end() ? nullptr : &it->second;
    }

private:
    std::unordered_map<std::string, State, topic_hash, std::equal_to<>> map_;
};

// KIP-480: keyless records stay on one partition until its open batch closes.
class sticky_choice {
public:
    explicit sticky_choice(std::uint64_t seed) noexcept : rng_(seed) {}
    std::int32_t partition(const partition_context& ctx) {
        state& s = states_[ctx.topic];
        if (!valid_partition(s.current, ctx) || s.batch_closed) {
            s.current = random_partition(ctx, rng_);
            s.batch_closed = false;
        }
        return s.current;
    }
    void on_append(std::string_view topic, std::int32_t partition, std::size_t) noexcept {
        // Any record landing there (a keyed one too) means the partition has an open batch again.
        if (state* s = states_.find(topic); s != nullptr && s->current == partition) s->batch_closed = false;
    }
    void on_new_batch(std::string_view topic, std::int32_t partition) noexcept {
        if (state* s = states_.find(topic); s != nullptr && s->current == partition) s->batch_closed = true;
    }

private:
    struct state {
        std::int32_t current = no_partition;
        bool batch_closed = false;
    };
    per_topic<state> states_;
    partition_rng rng_;
};

// The keyless half of librdkafka's partitioners: sticky or random, chosen at construction.
class keyless_choice {
public:
    keyless_choice(std::uint64_t seed, keyless_records mode) noexcept : sticky_(seed), rng_(~seed), mode_(mode) {}
    std::int32_t partition(const partition_context& ctx) {
        return mode_ == keyless_records::sticky ? sticky_.partition(ctx) : random_partition(ctx, rng_);
    }
    void on_append(std::string_view topic, std::int32_t partition, std::size_t bytes) noexcept {
        if (mode_ == keyless_records::sticky) sticky_.on_append(topic, partition, bytes);
    }
    void on_new_batch(std::string_view topic, std::int32_t partition) noexcept {
        if (mode_ == keyless_records::sticky) sticky_.on_new_batch(topic, partition);
    }

private:
    sticky_choice sticky_;
    partition_rng rng_;
    keyless_records mode_;
};

}  // namespace detail

KCORO_NAMESPACE_END
