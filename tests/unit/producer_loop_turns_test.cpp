// How many turns of the loop one record takes from co_await send to its acknowledgement, counted on
// the test runtime (every coroutine resumption the engine causes; the in-memory broker answers from
// timed callbacks, which resume nothing by themselves). docs/architecture.md walks through them.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/fake_broker.hpp"
#include "../support/manual_runtime.hpp"
#include "../support/string_producer.hpp"

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using kcoro_test::fake_broker;
using kcoro_test::manual_loop;
using kcoro_test::manual_runtime;
using kcoro_test::spawn;

namespace {

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

}  // namespace

TEST_CASE("one record, send to acknowledgement, in loop turns") {
    // Six on the record's own path: the sending coroutine's start; the broker's sender woken by
    // the append; the request's coroutine started; the connection's reader woken by the response;
    // the request's coroutine resumed with it; the sending coroutine resumed with the metadata.
    // Two more the record causes off its path: the connection's watchdog woken when the request
    // becomes the only one outstanding (to arm its timeout), and the sender woken again when the
    // request's slot frees. An idempotent producer also wakes its idempotence loop after each
    // request (9); with linger, the append wakes the sender early, which then sleeps until
    // first append + linger (10). Fewer is better: this pins where the wake-ups stand.
    CHECK(turns_for_one_record({.enable_idempotence = false, .linger = 0ms}) == 8);
    CHECK(turns_for_one_record({.linger = 0ms}) == 9);
    CHECK(turns_for_one_record({.linger = 5ms}) == 10);
}
