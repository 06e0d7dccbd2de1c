// A batch of records for one partition, from the first append until the broker's answer, and the
// pool that recycles batches so that steady-state producing allocates nothing per record.
#pragma once

#include "../detail/prelude.hpp"
#include "../record/record.hpp"
#include "delivery.hpp"
#include "../runtime/runtime_concepts.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct topic_state;

struct producer_batch {
    record_batch_builder builder;
    std::vector<delivery_slot> slots;   // one per record, in offset-delta order
    topic_state* topic = nullptr;
    std::int32_t partition = -1;
    steady_time created{};
    steady_time deadline{};             // created + delivery_timeout
    steady_time retry_at{};             // not before this after a failed attempt
    int attempts = 0;
    std::uint64_t flush_round = 0;      // the round it was made in (record_accumulator::begin_flush_round)
    std::int32_t base_sequence = -1;    // assigned at first drain when idempotent
    std::int64_t producer_id = -1;      // stamped at finish
    std::int16_t producer_epoch = -1;
    bool sealed = false;                // no more appends (full, or drained)
    bool finished = false;              // builder.finish() done; wire holds the batch
    std::size_t reserved = 0;           // bytes of buffer_memory this batch holds
    bytes_view wire{};

    std::int32_t record_count() const noexcept { return static_cast<std::int32_t>(slots.size()); }
};

// Owns every batch; hands out recycled ones. Free batches keep their buffers for reuse, within a
// budget: memory kept idle here is memory buffer_memory does not count.
class producer_batch_pool {
public:
    producer_batch* acquire() {
        producer_batch* b;
        if (!free_.empty()) {
            b = free_.back();
            free_.pop_back();
            idle_bytes_ -= held_bytes(*b);
        } else {
            all_.push_back(std::make_unique<producer_batch>());
            b = all_.back().get();
        }
        b->builder.reset();
        b->slots.clear();
        b->topic = nullptr;
        b->partition = -1;
        b->attempts = 0;
        b->base_sequence = -1;
        b->producer_id = -1;
        b->producer_epoch = -1;
        b->sealed = false;
        b->finished = false;
        b->reserved = 0;
        b->wire = {};
        return b;
    }
    // Takes a batch back. It keeps its buffers when they are no larger than keep_bytes (what a batch
    // normally takes) and the pool's idle memory stays within idle_budget; otherwise it gives them
    // back, so that what is in use plus what is kept idle stays within buffer_memory.
    void release(producer_batch* b, std::size_t keep_bytes, std::size_t idle_budget) {
        b->slots.clear();
        const std::size_t held = held_bytes(*b);
        if (held > keep_bytes || idle_bytes_ + held > idle_budget) {
            b->builder = record_batch_builder();
            std::vector<delivery_slot>().swap(b->slots);
        }
        idle_bytes_ += held_bytes(*b);
        free_.push_back(b);
    }
    std::size_t allocated() const noexcept { return all_.size(); }

private:
    static std::size_t held_bytes(const producer_batch& b) noexcept {
        return b.builder.capacity_bytes() + b.slots.capacity() * sizeof(delivery_slot);
    }

    std::vector<std::unique_ptr<producer_batch>> all_;
    std::vector<producer_batch*> free_;
    std::size_t idle_bytes_ = 0;
};

struct partition_state {
    std::deque<producer_batch*> queue;  // front is oldest; back may be open for appends
    int in_flight = 0;                  // batches of this partition in requests not yet answered
    std::int32_t in_flight_to = -1;     // the broker they went to
    // A partition is in flight to one broker at a time: after a leader move nothing goes to the new
    // leader until the old one has answered for every batch, so that the partition's batches are
    // written, and their outcomes known, in order.
    bool may_send_to(std::int32_t broker) const noexcept { return in_flight == 0 || in_flight_to == broker; }
    std::int32_t next_sequence = 0;     // idempotence: next batch's base sequence
    // A retriable failure happened: later in-flight batches will fail out of order; send nothing
    // new for this partition until all in-flight ones have come back, then resend in order.
    bool resend_pending = false;
    // Idempotence: the highest sequence the broker has acknowledged for this partition in the
    // current producer epoch, -1 before the first. A broker that holds no state for our producer
    // id on a partition accepts a first batch with any sequence (KIP-360), so until one batch is
    // acknowledged only one may be in flight: otherwise a later batch could be written ahead of
    // an earlier one that failed retriably, and the earlier one could never follow it in order.
    std::int64_t last_acked_sequence = -1;
    // What stats() reports of the partition, counted per batch.
    std::uint64_t records_delivered = 0;
    std::uint64_t records_failed = 0;
    std::uint64_t batches_delivered = 0;
    std::uint64_t retries = 0;
};

struct topic_state {
    std::string name;
    std::vector<partition_state> partitions;  // sized to the topic's partition count
    // Bytes queued per partition (appended, not yet drained): the partitioner reads this array as
    // is for adaptive partitioning, so it is kept apart from partition_state.
    std::vector<std::size_t> queued_bytes;
    // Compressed size over uncompressed size of this topic's batches, as estimated from the last ones.
    double compression_ratio = 1.0;
    std::size_t records_per_batch = 0;  // in the topic's last batch sent
    int unknown_answers = 0;            // metadata answers in a row saying the topic does not exist
};

// The state of the partition a batch is for.
inline partition_state& partition_of(const producer_batch& b) noexcept {
    return b.topic->partitions[static_cast<std::size_t>(b.partition)];
}

KCORO_NAMESPACE_END
