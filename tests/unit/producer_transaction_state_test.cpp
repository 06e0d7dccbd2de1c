// The transactional producer's rules without a broker: the phases and what each call may do
// (transaction_state.hpp), what a coordinator's error means, how a failed batch of a transaction
// is decided (retry_policy.hpp), and what a transactional batch and Produce request carry.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <string>

namespace producer_transaction_state_test {

using kcoro::errc;
using kcoro::transaction_phase;

bool mentions(const kcoro::result<void>& r, const std::string& words) {
    return !r && r.err().message().find(words) != std::string::npos;
}

kcoro::transaction_state ready_state() {
    kcoro::transaction_state s;
    REQUIRE(s.start_init());
    s.initialized();
    return s;
}

TEST_CASE("transaction_state: init, then begin, commit or abort, and again") {
    kcoro::transaction_state s;
    CHECK(s.phase() == transaction_phase::uninitialized);
    auto early = s.begin();
    CHECK(early.err() == errc::invalid_txn_state);
    CHECK(mentions(early, "call init_transactions() first"));
    CHECK(mentions(s.may_send(), "init_transactions()"));

    REQUIRE(s.start_init());
    CHECK(s.phase() == transaction_phase::initializing);
    CHECK(s.start_init());  // a timed-out init is resumed
    s.initialized();
    CHECK(s.phase() == transaction_phase::ready);
    CHECK(mentions(s.start_init(), "called already"));
    CHECK(mentions(s.may_send(), "call begin_transaction() first"));
    CHECK(mentions(s.start_commit(), "no transaction is open"));
    CHECK(mentions(s.start_abort(), "no transaction is open"));

    REQUIRE(s.begin());
    CHECK(s.phase() == transaction_phase::in_transaction);
    CHECK(mentions(s.begin(), "a transaction is open"));
    CHECK(s.may_send());
    CHECK_FALSE(s.needs_end_txn());  // nothing sent: nothing at the coordinator to end
    s.record_appended();
    s.record_appended();
    CHECK(s.needs_end_txn());
    REQUIRE(s.start_commit());
    CHECK(s.phase() == transaction_phase::committing);
    CHECK(s.may_send().err() == errc::invalid_txn_state);  // the commit flushes what the transaction holds, no more
    CHECK(s.commit_flushed());
    s.ended();
    CHECK(s.phase() == transaction_phase::ready);
    CHECK(s.records() == 0);

    REQUIRE(s.begin());
    REQUIRE(s.start_abort());
    CHECK(s.phase() == transaction_phase::aborting);
    s.ended();
    CHECK(s.phase() == transaction_phase::ready);
}

TEST_CASE("transaction_state: a commit that timed out is resumed, never turned into an abort") {
    auto s = ready_state();
    REQUIRE(s.begin());
    s.record_appended();
    REQUIRE(s.start_commit());
    // ... the EndTxn timed out: the phase stays committing.
    auto abort = s.start_abort();
    CHECK(abort.err() == errc::invalid_txn_state);
    CHECK(mentions(abort, "call commit_transaction() again"));
    CHECK(mentions(s.begin(), "commit_transaction() is unresolved"));
    CHECK(s.start_commit());
    CHECK(s.phase() == transaction_phase::committing);

    // Likewise an abort: commit is refused until the abort is resolved.
    auto t = ready_state();
    REQUIRE(t.begin());
    REQUIRE(t.start_abort());
    CHECK(mentions(t.start_commit(), "call abort_transaction() again"));
    CHECK(t.start_abort());
}

TEST_CASE("transaction_state: a failed record makes the transaction abortable; its error fails the commit") {
    auto s = ready_state();
    REQUIRE(s.begin());
    for (int i = 0; i < 10; ++i) s.record_appended();
    s.record_failed(kcoro::error(errc::record_too_large, "topic 't' partition 0"), 3);
    CHECK(s.phase() == transaction_phase::abortable_error);
    CHECK(s.failed_records() == 3);
    CHECK(s.may_send().err() == errc::record_too_large);  // no more sends into a transaction that must abort
    auto commit = s.start_commit();
    CHECK(commit.err() == errc::record_too_large);
    CHECK(mentions(commit, "3 of the transaction's 10 records were not delivered"));
    CHECK(mentions(commit, "call abort_transaction()"));
    REQUIRE(s.start_abort());
    s.record_failed(kcoro::error(errc::cancelled), 7);  // the abort's own discards are not the transaction's failure
    CHECK(s.failed_records() == 3);
    s.ended();
    CHECK(s.phase() == transaction_phase::ready);
    REQUIRE(s.begin());
    CHECK(s.may_send());
}

TEST_CASE("transaction_state: a record that fails while the commit flushes fails the commit") {
    auto s = ready_state();
    REQUIRE(s.begin());
    s.record_appended();
    s.record_appended();
    REQUIRE(s.start_commit());
    s.record_failed(kcoro::error(errc::not_enough_replicas, "topic 't' partition 1"));
    CHECK(s.phase() == transaction_phase::committing);  // the flush goes on until every record is back
    auto flushed = s.commit_flushed();
    CHECK(flushed.err() == errc::not_enough_replicas);
    CHECK(s.phase() == transaction_phase::abortable_error);
    CHECK(s.start_abort());
}

TEST_CASE("transaction_state: fatal is final, and every call says why") {
    auto s = ready_state();
    REQUIRE(s.begin());
    s.to_fatal(kcoro::error(errc::producer_fenced, "another producer instance took over"));
    CHECK(s.fatal());
    for (auto r : {s.begin(), s.may_send(), s.start_commit(), s.start_abort(), s.start_init()}) {
        CHECK(r.err() == errc::producer_fenced);
        CHECK(mentions(r, "another producer instance took over"));
    }
    s.to_abortable(kcoro::error(errc::transaction_abortable));
    CHECK(s.fatal());
}

TEST_CASE("transaction_state: offsets are sent only inside a transaction, one call at a time, before its end") {
    kcoro::transaction_state uninitialized;
    CHECK(mentions(uninitialized.start_send_offsets(), "call init_transactions() first"));
    auto s = ready_state();
    auto outside = s.start_send_offsets();
    CHECK(outside.err() == errc::invalid_txn_state);
    CHECK(mentions(outside, "call begin_transaction() first"));

    REQUIRE(s.begin());
    REQUIRE(s.start_send_offsets());
    CHECK(s.needs_end_txn());  // the request may have reached the coordinator: the group may be in the transaction
    CHECK(mentions(s.start_send_offsets(), "another one is in flight"));
    // Ending the transaction under the request would bump the epoch it carries.
    CHECK(mentions(s.start_commit(), "send_offsets_to_transaction() is in flight"));
    CHECK(mentions(s.start_abort(), "send_offsets_to_transaction() is in flight"));
    CHECK(s.phase() == transaction_phase::in_transaction);
    CHECK(s.may_send());  // records still go out meanwhile
    s.offsets_sent();
    REQUIRE(s.start_send_offsets());  // again, for more partitions
    s.offsets_sent();
    REQUIRE(s.start_commit());  // a transaction of offsets and no record is ended too
    CHECK(s.needs_end_txn());
    s.ended();
    REQUIRE(s.begin());
    CHECK_FALSE(s.needs_end_txn());  // the next transaction starts with none

    // A call that did not finish: the commit is refused until it is made again; abort is not.
    REQUIRE(s.start_send_offsets());
    s.offsets_unresolved();
    auto commit = s.start_commit();
    CHECK(commit.err() == errc::invalid_txn_state);
    CHECK(mentions(commit, "may lack its offsets"));
    REQUIRE(s.start_send_offsets());
    s.offsets_sent();
    REQUIRE(s.start_commit());
    s.ended();
    REQUIRE(s.begin());
    REQUIRE(s.start_send_offsets());
    s.offsets_unresolved();
    REQUIRE(s.start_abort());
    CHECK(s.needs_end_txn());
    s.ended();

    // The coordinator refused them (the group rebalanced): the commit says so, the abort goes on.
    REQUIRE(s.begin());
    REQUIRE(s.start_send_offsets());
    s.offsets_unresolved();
    s.to_abortable(kcoro::error(errc::illegal_generation, "TxnOffsetCommit for group 'g'"));
    auto refused = s.start_commit();
    CHECK(refused.err() == errc::illegal_generation);
    CHECK(mentions(refused, "call abort_transaction()"));
    CHECK(mentions(refused, "group 'g'"));
    REQUIRE(s.start_abort());
    s.ended();

    // After a failed record only abort is left: no offsets either.
    REQUIRE(s.begin());
    s.record_appended();
    s.record_failed(kcoro::error(errc::record_too_large, "topic 't' partition 0"));
    CHECK(s.start_send_offsets().err() == errc::record_too_large);
    s.to_fatal(kcoro::error(errc::producer_fenced, "another producer instance took over"));
    CHECK(mentions(s.start_send_offsets(), "another producer instance took over"));
}

TEST_CASE("judge_offset_commit_error: a group that moved on leaves only abort; fencing is fatal") {
    using kcoro::coordinator_verdict;
    using kcoro::judge_offset_commit_error;
    CHECK(judge_offset_commit_error(errc::none) == coordinator_verdict::done);
    for (errc e : {errc::unknown_member_id, errc::illegal_generation, errc::fenced_instance_id, errc::group_authorization_failed,
                   errc::transaction_abortable})
        CHECK_MESSAGE(judge_offset_commit_error(e) == coordinator_verdict::abortable, kcoro::error(e).message());
    for (errc e : {errc::not_coordinator, errc::coordinator_not_available, errc::coordinator_load_in_progress, errc::request_timed_out,
                   errc::connection_lost})
        CHECK_MESSAGE(judge_offset_commit_error(e) == coordinator_verdict::find_coordinator, kcoro::error(e).message());
    for (errc e : {errc::concurrent_transactions, errc::unknown_topic_or_partition})
        CHECK_MESSAGE(judge_offset_commit_error(e) == coordinator_verdict::retry, kcoro::error(e).message());
    for (errc e : {errc::producer_fenced, errc::invalid_producer_epoch, errc::transactional_id_authorization_failed,
                   errc::unsupported_for_message_format})
        CHECK_MESSAGE(judge_offset_commit_error(e) == coordinator_verdict::fatal, kcoro::error(e).message());
}

TEST_CASE("judge_coordinator_error: found again, retried, abortable or fatal") {
    using kcoro::coordinator_verdict;
    CHECK(kcoro::judge_coordinator_error(errc::none) == coordinator_verdict::done);
    CHECK(kcoro::judge_coordinator_error(errc::not_coordinator) == coordinator_verdict::find_coordinator);
    CHECK(kcoro::judge_coordinator_error(errc::coordinator_not_available) == coordinator_verdict::find_coordinator);
    CHECK(kcoro::judge_coordinator_error(errc::coordinator_load_in_progress) == coordinator_verdict::find_coordinator);
    CHECK(kcoro::judge_coordinator_error(errc::connection_lost) == coordinator_verdict::find_coordinator);
    CHECK(kcoro::judge_coordinator_error(errc::concurrent_transactions) == coordinator_verdict::retry);
    CHECK(kcoro::judge_coordinator_error(errc::request_timed_out) == coordinator_verdict::retry);
    CHECK(kcoro::judge_coordinator_error(errc::transaction_abortable) == coordinator_verdict::abortable);
    CHECK(kcoro::judge_coordinator_error(errc::producer_fenced) == coordinator_verdict::fatal);
    CHECK(kcoro::judge_coordinator_error(errc::invalid_producer_epoch) == coordinator_verdict::fatal);
    CHECK(kcoro::judge_coordinator_error(errc::transactional_id_authorization_failed) == coordinator_verdict::fatal);
    CHECK(kcoro::judge_coordinator_error(errc::invalid_txn_state) == coordinator_verdict::fatal);
    CHECK(kcoro::fatal_in_transaction(errc::producer_fenced));
    CHECK_FALSE(kcoro::fatal_in_transaction(errc::invalid_producer_epoch));  // from Produce: abortable (KIP-588)
}

TEST_CASE("decide_failure: a transaction's batch with a stale epoch or a sequence gap fails, without a bump") {
    for (errc e : {errc::invalid_producer_epoch, errc::unknown_producer_id, errc::out_of_order_sequence_number}) {
        CAPTURE(e);
        kcoro::batch_failure f;
        f.code = e;
        f.retriable_error = kcoro::is_retriable(e);
        f.record_count = 4;
        f.idempotent = true;
        f.has_sequence = true;
        f.current_epoch = true;
        f.transactional = true;
        const auto d = kcoro::decide_failure(f);
        CHECK(d.action == kcoro::batch_action::fail);
        CHECK_FALSE(d.bump_epoch);
        f.transactional = false;  // an idempotent producer bumps and resends instead
        const auto idempotent = kcoro::decide_failure(f);
        CHECK(idempotent.bump_epoch);
    }
    kcoro::batch_failure given_up;  // a retriable error past the deadline
    given_up.code = errc::not_enough_replicas;
    given_up.retriable_error = true;
    given_up.within_deadline = false;
    given_up.idempotent = true;
    given_up.has_sequence = true;
    given_up.transactional = true;
    CHECK_FALSE(kcoro::decide_failure(given_up).bump_epoch);  // the abort's EndTxn brings the next epoch
    kcoro::batch_failure concurrent;
    concurrent.code = errc::concurrent_transactions;
    concurrent.retriable_error = true;
    concurrent.idempotent = true;
    concurrent.transactional = true;
    CHECK(kcoro::decide_failure(concurrent).action == kcoro::batch_action::retry);
}

TEST_CASE("producer_identity: a transactional identity is idempotent and never bumps by itself") {
    kcoro::producer_identity identity(false, true);
    CHECK(identity.idempotent());
    CHECK(identity.transactional());
    CHECK(identity.needs_id());
    identity.assign(7, 3);
    identity.need_bump();
    CHECK_FALSE(identity.bump_needed());
    CHECK(identity.ready());
    kcoro::producer_identity idempotent(true);
    CHECK_FALSE(idempotent.transactional());
    idempotent.assign(7, 3);
    idempotent.need_bump();
    CHECK(idempotent.bump_needed());
}

TEST_CASE("validate: a transactional_id needs acks all and a transaction_timeout that fits") {
    kcoro::producer_config c;
    c.bootstrap_servers = "localhost:9092";
    c.transactional_id = "orders-pipeline";
    CHECK(kcoro::validate(c));
    c.enable_idempotence = false;  // implied by the transactional id
    CHECK(kcoro::validate(c));
    c.acks = kcoro::acks::leader;
    auto r = kcoro::validate(c);
    REQUIRE_FALSE(r);
    CHECK(r.err().detail().find("acks") != std::string::npos);
    CHECK(r.err().detail().find("transactional") != std::string::npos);
    c.acks = kcoro::acks::all;
    c.transaction_timeout = kcoro::milliseconds(0);
    CHECK(kcoro::validate(c).err().detail().find("transaction_timeout") != std::string::npos);
}

}  // namespace producer_transaction_state_test
