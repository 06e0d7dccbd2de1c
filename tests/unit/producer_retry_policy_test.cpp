// The retry and error policy as a table: each row is one failed batch (its error and the facts that
// bear on it) and what must happen to it. No runtime, no broker.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace producer_retry_policy_test {

using kcoro::batch_action;
using kcoro::batch_failure;
using kcoro::errc;
using kcoro::failure_reason;

// A batch of three records, well within its deadline, from a running plain producer.
batch_failure plain(errc e) {
    batch_failure f;
    f.code = e;
    f.retriable_error = kcoro::is_retriable(e) || e == errc::connection_lost || e == errc::connection_failed;
    f.record_count = 3;
    return f;
}
// The same from an idempotent producer: drained once under the epoch in use, nothing resending.
batch_failure idempotent(errc e) {
    batch_failure f = plain(e);
    f.idempotent = true;
    f.has_sequence = true;
    f.current_epoch = true;
    return f;
}

struct row {
    const char* what;
    batch_failure in;
    batch_action action;
    failure_reason reason;
    bool bump_epoch;
    bool refresh_metadata;
    bool forget_leader;
};

template <class F>
batch_failure with(batch_failure f, F change) {
    change(f);
    return f;
}

TEST_CASE("the retry policy: error and batch facts in, the batch's fate out") {
    using A = batch_action;
    using R = failure_reason;
    const row rows[] = {
        // what                                              in                                  action    reason            bump   refresh forget
        {"a moved leader is retried and forgotten", plain(errc::not_leader_or_follower), A::retry, R::broker_error, false, true, true},
        {"no leader yet", plain(errc::leader_not_available), A::retry, R::broker_error, false, true, true},
        {"a fenced leader epoch", plain(errc::fenced_leader_epoch), A::retry, R::broker_error, false, true, true},
        {"a storage error on the leader", plain(errc::kafka_storage_error), A::retry, R::broker_error, false, true, true},
        {"a network exception", plain(errc::network_exception), A::retry, R::broker_error, false, true, true},
        // The leader is not known to be wrong: metadata is asked again, the leader kept meanwhile.
        {"a replication timeout keeps the leader", plain(errc::request_timed_out), A::retry, R::broker_error, false, true, false},
        {"a lost connection keeps the leader", plain(errc::connection_lost), A::retry, R::broker_error, false, true, false},
        {"a failed connect is retried", plain(errc::connection_failed), A::retry, R::broker_error, false, false, false},
        {"a corrupt batch is retried", plain(errc::corrupt_message), A::retry, R::broker_error, false, false, false},
        {"not authorized fails at once", plain(errc::topic_authorization_failed), A::fail, R::broker_error, false, false, false},
        {"too large with several records splits", plain(errc::message_too_large), A::split, R::broker_error, false, false, false},
        {"too large with one record fails saying so", with(plain(errc::message_too_large), [](auto& f) { f.record_count = 1; }),
         A::fail, R::too_large, false, false, false},
        {"too large past the deadline fails", with(plain(errc::message_too_large), [](auto& f) { f.within_deadline = false; }),
         A::fail, R::too_large, false, false, false},
        {"too large while stopping fails", with(plain(errc::message_too_large), [](auto& f) { f.stopping = true; }), A::fail,
         R::too_large, false, false, false},
        {"retriable past the deadline is a delivery timeout",
         with(plain(errc::not_leader_or_follower), [](auto& f) { f.within_deadline = false; }), A::fail, R::delivery_timeout,
         false, true, true},
        {"retriable while stopping fails with the error itself",
         with(plain(errc::not_leader_or_follower), [](auto& f) { f.stopping = true; }), A::fail, R::broker_error, false, true,
         true},
        // Idempotence (KIP-360).
        {"a plain producer fails on out of order", plain(errc::out_of_order_sequence_number), A::fail, R::broker_error, false,
         false, false},
        {"out of order: the broker lost our state, so a new epoch", idempotent(errc::out_of_order_sequence_number), A::retry,
         R::broker_error, true, false, false},
        {"out of order behind a resend is expected",
         with(idempotent(errc::out_of_order_sequence_number), [](auto& f) { f.resend_pending = true; }), A::retry,
         R::broker_error, false, false, false},
        {"out of order behind a later acknowledged batch fails, keeping the order",
         with(idempotent(errc::out_of_order_sequence_number), [](auto& f) { f.later_batch_acked = true; }), A::fail,
         R::reordered, true, false, false},
        {"a later acknowledged batch of an older epoch does not count",
         with(idempotent(errc::out_of_order_sequence_number),
              [](auto& f) {
                  f.later_batch_acked = true;
                  f.current_epoch = false;
              }),
         A::retry, R::broker_error, true, false, false},
        {"an unknown producer id bumps the epoch", idempotent(errc::unknown_producer_id), A::retry, R::broker_error, true,
         false, false},
        {"an invalid epoch bumps the epoch", idempotent(errc::invalid_producer_epoch), A::retry, R::broker_error, true, false,
         false},
        {"a plain producer fails on an unknown producer id", plain(errc::unknown_producer_id), A::fail, R::broker_error, false,
         false, false},
        {"a sequenced batch given up leaves a gap: a new epoch", idempotent(errc::topic_authorization_failed), A::fail,
         R::broker_error, true, false, false},
        {"a batch never drained leaves no gap",
         with(idempotent(errc::topic_authorization_failed), [](auto& f) { f.has_sequence = false; }), A::fail,
         R::broker_error, false, false, false},
        {"nothing is bumped while stopping",
         with(idempotent(errc::topic_authorization_failed), [](auto& f) { f.stopping = true; }), A::fail, R::broker_error,
         false, false, false},
        {"a sequenced batch past its deadline leaves a gap too",
         with(idempotent(errc::not_leader_or_follower), [](auto& f) { f.within_deadline = false; }), A::fail,
         R::delivery_timeout, true, true, true},
    };
    for (const row& r : rows) {
        CAPTURE(std::string(r.what));
        const kcoro::failure_decision d = kcoro::decide_failure(r.in);
        CHECK(d.action == r.action);
        if (d.action != batch_action::split) CHECK(d.reason == r.reason);
        CHECK(d.bump_epoch == r.bump_epoch);
        CHECK(d.refresh_metadata == r.refresh_metadata);
        CHECK(d.forget_leader == r.forget_leader);
    }
}

TEST_CASE("the retry policy is a constant expression") {
    constexpr batch_failure f = [] {
        batch_failure x;
        x.code = errc::not_leader_or_follower;
        x.retriable_error = true;
        x.record_count = 1;
        return x;
    }();
    static_assert(kcoro::decide_failure(f).action == batch_action::retry);
    CHECK(kcoro::leader_in_doubt(errc::not_leader_or_follower));
    CHECK_FALSE(kcoro::leader_in_doubt(errc::topic_authorization_failed));
}

TEST_CASE("the backoff doubles from its base up to its cap, with +-20% jitter from the random bits") {
    using std::chrono::milliseconds;
    constexpr std::uint64_t lowest = 0;
    constexpr std::uint64_t middle = std::uint64_t{1} << 63;
    constexpr std::uint64_t highest = ~std::uint64_t{0};
    CHECK(kcoro::retry_backoff(1, milliseconds(100), milliseconds(1000), middle) == milliseconds(100));
    CHECK(kcoro::retry_backoff(2, milliseconds(100), milliseconds(1000), middle) == milliseconds(200));
    CHECK(kcoro::retry_backoff(4, milliseconds(100), milliseconds(1000), middle) == milliseconds(800));
    CHECK(kcoro::retry_backoff(5, milliseconds(100), milliseconds(1000), middle) == milliseconds(1000));
    CHECK(kcoro::retry_backoff(60, milliseconds(100), milliseconds(1000), middle) == milliseconds(1000));
    CHECK(kcoro::retry_backoff(1, milliseconds(100), milliseconds(1000), lowest) == milliseconds(80));
    CHECK(kcoro::retry_backoff(1, milliseconds(100), milliseconds(1000), highest) == milliseconds(120));  // 1.2 once rounded
    CHECK(kcoro::retry_backoff(1, milliseconds(0), milliseconds(0), highest) == milliseconds(0));
}

}  // namespace producer_retry_policy_test
