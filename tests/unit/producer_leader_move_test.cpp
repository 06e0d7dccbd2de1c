// After a partition's leader moves, nothing of the partition goes to the new leader while batches of
// it are still in flight to the old one: a partition is in flight to one broker at a time, so that its
// batches are written, acknowledged and (when idempotent) sequenced in order.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/fake_broker.hpp"
#include "../support/manual_runtime.hpp"
#include "../support/string_producer.hpp"

#include <chrono>
#include <string>

namespace producer_leader_move_test {

using namespace std::chrono_literals;
using kcoro_test::fake_broker;
using kcoro_test::fake_cluster;
using kcoro_test::manual_loop;
using kcoro_test::manual_runtime;
using kcoro_test::spawn;

using engine = kcoro_test::string_producer;

kcoro::task<kcoro::delivery_result> send_one(engine* p, std::int32_t partition, std::string value) {
    co_return co_await p->send({.topic = "t", .value = value, .partition = partition});
}

void leader_moves_while_in_flight(bool idempotent) {
    // Partition 0 moves from broker 2 to broker 1, which leads partition 1 throughout: the
    // producer's connection to broker 1 carries its metadata requests while broker 2 holds its
    // answers back.
    manual_loop loop;
    fake_cluster cluster;
    fake_broker old_leader(loop, "127.0.0.1", 9092, 2);
    fake_broker new_leader(loop, "127.0.0.1", 9093, 1);
    cluster.nodes = {{1, "127.0.0.1", 9093}, {2, "127.0.0.1", 9092}};
    for (fake_broker* b : {&old_leader, &new_leader}) {
        b->join(cluster);
        b->create_topic("t", 2);
    }
    cluster.leaders[{"t", 0}] = 2;
    cluster.leaders[{"t", 1}] = 1;

    kcoro::producer_config cfg;
    cfg.bootstrap_servers = "127.0.0.1:9092";
    cfg.enable_idempotence = idempotent;
    cfg.linger = 0ms;
    cfg.metadata_max_age = 200ms;
    auto made = engine::create(manual_runtime(loop), cfg);
    REQUIRE(made);
    engine& p = **made;
    auto warm0 = spawn(loop, send_one(&p, 0, "warm-up"));
    auto warm1 = spawn(loop, send_one(&p, 1, "warm-up"));
    REQUIRE(loop.run_until([&] { return warm0->done() && warm1->done(); }, 10s));
    REQUIRE(*warm0->value);
    REQUIRE(*warm1->value);
    // An idempotent producer's first batch to broker 1 may be answered UNKNOWN_PRODUCER_ID (each
    // fake broker keeps its own producer ids) and sent again under a new epoch, which restarts every
    // partition's sequences: one more record to partition 0 gets it acknowledged in this epoch, so
    // that the identity alone would let a second batch of it be in flight.
    auto again = spawn(loop, send_one(&p, 0, "warm-up again"));
    REQUIRE(loop.run_until([&] { return again->done(); }, 10s));
    REQUIRE(*again->value);
    const std::size_t at_old_leader = old_leader.produce_log().size();
    const std::size_t at_new_leader = new_leader.produce_log().size();

    old_leader.hold_responses(true);  // the old leader takes the next batch and does not answer yet
    auto first = spawn(loop, send_one(&p, 0, "first"));
    loop.advance(50ms);
    REQUIRE(old_leader.produce_log().size() == at_old_leader + 1);
    cluster.move_leader("t", 0, 1);
    loop.advance(1s);  // metadata refreshed several times: the producer knows the new leader
    REQUIRE(p.metadata().topic("t")->partitions[0].leader == 1);
    auto second = spawn(loop, send_one(&p, 0, "second"));
    loop.advance(1s);
    CHECK(new_leader.produce_log().size() == at_new_leader);  // "second" waits: "first" is still in flight to the old leader
    CHECK_FALSE(second->done());

    old_leader.release_responses();
    REQUIRE(loop.run_until([&] { return first->done() && second->done(); }, 10s));
    CHECK(*first->value);
    REQUIRE(*second->value);
    REQUIRE(new_leader.produce_log().size() == at_new_leader + 1);
    CHECK(new_leader.produce_log().back().partition == 0);
    CHECK(old_leader.produce_log().size() == at_old_leader + 1);
}

TEST_CASE("a partition is in flight to one broker at a time across a leader move (idempotent)") { leader_moves_while_in_flight(true); }

TEST_CASE("a partition is in flight to one broker at a time across a leader move (not idempotent)") {
    leader_moves_while_in_flight(false);
}

}  // namespace producer_leader_move_test
