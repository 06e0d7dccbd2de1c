// The records not yet sent: per topic and partition a queue of batches (the back one open for
// appends), held within buffer_memory. Owns the batch pool, the memory budget, how large a batch
// may grow (batch_size, or by the topic's observed compression ratio as many records as compress
// to it), when a batch is ready to leave (sealed, or its linger passed) and when it expires, and
// the split of a batch the broker found too large.
//
// No runtime and no key or value type: the caller passes the instant and the record's fields as
// writers (record_field.hpp), which the batch builder writes straight into the batch.
#pragma once

#include "../detail/last_lookup.hpp"
#include "../detail/prelude.hpp"
#include "../record/record.hpp"
#include "../result.hpp"
#include "delivery.hpp"
#include "producer_batch.hpp"
#include "producer_config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

class record_accumulator {
public:
    // Bytes a record batch takes besides its records.
    static constexpr std::size_t record_batch_overhead = 61;
    // A compressing batch takes at most this many times batch_size of uncompressed records.
    static constexpr std::size_t max_compressed_batch_growth = 8;

    using topic_map = std::unordered_map<std::string_view, std::unique_ptr<topic_state>>;

    explicit record_accumulator(const producer_config& config) : config_(&config) {}

    // ---- topics ----

    topic_state* find(std::string_view name) noexcept {
        if (auto* e = last_topic_.find(name)) return e->second.get();
        auto it = topics_.find(name);
        if (it == topics_.end()) return nullptr;
        last_topic_.remember(&*it);
        return it->second.get();
    }
    // The topic's state, made on first use (`created` says so: the caller asks for its metadata).
    topic_state& topic(std::string_view name, bool& created) {
        created = false;
        if (topic_state* t = find(name)) return *t;
        auto t = std::make_unique<topic_state>();
        t->name = std::string(name);
        auto* raw = t.get();
        topics_.emplace(raw->name, std::move(t));
        created = true;
        return *raw;
    }
    topic_map& topics() noexcept { return topics_; }
    const topic_map& topics() const noexcept { return topics_; }
    static void fit(topic_state& ts, std::size_t partitions) {
        if (ts.partitions.size() >= partitions) return;
        ts.partitions.resize(partitions);
        ts.queued_bytes.resize(partitions);
    }

    // ---- memory ----

    std::size_t used_memory() const noexcept { return used_memory_; }
    std::size_t outstanding_batches() const noexcept { return outstanding_batches_; }

    // flush() waits for the batches that existed when it was called, not for those of records sent
    // after it (which, while others keep sending, would keep it waiting for ever). Each batch
    // belongs to the round current when it was made, a split's parts to their batch's; a flush
    // ends the current round and waits until every batch of it, and of the rounds before, is gone.
    std::uint64_t begin_flush_round() {
        round_batches_.push_back(0);
        ++current_round_;
        drop_finished_rounds();
        return current_round_ - 1;
    }
    bool flush_round_done(std::uint64_t round) const noexcept { return first_round_ > round; }
    std::size_t pooled_batches() const noexcept { return pool_.allocated(); }

    // ---- appending ----

    enum class append_outcome : std::uint8_t {
        appended,        // to the partition's open batch
        opened,          // into a new batch, now the partition's open one
        blocked_memory,  // a new batch was needed and buffer_memory is taken
        too_large,       // the record alone exceeds max_request_size or buffer_memory (too_large_bytes)
    };
    struct append_result {
        append_outcome status = append_outcome::appended;
        producer_batch* batch = nullptr;  // where the record went
        bool sealed_previous = false;     // the open batch was full and is ready to leave now
        std::size_t too_large_bytes = 0;
    };

    // Appends one record to the partition's open batch, or to a new one. On success the slot is
    // moved into the batch (its place is the record's offset delta).
    template <class KW, class VW>
    append_result append(topic_state& ts, std::int32_t partition, steady_time now, std::int64_t timestamp, bool has_key,
                         KW& key, bool has_value, VW& value, std::span<const record_header> headers, delivery_slot& slot) {
        append_result out;
        partition_state& ps = ts.partitions[static_cast<std::size_t>(partition)];
        producer_batch* const open = (!ps.queue.empty() && !ps.queue.back()->sealed) ? ps.queue.back() : nullptr;
        if (open != nullptr) {
            // A record joins only if it is surely small enough to be sent alone: its bytes in the
            // batch (never fewer than alone, where its deltas are 0) within what a batch of one
            // may hold. One that is not is sized alone below, and fails alone if too large.
            const std::size_t before = open->builder.size_bytes();
            const std::size_t limit = std::min(append_limit(ts), before + largest_record_alone());
            if (append_record(*open, timestamp, has_key, key, has_value, value, headers, limit)) {
                queued_bytes_of(*open) += open->builder.size_bytes() - before;
                took(ts, *open, slot, timestamp);
                out.batch = open;
                return out;
            }
        }
        // The open batch took no more: sealed, so that the sender may take it now, unless the
        // record fails alone as too large, which leaves every batch as it was.
        const auto seal_open = [&] {
            if (open == nullptr) return;
            open->sealed = true;
            out.sealed_previous = true;
        };

        // A new batch holds room for the records it is expected to take and, when compressing, as
        // much again for the compressed copy it will hold from the drain on: reserved now, so that
        // finishing many queued batches at once cannot take the producer past buffer_memory, and
        // allocated now, so that it does not grow by reallocation. The first batch is always let
        // in, however small buffer_memory is.
        const std::size_t expected_bytes = append_limit(ts);
        const std::size_t first_reservation =
            config_->compression == compression_codec::none ? expected_bytes : 2 * expected_bytes;
        if (used_memory_ > 0 && used_memory_ + first_reservation > config_->buffer_memory) {
            seal_open();
            out.status = append_outcome::blocked_memory;
            return out;
        }
        producer_batch* const b = pool_.acquire();
        b->builder.reserve(expected_bytes);
        if (b->slots.capacity() < ts.records_per_batch) b->slots.reserve(ts.records_per_batch);
        b->topic = &ts;
        b->partition = partition;
        b->created = now;
        b->deadline = now + config_->delivery_timeout;
        b->reserved = first_reservation;
        used_memory_ += b->reserved;
        ++outstanding_batches_;
        b->flush_round = current_round_;
        ++round_batches_.back();
        append_record(*b, timestamp, has_key, key, has_value, value, headers, append_limit(ts));
        const std::size_t size = b->builder.size_bytes() + record_batch_overhead;
        if (size > largest_batch_alone()) {
            release(b);
            out.status = append_outcome::too_large;
            out.too_large_bytes = size;
            return out;
        }
        seal_open();
        ps.queue.push_back(b);
        queued_bytes_of(*b) += b->builder.size_bytes();
        took(ts, *b, slot, timestamp);
        out.status = append_outcome::opened;
        out.batch = b;
        return out;
    }

    // The largest batch of one record the producer takes, with its overhead: more is too large.
    std::size_t largest_batch_alone() const noexcept { return std::min(config_->max_request_size, config_->buffer_memory); }
    // The most bytes a record of a batch of one (as a batch's records section) may take.
    std::size_t largest_record_alone() const noexcept {
        const std::size_t framing = record_layout::header_size + record_batch_overhead;
        return largest_batch_alone() > framing ? largest_batch_alone() - framing : 0;
    }

    // How many uncompressed bytes a batch of this topic may take. batch_size bounds what is sent, so
    // when compressing, a batch holds as many records as are expected to compress to batch_size, by
    // the topic's observed compression ratio (as the Java client estimates it): fewer, fuller
    // batches for the broker to take. Never more than 8 x batch_size or max_request_size
    // uncompressed, and no more than batch_size while buffer_memory is taken.
    std::size_t append_limit(const topic_state& ts) const noexcept {
        if (config_->compression == compression_codec::none || used_memory_ >= config_->buffer_memory) return config_->batch_size;
        const double expected = static_cast<double>(config_->batch_size) / std::max(ts.compression_ratio, 0.01);
        const std::size_t cap = std::min(largest_normal_batch(), config_->max_request_size > 2 * record_batch_overhead
                                                                     ? config_->max_request_size - 2 * record_batch_overhead
                                                                     : 0);
        return std::max(config_->batch_size, std::min(cap, static_cast<std::size_t>(expected)));
    }
    // After a batch of the topic was compressed: the estimate rises at once toward a worse ratio and
    // improves slowly, so that a batch rarely compresses to more than batch_size.
    static void observe_compression(topic_state& ts, std::size_t plain, std::size_t compressed) noexcept {
        if (plain == 0) return;
        const double observed = static_cast<double>(compressed) / static_cast<double>(plain);
        if (observed > ts.compression_ratio) ts.compression_ratio = std::min(1.0, std::max(observed, ts.compression_ratio + 0.05));
        else ts.compression_ratio = std::max(observed, ts.compression_ratio - 0.005);
    }

    // ---- leaving ----

    // The partition's front batch may leave now: sealed, not alone in its queue, its linger passed,
    // or everything is to go (flush, close). Otherwise `next` is brought down to when it may.
    bool ready(const partition_state& ps, steady_time now, bool send_everything, steady_time& next) const noexcept {
        const producer_batch& b = *ps.queue.front();
        if (now < b.retry_at) {
            next = std::min(next, b.retry_at);
            return false;
        }
        if (b.sealed || ps.queue.size() > 1 || send_everything || now >= b.created + config_->linger) return true;
        next = std::min(next, b.created + config_->linger);
        return false;
    }
    // Takes the front batch out of its queue for a request.
    producer_batch* take(partition_state& ps) noexcept {
        producer_batch* b = ps.queue.front();
        ps.queue.pop_front();
        unqueue_bytes(*b);
        return b;
    }
    // Finishes the batch into its wire form (compressing it), the first time it leaves.
    result<void> finish(producer_batch& b, const batch_finish_params& params) {
        auto w = b.builder.finish(params);
        if (!w) return std::move(w).err();
        b.wire = *w;
        b.finished = true;
        grow_reservation(b);  // compressing took a second buffer
        if (params.codec != compression_codec::none) observe_compression(*b.topic, b.builder.size_bytes(), b.wire.size());
        return ok();
    }
    // Back to the front of its queue, ordered by sequence so resends keep their original order.
    void requeue(partition_state& ps, producer_batch* batch) {
        auto it = ps.queue.begin();
        while (it != ps.queue.end() && (*it)->base_sequence >= 0 && batch->base_sequence >= 0 &&
               (*it)->base_sequence < batch->base_sequence && (*it)->attempts > 0)
            ++it;
        ps.queue.insert(it, batch);
        queued_bytes_of(*batch) += batch->builder.size_bytes();
    }

    // A batch the broker found too large (MESSAGE_TOO_LARGE) goes back to the front of its queue as
    // parts of about half its size each, in record order and keeping its sequences, as the Java
    // client does; a part of one record that is still too large then fails alone. The records'
    // slots move to the parts; `big` is the caller's to release.
    result<void> split(partition_state& ps, producer_batch* big) {
        decoded_batch decoded;
        if (auto r = read_record_batch(big->wire, decoded); !r) return std::move(r).err();
        const std::size_t target = std::max<std::size_t>(1, (big->builder.size_bytes() - record_batch_overhead) / 2);
        std::vector<producer_batch*> parts;
        std::vector<record_header> headers;
        std::int32_t index = 0;
        for (auto& rec : decoded.records) {
            std::size_t rec_bytes = 16 + (rec.key ? rec.key->size() : 0) + (rec.value ? rec.value->size() : 0);
            for (const auto& [k, v] : rec.headers) rec_bytes += k.size() + (v ? v->size() : 0) + 2;
            producer_batch* part = parts.empty() ? nullptr : parts.back();
            if (part == nullptr ||
                (part->record_count() > 0 && part->builder.size_bytes() - record_batch_overhead + rec_bytes > target)) {
                part = pool_.acquire();
                part->topic = big->topic;
                part->partition = big->partition;
                part->created = big->created;
                part->deadline = big->deadline;
                part->attempts = big->attempts + 1;
                part->sealed = true;
                part->base_sequence = big->base_sequence >= 0 ? big->base_sequence + index : -1;
                ++outstanding_batches_;
                part->flush_round = big->flush_round;
                ++round_batches_[static_cast<std::size_t>(big->flush_round - first_round_)];
                parts.push_back(part);
            }
            headers.clear();
            for (const auto& [k, v] : rec.headers) headers.push_back(record_header{k, v});
            bytes_view key = rec.key ? *rec.key : bytes_view{};
            bytes_view value = rec.value ? *rec.value : bytes_view{};
            append_record(*part, rec.timestamp, rec.key.has_value(), key, rec.value.has_value(), value,
                          std::span<const record_header>(headers), static_cast<std::size_t>(-1));
            part->slots.push_back(std::move(big->slots[static_cast<std::size_t>(index)]));
            ++index;
        }
        for (producer_batch* part : parts) grow_reservation(*part);
        // In queue order: by sequence among resends when idempotent, else each part at the front,
        // the last first.
        if (big->base_sequence >= 0) {
            for (producer_batch* part : parts) requeue(ps, part);
        } else {
            for (auto it = parts.rbegin(); it != parts.rend(); ++it) requeue(ps, *it);
        }
        big->slots.clear();
        return ok();
    }

    // The batch's memory goes back to the budget, its buffers to the pool. Batches keep their
    // buffers for reuse, up to what a batch normally takes and while what is in use plus what is
    // kept stays within buffer_memory; one grown by a large record, or one over that budget, gives
    // its memory back.
    void release(producer_batch* b) {
        used_memory_ -= b->reserved;
        --outstanding_batches_;
        --round_batches_[static_cast<std::size_t>(b->flush_round - first_round_)];
        drop_finished_rounds();
        pool_.release(b, 2 * largest_normal_batch() + 4096,
                      config_->buffer_memory > used_memory_ ? config_->buffer_memory - used_memory_ : 0);
    }

    // Takes every queued batch out, oldest first per partition, and hands it to `gone`.
    template <class F>
    void take_all(F&& gone) {
        for (auto& [name, ts] : topics_) {
            for (auto& ps : ts->partitions) {
                while (!ps.queue.empty()) {
                    producer_batch* b = ps.queue.front();
                    ps.queue.pop_front();
                    gone(b);
                }
            }
            std::fill(ts->queued_bytes.begin(), ts->queued_bytes.end(), std::size_t{0});
        }
    }

private:
    template <class KW, class VW>
    static bool append_record(producer_batch& b, std::int64_t timestamp, bool has_key, KW& kw, bool has_value, VW& vw,
                              std::span<const record_header> headers, std::size_t limit) {
        append_status st;
        if (has_key && has_value) st = b.builder.try_append(timestamp, kw, vw, headers, limit);
        else if (has_key) st = b.builder.try_append(timestamp, kw, null_record_field{}, headers, limit);
        else if (has_value) st = b.builder.try_append(timestamp, null_record_field{}, vw, headers, limit);
        else st = b.builder.try_append(timestamp, null_record_field{}, null_record_field{}, headers, limit);
        return st == append_status::appended;
    }

    // The record is in: its slot joins the batch, and a batch that reached its limit is sealed.
    void took(const topic_state& ts, producer_batch& b, delivery_slot& slot, std::int64_t timestamp) {
        slot.timestamp = timestamp;
        b.slots.push_back(std::move(slot));
        grow_reservation(b);
        if (b.builder.size_bytes() >= append_limit(ts)) b.sealed = true;
    }

    // A batch holds buffer_memory for the memory it occupies: its buffers (as allocated, with any
    // compressed copy) and its records' delivery slots, so that buffer_memory bounds what the
    // producer keeps for buffered records.
    void grow_reservation(producer_batch& b) {
        const std::size_t need = std::max(b.builder.size_bytes() + record_batch_overhead, b.builder.capacity_bytes()) +
                                 b.slots.capacity() * sizeof(delivery_slot);
        if (need > b.reserved) {
            used_memory_ += need - b.reserved;
            b.reserved = need;
        }
    }
    // Uncompressed bytes a batch takes at most unless one record is larger.
    std::size_t largest_normal_batch() const noexcept {
        return config_->compression == compression_codec::none ? config_->batch_size
                                                               : max_compressed_batch_growth * config_->batch_size;
    }
    // Bytes queued (not yet drained) for the batch's partition, as the partitioner sees them.
    static std::size_t& queued_bytes_of(producer_batch& b) noexcept {
        return b.topic->queued_bytes[static_cast<std::size_t>(b.partition)];
    }

public:
    static void unqueue_bytes(producer_batch& b) noexcept {
        std::size_t& q = queued_bytes_of(b);
        q -= std::min(q, b.builder.size_bytes());
    }

private:
    // Rounds before the current one with no batch left are over.
    void drop_finished_rounds() noexcept {
        while (round_batches_.size() > 1 && round_batches_.front() == 0) {
            round_batches_.pop_front();
            ++first_round_;
        }
    }

    const producer_config* config_;
    topic_map topics_;
    detail::last_lookup<std::pair<const std::string_view, std::unique_ptr<topic_state>>> last_topic_;  // none is erased
    producer_batch_pool pool_;
    std::size_t used_memory_ = 0;
    std::size_t outstanding_batches_ = 0;
    // Outstanding batches per flush round, from first_round_ to current_round_ (the last entry).
    std::deque<std::size_t> round_batches_{0};
    std::uint64_t first_round_ = 0;
    std::uint64_t current_round_ = 0;
};

KCORO_NAMESPACE_END
