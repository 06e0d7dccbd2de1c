// The partitions one broker leads, as its sender drains them: the list is made again only when the
// routing changed (a metadata answer moved a leader or added partitions, a leader was forgotten, a
// topic got its first records), so a drain visits the broker's own partitions and no other. Each
// drain starts where the last one found its request full, so that with more ready batches than one
// request takes every partition gets its turn. No runtime: tested on its own
// (tests/unit/producer_led_partitions_test.cpp).
#pragma once

#include "../detail/prelude.hpp"
#include "cluster_metadata.hpp"
#include "producer_batch.hpp"
#include "record_accumulator.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

KCORO_NAMESPACE_BEGIN

class led_partitions {
public:
    // One partition the broker leads. Held as topic and index: a topic's partition_state vector
    // grows when the topic gains partitions, which moves its elements (and bumps the routing).
    struct entry {
        topic_state* topic = nullptr;
        std::int32_t partition = -1;
        partition_state& state() const noexcept { return topic->partitions[static_cast<std::size_t>(partition)]; }
    };

    // What the visitor of a drain says of one partition.
    enum class visit : std::uint8_t {
        taken,    // a batch of it went into the request
        passed,   // nothing of it may go now
        no_room,  // its batch is ready but the request is full: it goes first in the next drain
    };

    // True while the list reflects routing `version` (the engine's count of routing changes).
    bool current(std::uint64_t version) const noexcept { return built_ && version_ == version; }

    // Lists the partitions `broker` leads among those with a queue (the accumulator's topics).
    void rebuild(std::int32_t broker, const record_accumulator::topic_map& topics, const cluster_metadata& metadata,
                 std::uint64_t version) {
        entries_.clear();
        for (const auto& [name, tsp] : topics) {
            const topic_metadata* md = metadata.topic(tsp->name);
            if (md == nullptr) continue;
            const std::size_t n = std::min(tsp->partitions.size(), md->partitions.size());
            for (std::size_t p = 0; p < n; ++p)
                if (md->partitions[p].leader == broker) entries_.push_back(entry{tsp.get(), static_cast<std::int32_t>(p)});
        }
        // Map order is no order: sorted, so that a drain's order does not depend on the hash.
        std::sort(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) {
            return a.topic->name != b.topic->name ? a.topic->name < b.topic->name : a.partition < b.partition;
        });
        if (cursor_ >= entries_.size()) cursor_ = 0;
        version_ = version;
        built_ = true;
    }

    std::span<const entry> entries() const noexcept { return entries_; }
    std::size_t size() const noexcept { return entries_.size(); }

    // Offers each partition once to `f` (visit(const entry&)), starting at the cursor. The next drain
    // starts at the first partition that found no room; when every ready batch fitted, one further
    // on, so that no partition is always first in its requests.
    template <class F>
    void drain(F&& f) {
        const std::size_t n = entries_.size();
        if (n == 0) return;
        std::size_t first_without_room = n;
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = (cursor_ + k) % n;
            if (f(entries_[i]) == visit::no_room && first_without_room == n) first_without_room = i;
        }
        cursor_ = first_without_room != n ? first_without_room : (cursor_ + 1) % n;
    }

private:
    std::vector<entry> entries_;
    std::size_t cursor_ = 0;
    std::uint64_t version_ = 0;
    bool built_ = false;
};

KCORO_NAMESPACE_END
