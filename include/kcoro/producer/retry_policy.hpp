// What a failed batch means: the error a broker (or the connection) gave for it, and the facts of the
// batch that bear on it, in; what to do with the batch and what else to set in motion, out. Pure:
// no runtime, no batch, no clock, so the whole table is tested without a broker
// (tests/unit/producer_retry_policy_test.cpp).
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

KCORO_NAMESPACE_BEGIN

// The facts of one failed batch that its fate depends on. The idempotence facts are filled by the
// producer identity (producer_identity::describe), which a transaction manager replaces.
struct batch_failure {
    errc code = errc::none;
    bool retriable_error = false;   // the error's own class: is_retriable(code), or a lost connection
    std::int32_t record_count = 0;
    bool stopping = false;          // close() gave up or the producer is being destroyed
    bool within_deadline = true;    // now < the batch's delivery deadline
    // Idempotence (all false for a plain producer).
    bool idempotent = false;
    bool has_sequence = false;      // a base sequence was assigned (it was drained at least once)
    bool current_epoch = false;     // stamped with the producer id and epoch in use now
    bool later_batch_acked = false; // a batch after it in this epoch is in the log already
    bool resend_pending = false;    // its partition is already resending after a retriable error
    bool transactional = false;     // a transactional producer's: a new epoch comes only from EndTxn
};

enum class batch_action : std::uint8_t {
    retry,  // back to the front of its partition's queue, after a backoff
    split,  // the broker found it too large: requeue it as halves
    fail,   // report the failure to each of its records
};

// Why a batch failed, so that the message the user reads says what to change.
enum class failure_reason : std::uint8_t {
    broker_error,      // the broker's (or connection's) error as it came
    delivery_timeout,  // retriable, but retried until delivery_timeout
    too_large,         // one record bigger than the broker takes for the topic
    reordered,         // resending it would put it behind a later batch already in the log
};

struct failure_decision {
    batch_action action = batch_action::fail;
    failure_reason reason = failure_reason::broker_error;
    bool bump_epoch = false;        // KIP-360: only a new epoch brings the sequences back in line
    bool refresh_metadata = false;  // the leader may have moved
    bool forget_leader = false;     // and the one we know is certainly wrong: send nothing until refreshed
};

// The error says the partition's leader is elsewhere, or that we cannot tell.
constexpr bool leader_in_doubt(errc e) noexcept {
    return e == errc::not_leader_or_follower || e == errc::leader_not_available || e == errc::unknown_topic_or_partition ||
           e == errc::fenced_leader_epoch || e == errc::kafka_storage_error || e == errc::connection_lost ||
           e == errc::request_timed_out || e == errc::network_exception;
}

constexpr failure_decision decide_failure(const batch_failure& f) noexcept {
    failure_decision d;
    const errc e = f.code;
    if (e == errc::message_too_large && f.record_count > 1 && !f.stopping && f.within_deadline) {
        d.action = batch_action::split;
        return d;
    }
    bool retriable = f.retriable_error;
    if (f.transactional && (e == errc::out_of_order_sequence_number || e == errc::unknown_producer_id ||
                            e == errc::invalid_producer_epoch)) {
        // In a transaction the epoch is the coordinator's: the batch fails, which makes the
        // transaction abortable, and the abort's EndTxn brings the next epoch (KIP-588).
        return d;
    }
    if (f.idempotent && e == errc::out_of_order_sequence_number) {
        if (f.has_sequence && f.current_epoch && f.later_batch_acked) {
            // A later batch of this epoch is already in the log: resending this one under a new
            // epoch would put it after that batch. Ordering is the promise, so it fails instead.
            retriable = false;
            d.reason = failure_reason::reordered;
        } else {
            // Out of order behind a batch already being resent is expected; otherwise the broker
            // lost our state and only a new epoch brings the sequences back in line (KIP-360).
            if (!f.resend_pending) d.bump_epoch = true;
            retriable = true;
        }
    }
    if (f.idempotent && (e == errc::unknown_producer_id || e == errc::invalid_producer_epoch)) {
        d.bump_epoch = true;
        retriable = true;
    }
    if (leader_in_doubt(e)) {
        d.refresh_metadata = true;
        d.forget_leader = e != errc::request_timed_out && e != errc::connection_lost;
    }
    if (retriable && !f.stopping && f.within_deadline) {
        d.action = batch_action::retry;
        return d;
    }
    d.action = batch_action::fail;
    // A batch given up after it got a sequence leaves a gap the broker would reject.
    if (f.idempotent && f.has_sequence && !f.stopping && !f.transactional) d.bump_epoch = true;
    if (e == errc::message_too_large) d.reason = failure_reason::too_large;
    if (retriable && !f.within_deadline) d.reason = failure_reason::delivery_timeout;
    return d;
}

// How long to wait before attempt `attempts` + 1: exponential from `base` up to `cap`, with +-20%
// jitter as the Java client does, so that many clients retrying together spread out. `random` is
// 64 random bits from the runtime (a seed in a simulation).
inline std::chrono::milliseconds retry_backoff(int attempts, std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                               std::uint64_t random) noexcept {
    double ms = static_cast<double>(base.count());
    for (int i = 1; i < attempts && ms < static_cast<double>(cap.count()); ++i) ms *= 2;
    ms = std::min(ms, static_cast<double>(cap.count()));
    const double unit = static_cast<double>(random >> 11) * 0x1.0p-53;  // 53 bits as a fraction in [0, 1)
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms * (0.8 + 0.4 * unit)));
}

KCORO_NAMESPACE_END
