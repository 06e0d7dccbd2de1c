// One Produce request's body from the batches a drain took, and the answer matched back to them.
// Kafka takes one entry per topic, so the batches are grouped by topic, each topic's in drain
// order; the batches' bytes are referred to, not copied. Pure: tested without a runtime
// (tests/unit/producer_produce_request_test.cpp).
#pragma once

#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "producer_batch.hpp"

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

class produce_request_builder {
public:
    // The request for `batches` (which, and whose topics, must outlive it). A transactional
    // producer's names its transactional_id, which (Produce v12, KIP-890) adds each partition to
    // the open transaction.
    produce_request build(std::span<producer_batch* const> batches, std::int16_t acks, std::int32_t timeout_ms,
                          std::string_view transactional_id = {}) {
        topics_.clear();
        partitions_.clear();
        partitions_.reserve(batches.size());
        order_.resize(batches.size());
        for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
        std::stable_sort(order_.begin(), order_.end(), [&](std::size_t x, std::size_t y) { return batches[x]->topic < batches[y]->topic; });
        for (std::size_t i : order_) partitions_.push_back(produce_partition_data{batches[i]->partition, batches[i]->wire});
        for (std::size_t k = 0; k < order_.size();) {
            std::size_t j = k;
            while (j < order_.size() && batches[order_[j]]->topic == batches[order_[k]]->topic) ++j;
            topics_.push_back(produce_topic_data{batches[order_[k]]->topic->name,
                                                 std::span<const produce_partition_data>(partitions_.data() + k, j - k)});
            k = j;
        }
        produce_request req;
        if (!transactional_id.empty()) req.transactional_id = transactional_id;
        req.acks = acks;
        req.timeout_ms = timeout_ms;
        req.topics = std::span<const produce_topic_data>(topics_);
        return req;
    }

    // Hands each partition's answer to its batch, in the order the response lists them:
    // answered(batch, partition_response), once per batch; then unanswered(batch) for each batch
    // the broker said nothing of.
    template <class Answered, class Unanswered>
    static void match(std::span<producer_batch* const> batches, const produce_response& r, Answered&& answered, Unanswered&& unanswered) {
        std::vector<bool> done(batches.size(), false);
        for (const auto& t : r.topics) {
            for (const auto& pr : t.partitions) {
                for (std::size_t i = 0; i < batches.size(); ++i) {
                    producer_batch* batch = batches[i];
                    if (done[i] || batch->partition != pr.index || batch->topic->name != t.name) continue;
                    done[i] = true;
                    answered(batch, pr);
                    break;
                }
            }
        }
        for (std::size_t i = 0; i < batches.size(); ++i)
            if (!done[i]) unanswered(batches[i]);
    }

private:
    std::vector<produce_topic_data> topics_;
    std::vector<produce_partition_data> partitions_;
    std::vector<std::size_t> order_;
};

KCORO_NAMESPACE_END
