// Where a transactional producer stands, and which calls that allows: the state machine the Java
// client runs (uninitialized -> initializing -> ready -> in_transaction -> committing or aborting
// -> ready, with abortable_error and the final fatal_error beside them), and what a coordinator's
// error means for the call that got it. Pure: no runtime, no request; the transaction manager
// (transaction_manager.hpp) drives it and tests/unit/producer_transaction_state_test.cpp walks it.
//
// A commit or abort that timed out stays where it was, so that calling it again resumes it (the
// same EndTxn, never the other one): a commit whose outcome is unknown cannot become an abort.
// Likewise offsets sent to the transaction whose answer did not come: the commit is refused until
// they are sent again (or the transaction aborted), so that no transaction commits its records
// without the offsets its caller meant to go with them.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

enum class transaction_phase : std::uint8_t {
    uninitialized,    // init_transactions() not called, or not finished
    initializing,     // init_transactions() timed out: calling it again resumes
    ready,            // between transactions
    in_transaction,   // begin_transaction() called: records may be sent
    committing,       // commit_transaction() started; a timed-out one is resumed by calling it again
    aborting,         // abort_transaction() started; likewise
    abortable_error,  // a record of the transaction failed: only abort_transaction() is allowed
    fatal_error,      // fenced or refused: the producer does no more work
};

constexpr std::string_view transaction_phase_name(transaction_phase p) noexcept {
    switch (p) {
        case transaction_phase::uninitialized: return "uninitialized";
        case transaction_phase::initializing: return "initializing";
        case transaction_phase::ready: return "ready";
        case transaction_phase::in_transaction: return "in_transaction";
        case transaction_phase::committing: return "committing";
        case transaction_phase::aborting: return "aborting";
        case transaction_phase::abortable_error: return "abortable_error";
        case transaction_phase::fatal_error: return "fatal_error";
    }
    return "unknown";
}

// What the transaction coordinator's error means for the request that got it.
enum class coordinator_verdict : std::uint8_t {
    done,              // answered without error
    find_coordinator,  // another broker coordinates the id now (or this one is loading it): look it up again
    retry,             // the same request again after a backoff
    abortable,         // the transaction must be aborted; the producer goes on
    fatal,             // no retry will cure it: the producer stops
};

constexpr coordinator_verdict judge_coordinator_error(errc e) noexcept {
    switch (e) {
        case errc::none: return coordinator_verdict::done;
        case errc::not_coordinator:
        case errc::coordinator_not_available:
        case errc::coordinator_load_in_progress:
        case errc::connection_lost:
        case errc::connection_failed: return coordinator_verdict::find_coordinator;
        // CONCURRENT_TRANSACTIONS: the coordinator is still completing the previous end (an abort
        // right after a commit, or an InitProducerId that aborts a fenced producer's transaction).
        case errc::concurrent_transactions: return coordinator_verdict::retry;
        case errc::transaction_abortable: return coordinator_verdict::abortable;
        default: return is_retriable(e) ? coordinator_verdict::retry : coordinator_verdict::fatal;
    }
}

// What the group coordinator's answer to TxnOffsetCommit means, for each partition, as the Java
// client's TransactionManager judges it: the group refusing the member, its generation or its
// instance id (a consumer the group rebalanced away from, which must not commit), or refusing the
// principal, leaves only abort; a partition the coordinator does not know yet, or a request that
// timed out there, is retried; the rest as any coordinator's answer. STALE_MEMBER_EPOCH is a
// KIP-848 group's ILLEGAL_GENERATION (the member's epoch moved on), and GROUP_ID_NOT_FOUND (v6+)
// a group that is gone: both are abortable in the Java client too (KIP-1319), not fatal.
constexpr bool group_moved_on(errc e) noexcept {
    return e == errc::unknown_member_id || e == errc::illegal_generation || e == errc::stale_member_epoch ||
           e == errc::group_id_not_found || e == errc::fenced_instance_id;
}
constexpr coordinator_verdict judge_offset_commit_error(errc e) noexcept {
    if (group_moved_on(e)) return coordinator_verdict::abortable;
    switch (e) {
        case errc::group_authorization_failed: return coordinator_verdict::abortable;
        case errc::request_timed_out: return coordinator_verdict::find_coordinator;
        case errc::unknown_topic_or_partition: return coordinator_verdict::retry;
        default: return judge_coordinator_error(e);
    }
}

// A produce error that ends the producer rather than the transaction: another instance owns the
// transactional id, or the principal may not use it.
constexpr bool fatal_in_transaction(errc e) noexcept {
    return e == errc::producer_fenced || e == errc::transactional_id_authorization_failed ||
           e == errc::cluster_authorization_failed;
}

class transaction_state {
public:
    transaction_phase phase() const noexcept { return phase_; }
    bool fatal() const noexcept { return phase_ == transaction_phase::fatal_error; }
    // Records appended since begin_transaction(), and how many of them failed.
    std::int64_t records() const noexcept { return records_; }
    std::int64_t failed_records() const noexcept { return failed_; }
    // Why the producer is in abortable_error or fatal_error.
    const error& last_error() const noexcept { return last_error_; }

    // ---- the calls, each checked against the phase -------------------------------------------

    result<void> start_init() {
        if (phase_ == transaction_phase::uninitialized || phase_ == transaction_phase::initializing) {
            phase_ = transaction_phase::initializing;
            return ok();
        }
        if (fatal()) return last_error_;
        return refused("init_transactions()", "it was called already");
    }
    void initialized() noexcept { phase_ = transaction_phase::ready; }

    result<void> begin() {
        if (fatal()) return last_error_;
        if (phase_ == transaction_phase::ready) {
            phase_ = transaction_phase::in_transaction;
            records_ = 0;
            failed_ = 0;
            offsets_ = offsets_progress::none;
            return ok();
        }
        return refused("begin_transaction()", why_not_ready());
    }

    result<void> may_send() const {
        if (phase_ == transaction_phase::in_transaction) return ok();
        if (phase_ == transaction_phase::abortable_error || fatal()) return last_error_;
        return refused("a send", phase_ == transaction_phase::ready ? "no transaction is open: call begin_transaction() first"
                                                                    : why_not_ready());
    }
    void record_appended() noexcept { ++records_; }
    // A record of the transaction failed: the transaction can only be aborted. The first failure
    // is the one commit_transaction() reports.
    void record_failed(const error& e, std::int64_t records = 1) {
        if (phase_ != transaction_phase::in_transaction && phase_ != transaction_phase::committing) return;
        if (failed_ == 0) first_failure_ = e;
        failed_ += records;
        if (phase_ == transaction_phase::in_transaction) to_abortable(e);
    }

    // send_offsets_to_transaction(): inside an open transaction, one at a time. A call that did not
    // finish (it timed out) is resumed by calling it again.
    result<void> start_send_offsets() {
        if (phase_ == transaction_phase::abortable_error || fatal()) return last_error_;
        if (phase_ != transaction_phase::in_transaction)
            return refused("send_offsets_to_transaction()", phase_ == transaction_phase::ready
                                                                ? "no transaction is open: call begin_transaction() first"
                                                                : why_not_ready());
        if (offsets_ == offsets_progress::in_flight)
            return refused("send_offsets_to_transaction()", "another one is in flight: await it first");
        offsets_ = offsets_progress::in_flight;
        return ok();
    }
    // The coordinator took the offsets: the group is part of the transaction.
    void offsets_sent() noexcept { offsets_ = offsets_progress::sent; }
    // No answer, or an error: whether the coordinator holds the offsets is unknown.
    void offsets_unresolved() noexcept { offsets_ = offsets_progress::unresolved; }
    bool offsets_in_flight() const noexcept { return offsets_ == offsets_progress::in_flight; }

    // commit_transaction(): from in_transaction, or again after it timed out.
    result<void> start_commit() {
        if (fatal()) return last_error_;
        if (phase_ == transaction_phase::in_transaction && offsets_ == offsets_progress::in_flight)
            return refused("commit_transaction()", "a send_offsets_to_transaction() is in flight: await it first");
        if (phase_ == transaction_phase::in_transaction && offsets_ == offsets_progress::unresolved)
            return refused("commit_transaction()",
                           "a send_offsets_to_transaction() did not finish, so the transaction may lack its offsets: call it "
                           "again, or abort_transaction()");
        if (phase_ == transaction_phase::in_transaction || phase_ == transaction_phase::committing) {
            phase_ = transaction_phase::committing;
            return ok();
        }
        if (phase_ == transaction_phase::abortable_error) {
            if (failed_ > 0) return commit_refused();
            // A coordinator's answer, not a record, made the transaction abortable.
            return error(last_error_.code(), "commit_transaction() is not allowed now: the transaction must be aborted "
                                             "(call abort_transaction()): " + last_error_.message());
        }
        if (phase_ == transaction_phase::aborting)
            return refused("commit_transaction()", "an abort_transaction() that timed out is unresolved: call abort_transaction() again");
        return refused("commit_transaction()", why_not_ready());
    }
    // Every record of the committing transaction is back: ok to send EndTxn, or the records' error
    // (and the transaction must now be aborted).
    result<void> commit_flushed() {
        if (failed_ == 0) return ok();
        to_abortable(first_failure_);
        return commit_refused();
    }

    // abort_transaction(): from in_transaction or abortable_error, or again after it timed out.
    result<void> start_abort() {
        if (fatal()) return last_error_;
        // An EndTxn now would bump the epoch under the TxnOffsetCommit, which would come back fenced.
        if (offsets_ == offsets_progress::in_flight)
            return refused("abort_transaction()", "a send_offsets_to_transaction() is in flight: await it first");
        if (phase_ == transaction_phase::in_transaction || phase_ == transaction_phase::abortable_error ||
            phase_ == transaction_phase::aborting) {
            phase_ = transaction_phase::aborting;
            return ok();
        }
        if (phase_ == transaction_phase::committing)
            return refused("abort_transaction()",
                           "a commit_transaction() that timed out is unresolved (the commit may have happened): call "
                           "commit_transaction() again");
        return refused("abort_transaction()", why_not_ready());
    }
    // A transaction of no record and no offsets has nothing at the coordinator to end (the v2 flow
    // adds a partition with its first Produce, and the group with its first TxnOffsetCommit, which
    // may have arrived even when its answer did not).
    bool needs_end_txn() const noexcept { return records_ > 0 || offsets_ != offsets_progress::none; }
    // EndTxn answered (or was not needed): the next transaction may begin.
    void ended() noexcept {
        phase_ = transaction_phase::ready;
        records_ = 0;
        failed_ = 0;
        offsets_ = offsets_progress::none;
        first_failure_ = error();
        last_error_ = error();
    }

    void to_abortable(const error& e) {
        if (fatal()) return;
        phase_ = transaction_phase::abortable_error;
        last_error_ = e;
    }
    void to_fatal(const error& e) {
        if (fatal()) return;
        phase_ = transaction_phase::fatal_error;
        last_error_ = e;
    }

private:
    static error refused(std::string_view call, std::string_view why) {
        return error(errc::invalid_txn_state, std::string(call) + " is not allowed now: " + std::string(why));
    }
    error commit_refused() const {
        return error(first_failure_.code(), "commit_transaction(): " + std::to_string(failed_) + " of the transaction's " +
                                                std::to_string(records_) +
                                                " records were not delivered, so it cannot commit; call abort_transaction(). "
                                                "The first: " + first_failure_.message());
    }
    std::string why_not_ready() const {
        switch (phase_) {
            case transaction_phase::uninitialized:
            case transaction_phase::initializing: return "call init_transactions() first";
            case transaction_phase::in_transaction: return "a transaction is open: commit or abort it first";
            case transaction_phase::committing: return "a commit_transaction() is unresolved: call it again";
            case transaction_phase::aborting: return "an abort_transaction() is unresolved: call it again";
            case transaction_phase::abortable_error: return "a record of the transaction failed: call abort_transaction()";
            case transaction_phase::ready: return "no transaction is open: call begin_transaction() first";
            case transaction_phase::fatal_error: return last_error_.message();
        }
        return {};
    }

    // Where the transaction's send_offsets_to_transaction() calls stand.
    enum class offsets_progress : std::uint8_t {
        none,        // none made
        in_flight,   // one awaits the coordinator
        unresolved,  // the last one did not finish
        sent,        // the coordinator took them all
    };

    transaction_phase phase_ = transaction_phase::uninitialized;
    offsets_progress offsets_ = offsets_progress::none;
    std::int64_t records_ = 0;
    std::int64_t failed_ = 0;
    error first_failure_;
    error last_error_;
};

KCORO_NAMESPACE_END
