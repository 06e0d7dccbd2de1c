// The producer identity without a runtime: sequences per partition, what may drain, what a batch
// is stamped with, and the KIP-360 epoch bump.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <limits>

namespace producer_identity_test {

using kcoro::partition_state;
using kcoro::producer_batch;
using kcoro::producer_identity;

void fill(producer_batch& b, int records) {
    b.slots.clear();
    for (int i = 0; i < records; ++i) b.slots.emplace_back();
}

TEST_CASE("a plain producer stamps nothing and drains every partition") {
    producer_identity id(false);
    CHECK(id.ready());
    partition_state ps;
    ps.in_flight = 10;
    CHECK(id.may_drain(ps));
    producer_batch b;
    fill(b, 3);
    id.assign_sequence(ps, b);
    CHECK(b.base_sequence == -1);
    CHECK(ps.next_sequence == 0);
    CHECK(id.stamp_id() == -1);
    CHECK(id.stamp_epoch() == -1);
    CHECK(id.stamp_sequence(b) == -1);
    id.need_bump();
    CHECK_FALSE(id.bump_needed());
    CHECK(id.ready());
}

TEST_CASE("an idempotent producer waits for its id, then numbers batches per partition") {
    producer_identity id(true);
    CHECK_FALSE(id.ready());
    CHECK(id.needs_id());
    id.assign(4000, 7);
    CHECK(id.ready());
    CHECK(id.stamp_id() == 4000);
    CHECK(id.stamp_epoch() == 7);

    partition_state p0, p1;
    producer_batch a, b, c;
    fill(a, 3);
    fill(b, 2);
    fill(c, 5);
    id.assign_sequence(p0, a);
    id.assign_sequence(p0, b);
    id.assign_sequence(p1, c);
    CHECK(a.base_sequence == 0);
    CHECK(b.base_sequence == 3);
    CHECK(c.base_sequence == 0);
    CHECK(p0.next_sequence == 5);
    CHECK(p1.next_sequence == 5);
    // A resent batch keeps its sequence.
    id.assign_sequence(p0, a);
    CHECK(a.base_sequence == 0);
    CHECK(p0.next_sequence == 5);
}

TEST_CASE("sequences wrap at 2^31 as the broker's do") {
    producer_identity id(true);
    id.assign(1, 0);
    partition_state ps;
    ps.next_sequence = std::numeric_limits<std::int32_t>::max() - 1;
    producer_batch b;
    fill(b, 4);
    id.assign_sequence(ps, b);
    CHECK(b.base_sequence == std::numeric_limits<std::int32_t>::max() - 1);
    CHECK(ps.next_sequence == 2);
}

TEST_CASE("one batch in flight per partition until one is acknowledged, then five; none after a retriable failure") {
    producer_identity id(true);
    id.assign(1, 0);
    partition_state ps;
    CHECK(id.may_drain(ps));
    ps.in_flight = 1;
    CHECK_FALSE(id.may_drain(ps));  // the broker may know nothing of us yet: one at a time

    producer_batch b;
    fill(b, 3);
    id.assign_sequence(ps, b);
    b.producer_id = id.stamp_id();
    b.producer_epoch = id.stamp_epoch();
    id.acknowledged(ps, b);
    CHECK(ps.last_acked_sequence == 2);
    for (int n = 1; n < producer_identity::max_in_flight_per_partition; ++n) {
        ps.in_flight = n;
        CHECK(id.may_drain(ps));
    }
    ps.in_flight = producer_identity::max_in_flight_per_partition;
    CHECK_FALSE(id.may_drain(ps));
    ps.in_flight = 1;
    ps.resend_pending = true;
    CHECK_FALSE(id.may_drain(ps));
    ps.in_flight = 0;
    CHECK(id.may_drain(ps));
}

TEST_CASE("an acknowledgement of an older epoch does not move the partition's acknowledged sequence") {
    producer_identity id(true);
    id.assign(1, 0);
    partition_state ps;
    producer_batch b;
    fill(b, 3);
    id.assign_sequence(ps, b);
    b.producer_id = 1;
    b.producer_epoch = 0;
    id.assign(1, 1);  // bumped while b was in flight
    id.acknowledged(ps, b);
    CHECK(ps.last_acked_sequence == -1);
}

TEST_CASE("the KIP-360 bump: due once nothing is in flight, then every partition restarts at 0") {
    producer_identity id(true);
    id.assign(1, 0);
    partition_state ps;
    producer_batch queued, given_up;
    fill(queued, 2);
    fill(given_up, 2);
    id.assign_sequence(ps, given_up);
    id.assign_sequence(ps, queued);
    ps.queue.push_back(&queued);
    ps.last_acked_sequence = 10;

    id.gave_up(given_up);  // a batch with a sequence was given up: a gap
    CHECK(id.bump_needed());
    CHECK_FALSE(id.ready());  // nothing is stamped meanwhile
    CHECK_FALSE(id.bump_due(2));
    CHECK(id.bump_due(0));
    id.assign(1, 1);
    producer_identity::restart(ps);
    CHECK(id.ready());
    CHECK(id.epoch() == 1);
    CHECK(ps.next_sequence == 0);
    CHECK(ps.last_acked_sequence == -1);
    CHECK(queued.base_sequence == -1);  // numbered again at its next drain
    id.assign_sequence(ps, queued);
    CHECK(queued.base_sequence == 0);

    producer_batch never_drained;
    fill(never_drained, 1);
    id.gave_up(never_drained);
    CHECK_FALSE(id.bump_needed());
}

TEST_CASE("the identity fills the idempotence facts of a failure for the retry policy") {
    producer_identity id(true);
    id.assign(9, 3);
    partition_state ps;
    ps.last_acked_sequence = 20;
    ps.resend_pending = true;
    producer_batch b;
    fill(b, 1);
    b.base_sequence = 5;
    b.producer_id = 9;
    b.producer_epoch = 3;
    kcoro::batch_failure f;
    f.code = kcoro::errc::out_of_order_sequence_number;
    id.describe(ps, b, f);
    CHECK(f.idempotent);
    CHECK(f.has_sequence);
    CHECK(f.current_epoch);
    CHECK(f.later_batch_acked);
    CHECK(f.resend_pending);
    CHECK(kcoro::decide_failure(f).reason == kcoro::failure_reason::reordered);

    kcoro::batch_failure plain;
    producer_identity(false).describe(ps, b, plain);
    CHECK_FALSE(plain.idempotent);
}

TEST_CASE("InitProducerId errors: retried unless no retry can cure them") {
    using kcoro::errc;
    using kcoro::error;
    CHECK_FALSE(producer_identity::init_error_is_fatal(error(errc::connection_lost)));
    CHECK_FALSE(producer_identity::init_error_is_fatal(error(errc::coordinator_load_in_progress)));
    CHECK_FALSE(producer_identity::init_error_is_fatal(error(errc::not_coordinator)));
    CHECK(producer_identity::init_error_is_fatal(error(errc::cluster_authorization_failed)));
}

}  // namespace producer_identity_test
