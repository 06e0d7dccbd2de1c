// Who the producer is to the brokers: its producer id and epoch, and per partition the sequence of
// the next batch and the highest one acknowledged. Owns the idempotence rules the engine consults at
// three points, the seams where a transaction manager takes over when `transactional_id` is set:
// may this partition drain now (may_drain), what a batch is stamped with (assign_sequence, id,
// epoch), and what a failure means for it (describe, init_error_is_fatal). KIP-360: when the
// sequences can no longer line up, a new epoch (bump) restarts every partition at sequence 0. A
// transactional producer never bumps on its own: a failed batch makes its transaction abortable,
// and the coordinator hands out the next epoch at every EndTxn (transaction_manager.hpp).
//
// No runtime: InitProducerId is sent by the engine, which hands the answer to assign().
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "producer_batch.hpp"
#include "retry_policy.hpp"

#include <algorithm>
#include <cstdint>

KCORO_NAMESPACE_BEGIN

class producer_identity {
public:
    // The broker keeps the last five batches per producer and partition to detect duplicates, so
    // no more may be in flight on one partition.
    static constexpr int max_in_flight_per_partition = 5;

    explicit producer_identity(bool idempotent, bool transactional = false) noexcept
        : idempotent_(idempotent || transactional), transactional_(transactional), ready_(!idempotent_) {}

    bool idempotent() const noexcept { return idempotent_; }
    // Batches carry the transactional bit, and the epoch changes only at the coordinator's word.
    bool transactional() const noexcept { return transactional_; }
    // An id is held (or none is needed), and no bump is due: batches may be stamped.
    bool ready() const noexcept { return ready_ && !bump_needed_; }
    bool has_id() const noexcept { return ready_; }
    bool bump_needed() const noexcept { return bump_needed_; }
    std::int64_t id() const noexcept { return id_; }
    std::int16_t epoch() const noexcept { return epoch_; }

    // A gap the broker would reject, or a broker that lost our state: the next InitProducerId bumps.
    void need_bump() noexcept {
        if (idempotent_ && !transactional_) bump_needed_ = true;
    }
    // InitProducerId is due for a first id.
    bool needs_id() const noexcept { return !ready_; }
    // InitProducerId is due for a bump: once nothing is in flight, as an answer still to come would
    // be judged against the wrong epoch.
    bool bump_due(int requests_in_flight) const noexcept { return bump_needed_ && requests_in_flight == 0; }

    // InitProducerId answered; after a bump the caller restarts each partition's sequences
    // (restart()).
    void assign(std::int64_t id, std::int16_t epoch) noexcept {
        id_ = id;
        epoch_ = epoch;
        ready_ = true;
        bump_needed_ = false;
    }
    // An InitProducerId error that no retry will cure ends the producer.
    static bool init_error_is_fatal(const error& e) noexcept {
        return !e.retriable() && e.kind() != errc::connection_lost && e.kind() != errc::coordinator_load_in_progress;
    }

    // ---- per partition ----

    // The partition's next batch may be sent. Until one batch of this epoch is acknowledged only one
    // may be in flight (a broker that knows nothing of our id takes any first sequence, so a later
    // batch could land ahead of an earlier one that failed retriably); after a retriable failure
    // nothing new leaves until every batch in flight is back.
    bool may_drain(const partition_state& ps) const noexcept {
        if (!idempotent_ || ps.in_flight == 0) return true;
        return !ps.resend_pending && ps.in_flight < max_in_flight_per_partition && ps.last_acked_sequence >= 0;
    }
    // At a batch's first drain: its base sequence. Sequences wrap at 2^31 as the broker's do.
    void assign_sequence(partition_state& ps, producer_batch& b) const noexcept {
        if (!idempotent_ || b.base_sequence >= 0) return;
        b.base_sequence = ps.next_sequence;
        const std::int64_t next = static_cast<std::int64_t>(ps.next_sequence) + b.record_count();
        ps.next_sequence = static_cast<std::int32_t>(next > 0x7fffffff ? next - 0x80000000LL : next);
    }
    // What a batch is stamped with: -1s for a plain producer.
    std::int64_t stamp_id() const noexcept { return idempotent_ ? id_ : -1; }
    std::int16_t stamp_epoch() const noexcept { return idempotent_ ? epoch_ : std::int16_t(-1); }
    std::int32_t stamp_sequence(const producer_batch& b) const noexcept { return idempotent_ ? b.base_sequence : -1; }

    // The broker wrote the batch.
    void acknowledged(partition_state& ps, const producer_batch& b) const noexcept {
        if (idempotent_ && b.base_sequence >= 0 && of_this_epoch(b))
            ps.last_acked_sequence =
                std::max<std::int64_t>(ps.last_acked_sequence, std::int64_t(b.base_sequence) + b.record_count() - 1);
    }
    // The idempotence facts of a failed batch, for decide_failure().
    void describe(const partition_state& ps, const producer_batch& b, batch_failure& f) const noexcept {
        if (!idempotent_) return;
        f.idempotent = true;
        f.transactional = transactional_;
        f.has_sequence = b.base_sequence >= 0;
        f.current_epoch = of_this_epoch(b);
        f.later_batch_acked = b.base_sequence <= ps.last_acked_sequence;
        f.resend_pending = ps.resend_pending;
    }
    // A batch that got a sequence was given up (expired, or its topic vanished): a gap.
    void gave_up(const producer_batch& b) noexcept {
        if (b.base_sequence >= 0) need_bump();
    }
    // After a bump every partition starts again at sequence 0, its queued batches in queue order.
    static void restart(partition_state& ps) noexcept {
        ps.next_sequence = 0;
        ps.resend_pending = false;
        ps.last_acked_sequence = -1;
        for (producer_batch* b : ps.queue) b->base_sequence = -1;
    }

private:
    bool of_this_epoch(const producer_batch& b) const noexcept { return b.producer_epoch == epoch_ && b.producer_id == id_; }

    bool idempotent_;
    bool transactional_;
    bool ready_;
    bool bump_needed_ = false;
    std::int64_t id_ = -1;
    std::int16_t epoch_ = -1;
};

KCORO_NAMESPACE_END
