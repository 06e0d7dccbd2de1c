// How many turns of the loop one record takes from co_await send to its acknowledgement, counted on
// the test runtime (every coroutine resumption the engine causes; the in-memory broker answers from
// timed callbacks, which resume nothing by themselves). docs/architecture.md walks through them.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/fake_broker.hpp"
#include "../support/manual_runtime.hpp"
#include "../support/string_producer.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace producer_loop_turns_test {

using namespace std::chrono_literals;
using kcoro_test::fake_broker;
using kcoro_test::manual_loop;
using kcoro_test::manual_runtime;
using kcoro_test::spawn;

using engine = kcoro_test::string_producer;

kcoro::task<kcoro::delivery_result> send_one(engine* p, std::string value) {
    co_return co_await p->send({.topic = "t", .value = value});
}

std::size_t turns_for_one_record(kcoro::producer_config cfg) {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    cfg.bootstrap_servers = "127.0.0.1:9092";
    auto made = engine::create(manual_runtime(loop), cfg);
    REQUIRE(made);
    auto& p = **made;
    auto warm = spawn(loop, send_one(&p, "warm-up"));
    REQUIRE(loop.run_until([&] { return warm->done(); }, 10s));
    loop.advance(2s);  // every background coroutine asleep again
    const std::size_t before = loop.resumptions();
    auto r = spawn(loop, send_one(&p, "counted"));
    REQUIRE(loop.run_until([&] { return r->done(); }, 10s));
    REQUIRE(*r->value);
    return loop.resumptions() - before;
}

TEST_CASE("one record, send to acknowledgement, in loop turns") {
    // Six on the record's own path: the sending coroutine's start; the broker's sender woken by
    // the append; the request's coroutine started; the connection's reader woken by the response;
    // the request's coroutine resumed with it; the sending coroutine resumed with the metadata.
    // One more the record causes off its path: the connection's watchdog woken when the request
    // becomes the only one outstanding (to arm its timeout). The sender is not woken when the
    // request's slot frees unless its last drain left something behind, nor the producer id's loop
    // unless a new epoch is due, so an idempotent producer takes the same 7 (both were woken before:
    // 8 plain, 9 idempotent). With linger, the append wakes the sender early, which then sleeps
    // until first append + linger (8; 10 before). Fewer is better: this pins where they stand.
    CHECK(turns_for_one_record({.enable_idempotence = false, .linger = 0ms}) == 7);
    CHECK(turns_for_one_record({.linger = 0ms}) == 7);
    CHECK(turns_for_one_record({.linger = 5ms}) == 8);
}

// A producer that has sent one record and then nothing, past request_timeout: a connection's
// watchdog wakes once at the deadline of its last request, which is over by then.
struct idle_producer {
    manual_loop loop;
    fake_broker broker{loop};
    std::unique_ptr<engine> made;

    explicit idle_producer(kcoro::producer_config cfg) {
        broker.create_topic("t", 1);
        cfg.bootstrap_servers = "127.0.0.1:9092";
        auto p = engine::create(manual_runtime(loop), cfg);
        REQUIRE(p);
        made = std::move(*p);
        auto warm = spawn(loop, send_one(made.get(), "warm-up"));
        REQUIRE(loop.run_until([&] { return warm->done(); }, 10s));
        loop.advance(cfg.request_timeout + 2s);
    }
    // Turns of the loop over `d` of virtual time.
    std::size_t turns_over(std::chrono::nanoseconds d) {
        const std::size_t before = loop.resumptions();
        loop.advance(d);
        return loop.resumptions() - before;
    }
};

TEST_CASE("an idle producer does not wake for nothing") {
    // Connected, nothing queued, its metadata younger than metadata_max_age (five minutes): nothing
    // to do, so not one turn of the loop in a minute (185 before the senders, the metadata loop,
    // the idempotence loop and the connections' watchdogs slept until a deadline or a wake-up
    // instead of a second at a time; 245 when idempotent).
    CHECK(idle_producer({.enable_idempotence = false}).turns_over(60s) == 0);
    CHECK(idle_producer({}).turns_over(60s) == 0);
    CHECK(idle_producer({.linger = 5ms}).turns_over(60s) == 0);
}

TEST_CASE("an idle producer's only turns are its metadata refresh every metadata_max_age") {
    idle_producer p({.metadata_max_age = 30s});
    const auto refreshes = [&] { return p.made->stats().metadata_refreshes; };
    const std::uint64_t r0 = refreshes();
    const std::size_t first = p.turns_over(30s);
    const std::uint64_t r1 = refreshes();
    const std::size_t second = p.turns_over(30s);
    CHECK(r1 - r0 == 1);
    CHECK(refreshes() - r1 == 1);
    CHECK(first == second);
    // Six a refresh: the metadata loop's wake; its request through the connection (the watchdog
    // armed, the reader woken, the loop resumed with the answer); the sender told of the answer;
    // the watchdog's wake at the deadline of the refresh before, which it had armed for.
    CHECK(first == 6);
}

}  // namespace producer_loop_turns_test
