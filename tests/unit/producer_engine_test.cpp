// The producer engine on a runtime with a manual clock, against an in-memory broker: when batches
// leave, what errors say, what close() and the destructor report, how an oversized batch is split,
// how a transaction's offsets reach the group's coordinator through its errors.
// Everything runs in virtual time, so every instant asserted here is exact and every run the same.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

// The broker side of the protocol is not in the single header: the fake coordinator below, and the
// cases it serves, are built against include/ only.
#ifndef KCORO_TEST_SINGLE_HEADER
#include <kcoro/protocol/broker/messages.hpp>
#endif

#include "../support/fake_broker.hpp"
#include "../support/manual_runtime.hpp"
#include "../support/string_producer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace producer_engine_test {

using namespace std::chrono_literals;
using kcoro::errc;
using kcoro_test::fake_broker;
using kcoro_test::manual_loop;
using kcoro_test::manual_runtime;
using kcoro_test::spawn;

using engine = kcoro_test::string_producer;

std::unique_ptr<engine> make_engine(manual_loop& loop, kcoro::producer_config cfg) {
    if (cfg.bootstrap_servers.empty()) cfg.bootstrap_servers = "127.0.0.1:9092";
    auto p = engine::create(manual_runtime(loop), std::move(cfg));
    REQUIRE_MESSAGE(p, (p ? "" : p.err().message()));
    return std::move(*p);
}

kcoro::task<kcoro::delivery_result> send_one(engine* p, std::string topic, std::string value) {
    co_return co_await p->send({.topic = topic, .value = value});
}
kcoro::task<kcoro::result<void>> close_it(engine* p, std::chrono::milliseconds timeout) { co_return co_await p->close(timeout); }
kcoro::task<void> flush_it(engine* p) { co_await p->flush(); }

// Sends one record and runs the loop until it is acknowledged (or failed).
kcoro::delivery_result send_and_wait(manual_loop& loop, engine& p, const std::string& topic, const std::string& value,
                                     std::chrono::nanoseconds limit = 10s) {
    auto r = spawn(loop, send_one(&p, topic, value));
    REQUIRE(loop.run_until([&] { return r->done(); }, limit));
    return std::move(*r->value);
}

// Closes the producer and runs the loop until close() returns.
kcoro::result<void> close_and_wait(manual_loop& loop, engine& p, std::chrono::milliseconds timeout = 10s) {
    auto c = spawn(loop, close_it(&p, timeout));
    REQUIRE(loop.run_until([&] { return c->done(); }, timeout + 10s));
    return std::move(*c->value);
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// A first record through, however long linger is: metadata, producer id and connection are set up.
void warm_up(manual_loop& loop, engine& p, const std::string& topic) {
    auto r = spawn(loop, send_one(&p, topic, "warm-up"));
    auto f = spawn(loop, flush_it(&p));
    REQUIRE(loop.run_until([&] { return r->done() && f->done(); }, 10s));
    REQUIRE(*r->value);
}

// ---- 1. a batch leaves at first append + linger ---------------------------------------------------

TEST_CASE("a batch is handed to the connection at its first append + linger, whenever the record comes") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {.linger = 5ms});
    REQUIRE(send_and_wait(loop, *p, "t", "warm-up"));
    // Idle for a while: the sender has nothing to do and sleeps. Then records come one at a time,
    // at instants that have nothing to do with when it last woke.
    loop.advance(3s);
    for (auto gap : {0ms, 137ms, 1ms, 999ms, 5ms, 2500ms, 6ms}) {
        loop.advance(gap);
        const auto sent = loop.now();
        const auto before = broker.produce_log().size();
        auto r = spawn(loop, send_one(p.get(), "t", "v"));
        REQUIRE(loop.run_until([&] { return r->done(); }, 5s));
        CHECK(*r->value);
        REQUIRE(broker.produce_log().size() == before + 1);
        CHECK_MESSAGE(broker.produce_log().back().at == sent + 5ms,
                      "gap " << gap.count() << " ms: the batch arrived "
                             << std::chrono::duration_cast<std::chrono::microseconds>(broker.produce_log().back().at - sent).count()
                             << " us after the send");
        // Acknowledged as soon as the broker answers (the fake broker answers at once).
        CHECK(loop.now() == sent + 5ms);
    }
    CHECK(close_and_wait(loop, *p));
}

TEST_CASE("with linger 0 a record leaves at once; a full batch leaves at once whatever linger says") {
    SUBCASE("linger 0") {
        manual_loop loop;
        fake_broker broker(loop);
        broker.create_topic("t", 1);
        auto p = make_engine(loop, {.linger = 0ms});
        REQUIRE(send_and_wait(loop, *p, "t", "warm-up"));
        loop.advance(2700ms);
        const auto sent = loop.now();
        REQUIRE(send_and_wait(loop, *p, "t", "now"));
        CHECK(broker.produce_log().back().at == sent);
        CHECK(close_and_wait(loop, *p));
    }
    SUBCASE("full batches with a long linger") {
        manual_loop loop;
        fake_broker broker(loop);
        broker.create_topic("t", 1);
        auto p = make_engine(loop, {.linger = 10s, .batch_size = 1024, .delivery_timeout = 60s});
        warm_up(loop, *p, "t");
        loop.advance(1300ms);
        const auto before = broker.produce_log().size();
        const auto sent = loop.now();
        std::vector<kcoro::delivery_handle> handles;
        const std::string value(100, 'x');
        auto enqueue_all = [](engine* pr, std::string v, std::vector<kcoro::delivery_handle>* out) -> kcoro::task<void> {
            for (int i = 0; i < 25; ++i) {
                auto h = co_await pr->enqueue({.topic = "t", .value = v});
                REQUIRE(h);
                out->push_back(std::move(*h));
            }
        };
        auto e = spawn(loop, enqueue_all(p.get(), value, &handles));
        loop.advance(0ms);  // what is due now, and nothing later
        REQUIRE(e->done());
        // About 2,800 bytes of records in 1 KiB batches: the full ones go now, the last waits for linger.
        REQUIRE(broker.produce_log().size() >= before + 1);
        for (std::size_t i = before; i < broker.produce_log().size(); ++i) CHECK(broker.produce_log()[i].at == sent);
        CHECK(close_and_wait(loop, *p));
        CHECK(broker.produce_log().back().at == sent);  // close sends the rest at once
    }
}

TEST_CASE("flush() sends a lingering batch at once") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {.linger = 10s, .delivery_timeout = 60s});
    warm_up(loop, *p, "t");
    loop.advance(700ms);
    auto r = spawn(loop, send_one(p.get(), "t", "v"));
    loop.run_ready();
    const auto flushed = loop.now();
    auto f = spawn(loop, flush_it(p.get()));
    REQUIRE(loop.run_until([&] { return f->done(); }, 1s));
    REQUIRE(r->done());
    CHECK(*r->value);
    CHECK(broker.produce_log().back().at == flushed);
    CHECK(close_and_wait(loop, *p));
}

// Sends a record every millisecond of virtual time until told to stop; the number sent.
kcoro::task<int> keep_sending(engine* p, manual_loop* loop, const bool* stop) {
    manual_runtime::timer_type tick(*loop);
    int sent = 0;
    while (!*stop) {
        auto enqueued = co_await p->send_and_forget({.topic = "t", .value = "stream"});
        if (!enqueued) co_return -1;
        ++sent;
        co_await tick.wait_until(loop->now() + 1ms);
    }
    co_return sent;
}

TEST_CASE("flush() beside a steady stream of sends resumes once the records before it are done") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {.linger = 0ms});
    warm_up(loop, *p, "t");
    broker.set_latency(5ms);  // with a send every millisecond, something is always in flight
    bool stop = false;
    auto stream = spawn(loop, keep_sending(p.get(), &loop, &stop));
    loop.advance(20ms);
    auto before = spawn(loop, send_one(p.get(), "t", "before"));
    loop.run_ready();
    auto f = spawn(loop, flush_it(p.get()));
    REQUIRE(loop.run_until([&] { return f->done(); }, 1s));
    CHECK(before->done());
    CHECK(*before->value);
    const auto s = p->stats();
    CHECK(s.records_enqueued > s.records_delivered);  // the stream's later records were not waited for
    // Two flushes at once, each with its own records.
    auto first = spawn(loop, send_one(p.get(), "t", "first"));
    loop.run_ready();
    auto f1 = spawn(loop, flush_it(p.get()));
    loop.advance(1ms);
    auto second = spawn(loop, send_one(p.get(), "t", "second"));
    loop.run_ready();
    auto f2 = spawn(loop, flush_it(p.get()));
    REQUIRE(loop.run_until([&] { return f1->done() && f2->done(); }, 1s));
    CHECK(first->done());
    CHECK(second->done());
    stop = true;
    REQUIRE(loop.run_until([&] { return stream->done(); }, 1s));
    CHECK(*stream->value > 20);
    CHECK(close_and_wait(loop, *p));
}

TEST_CASE("flush() waits for a send suspended before it, once that send is in the buffer") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {.linger = 10s});
    warm_up(loop, *p, "t");
    broker.create_topic_after("later", 1, 2);  // metadata for it comes two answers from now
    auto parked = spawn(loop, send_one(p.get(), "later", "parked"));
    loop.run_ready();
    REQUIRE(p->stats().waiting_sends == 1);
    auto f = spawn(loop, flush_it(p.get()));
    REQUIRE(loop.run_until([&] { return f->done(); }, 5s));
    CHECK(parked->done());  // delivered, not only enqueued: flush() went on to wait for its batch
    CHECK(*parked->value);
    CHECK(close_and_wait(loop, *p));
}

// ---- 2. connection, name-resolution and protocol-mismatch errors -----------------------------------

TEST_CASE("an unreachable bootstrap: try_send and the send's error say what went wrong and where") {
    manual_loop loop;  // nothing listens: connections are refused
    auto p = make_engine(loop, {.bootstrap_servers = "127.0.0.1:9092", .max_block = 2s});
    loop.advance(300ms);
    auto t = p->try_send({.topic = "orders", .value = "v"});
    REQUIRE_FALSE(t);
    CHECK(t.code() == errc::connection_failed);
    CHECK_MESSAGE(contains(t.err().message(), "connect to 127.0.0.1:9092: Connection refused"), t.err().message());
    auto r = send_and_wait(loop, *p, "orders", "v");
    REQUIRE_FALSE(r);
    CHECK(r.code() == errc::connection_failed);
    CHECK_MESSAGE(contains(r.err().message(), "topic 'orders'"), r.err().message());
    CHECK_MESSAGE(contains(r.err().message(), "connect to 127.0.0.1:9092: Connection refused"), r.err().message());
    CHECK(close_and_wait(loop, *p, 1s));
}

TEST_CASE("a host that does not resolve: the error names it") {
    manual_loop loop;
    loop.set_unreachable("nosuchhost.invalid", manual_loop::unreachable::no_such_host);
    auto p = make_engine(loop, {.bootstrap_servers = "nosuchhost.invalid:9092", .max_block = 2s});
    auto r = send_and_wait(loop, *p, "orders", "v");
    REQUIRE_FALSE(r);
    CHECK(r.code() == errc::resolve_failed);
    CHECK_MESSAGE(contains(r.err().message(), "nosuchhost.invalid: no such host"), r.err().message());
    CHECK(close_and_wait(loop, *p, 1s));
}

TEST_CASE("a TLS or SASL listener spoken to in plaintext: the error says the broker closed the connection, and when") {
    SUBCASE("closed during ApiVersions (TLS)") {
        manual_loop loop;
        fake_broker broker(loop, "127.0.0.1", 9093);
        broker.set_listener(fake_broker::listener_kind::closes_at_once);
        auto p = make_engine(loop, {.bootstrap_servers = "127.0.0.1:9093", .max_block = 2s});
        auto r = send_and_wait(loop, *p, "orders", "v");
        REQUIRE_FALSE(r);
        CHECK(r.code() == errc::connection_lost);
        CHECK_MESSAGE(contains(r.err().message(), "broker 127.0.0.1:9093 closed the connection during ApiVersions: is this a TLS or SASL listener?"),
                      r.err().message());
        CHECK(close_and_wait(loop, *p, 1s));
    }
    SUBCASE("closed after ApiVersions, during Metadata (SASL)") {
        manual_loop loop;
        fake_broker broker(loop, "127.0.0.1", 9094);
        broker.set_listener(fake_broker::listener_kind::sasl_required);
        auto p = make_engine(loop, {.bootstrap_servers = "127.0.0.1:9094", .max_block = 2s});
        auto r = send_and_wait(loop, *p, "orders", "v");
        REQUIRE_FALSE(r);
        CHECK_MESSAGE(contains(r.err().message(), "broker 127.0.0.1:9094 closed the connection during Metadata: is this a TLS or SASL listener?"),
                      r.err().message());
        CHECK(close_and_wait(loop, *p, 1s));
    }
}

// ---- 3. a topic that does not exist ---------------------------------------------------------------

TEST_CASE("a topic the broker says does not exist fails after unknown_topic_retries answers, not after max_block") {
    manual_loop loop;
    fake_broker broker(loop);
    auto p = make_engine(loop, {});  // max_block 60 s
    const auto start = loop.now();
    auto r = send_and_wait(loop, *p, "missing", "v", 120s);
    REQUIRE_FALSE(r);
    CHECK(r.code() == errc::unknown_topic_or_partition);
    CHECK_MESSAGE(contains(r.err().message(), "'missing'"), r.err().message());
    CHECK(loop.now() - start < 2s);
    // The first answer already said so; four answers in all (franz-go's default).
    CHECK(broker.metadata_requests() >= 4);
    CHECK(broker.metadata_requests() <= 6);
    // try_send does not wait: once an answer said the topic does not exist, it says so.
    auto t = p->try_send({.topic = "missing", .value = "v"});
    REQUIRE_FALSE(t);
    CHECK(t.code() == errc::unknown_topic_or_partition);
    CHECK(close_and_wait(loop, *p, 1s));
}

TEST_CASE("LEADER_NOT_AVAILABLE (a topic being created) does not count as unknown") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic_after("new", 1, 12);
    auto p = make_engine(loop, {});
    auto r = send_and_wait(loop, *p, "new", "v", 60s);
    CHECK_MESSAGE(r, (r ? "" : r.err().message()));
    CHECK(broker.log("new", 0).size() == 1);
    CHECK(close_and_wait(loop, *p, 1s));
}

// ---- 4. close() reports what happened to what was accepted or parked before it ----------------------

TEST_CASE("close() interrupting a send parked for metadata: the send says so, and close() is not ok") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic_after("slow", 1, 1000000);  // leaderless for good
    auto p = make_engine(loop, {});
    auto r = spawn(loop, send_one(p.get(), "slow", "v"));
    loop.advance(500ms);
    REQUIRE_FALSE(r->done());
    const auto closing = loop.now();
    auto c = close_and_wait(loop, *p, 2s);
    CHECK(loop.now() - closing <= 2s + 100ms);
    REQUIRE(r->done());
    REQUIRE_FALSE(*r->value);
    const auto& e = r->value->err();
    CHECK(e == errc::producer_closed);
    CHECK_MESSAGE(contains(e.message(), "close() interrupted"), e.message());
    CHECK_FALSE(contains(e.message(), "send after close"));
    REQUIRE_FALSE(c);
    CHECK_MESSAGE(contains(c.err().message(), "1 of the records"), c.err().message());
}

TEST_CASE("a send parked before close() whose metadata arrives during it is delivered, and close() is ok") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic_after("soon", 1, 3);
    auto p = make_engine(loop, {});
    auto r = spawn(loop, send_one(p.get(), "soon", "v"));
    loop.run_ready();
    REQUIRE_FALSE(r->done());
    auto c = close_and_wait(loop, *p, 5s);
    REQUIRE(r->done());
    CHECK_MESSAGE(*r->value, (*r->value ? "" : r->value->err().message()));
    CHECK_MESSAGE(c, (c ? "" : c.err().message()));
    CHECK(broker.log("soon", 0).size() == 1);
}

TEST_CASE("close() is not ok when a record accepted before it fails during it") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {.linger = 50ms});
    REQUIRE(send_and_wait(loop, *p, "t", "warm-up"));
    broker.produce_error = [](const std::string&, std::int32_t) -> std::optional<errc> { return errc::invalid_record; };
    auto r = spawn(loop, send_one(p.get(), "t", "refused"));
    loop.run_ready();
    auto c = close_and_wait(loop, *p, 5s);
    REQUIRE(r->done());
    REQUIRE_FALSE(*r->value);
    CHECK(r->value->err() == errc::invalid_record);
    REQUIRE_FALSE(c);
    CHECK(c.code() == errc::invalid_record);
}

TEST_CASE("unknown_topic_retries = 0 waits max_block for a missing topic") {
    manual_loop loop;
    fake_broker broker(loop);
    auto p = make_engine(loop, {.max_block = 3s, .unknown_topic_retries = 0});
    const auto start = loop.now();
    auto r = send_and_wait(loop, *p, "missing", "v", 10s);
    REQUIRE_FALSE(r);
    CHECK(r.code() == errc::unknown_topic_or_partition);
    CHECK(loop.now() - start >= 3s);
    CHECK(close_and_wait(loop, *p, 1s));
}

TEST_CASE("unknown_topic_retries must not be negative") {
    kcoro::producer_config cfg{.bootstrap_servers = "127.0.0.1:9092", .unknown_topic_retries = -1};
    auto v = kcoro::validate(cfg);
    REQUIRE_FALSE(v);
    CHECK(contains(v.err().message(), "unknown_topic_retries"));
}

// ---- 2 (continued). stats() through an outage -----------------------------------------------------

// What the log handler got, copied (the record's views live only during the call).
struct logged {
    kcoro::log_level level;
    std::string message;
    std::int32_t broker_id;
    std::string broker;
    std::string topic;
    std::int32_t partition;
    errc code;
};
std::function<void(const kcoro::log_record&)> log_into(std::vector<logged>& out) {
    return [&out](const kcoro::log_record& r) {
        out.push_back({r.level, std::string(r.message), r.broker_id, std::string(r.broker), std::string(r.topic), r.partition, r.code});
    };
}
std::vector<logged> starting(const std::vector<logged>& all, std::string_view prefix) {
    std::vector<logged> out;
    for (const auto& l : all)
        if (l.message.rfind(prefix, 0) == 0) out.push_back(l);
    return out;
}

TEST_CASE("stats() and the log hook through a broker outage: connection attempts, failures, reconnects and retries") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {.linger = 0ms});
    std::vector<logged> log;
    p->set_log_handler(log_into(log));  // at info, before the loop first runs
    REQUIRE(send_and_wait(loop, *p, "t", "before"));
    const auto before = p->stats();
    CHECK(before.connection_attempts >= 1);
    CHECK(before.connection_failures == 0);
    CHECK(before.reconnects == 0);
    // A record in flight when the broker goes away, and more sent while it is down.
    broker.hold_responses(true);
    auto in_flight = spawn(loop, send_one(p.get(), "t", "in flight"));
    loop.advance(1ms);
    REQUIRE(broker.produce_log().size() == 2);
    broker.stop();
    auto during = spawn(loop, send_one(p.get(), "t", "during"));
    loop.advance(3s);
    CHECK_FALSE(in_flight->done());
    const auto down = p->stats();
    CHECK(down.connection_failures >= 2);
    CHECK(down.connection_attempts >= before.connection_attempts + down.connection_failures - before.connection_failures);
    CHECK(down.retries >= 1);  // the batch in flight when the connection went
    CHECK_MESSAGE(contains(p->last_error().message(), "connect to 127.0.0.1:9092: Connection refused"), p->last_error().message());
    broker.hold_responses(false);
    broker.start();
    REQUIRE(loop.run_until([&] { return in_flight->done() && during->done(); }, 10s));
    CHECK(*in_flight->value);
    CHECK(*during->value);
    CHECK(p->stats().reconnects >= 1);
    CHECK(broker.log("t", 0).size() == 3);
    CHECK(close_and_wait(loop, *p));

    // The log heard the same story, about the broker it happened on.
    const auto stats = p->stats();
    for (const auto& l : log) CHECK_MESSAGE(l.level != kcoro::log_level::debug, l.message);
    const auto first = starting(log, "connected to broker 1");
    REQUIRE(first.size() == 1);
    CHECK(first[0].level == kcoro::log_level::info);
    CHECK(first[0].broker_id == 1);
    CHECK(first[0].broker == "127.0.0.1:9092");
    const auto lost = starting(log, "connection to broker 1 lost");
    REQUIRE(lost.size() == 1);
    CHECK(lost[0].level == kcoro::log_level::warning);
    CHECK(lost[0].broker == "127.0.0.1:9092");
    CHECK(lost[0].code == errc::connection_lost);
    const auto refused = starting(log, "could not connect to broker 1");
    CHECK(refused.size() >= 1);
    for (const auto& l : refused) {
        CHECK(l.code == errc::connection_failed);
        CHECK_MESSAGE(contains(l.message, "connect to 127.0.0.1:9092: Connection refused"), l.message);
        CHECK_MESSAGE(contains(l.message, "; next attempt in "), l.message);
    }
    const auto retried = starting(log, "retrying a batch of 1 records");
    CHECK(retried.size() == stats.retries);
    for (const auto& l : retried) {
        CHECK(l.level == kcoro::log_level::warning);
        CHECK(l.topic == "t");
        CHECK(l.partition == 0);
        CHECK(l.broker_id == 1);
    }
    const auto again = starting(log, "reconnected to broker 1");
    REQUIRE_FALSE(again.empty());
    CHECK(again.size() <= stats.reconnects);  // the count has the metadata's bootstrap connections too
    CHECK(again[0].level == kcoro::log_level::info);
    // In that order: connected, lost, refused, reconnected.
    const auto at = [&](std::string_view prefix) {
        return std::find_if(log.begin(), log.end(), [&](const logged& l) { return l.message.rfind(prefix, 0) == 0; }) - log.begin();
    };
    CHECK(at("connected to broker 1") < at("connection to broker 1 lost"));
    CHECK(at("connection to broker 1 lost") < at("could not connect to broker 1"));
    CHECK(at("could not connect to broker 1") < at("reconnected to broker 1"));
}

kcoro::task<kcoro::delivery_result> send_to(engine* p, std::string topic, std::string value, std::int32_t partition) {
    co_return co_await p->send({.topic = topic, .value = value, .partition = partition});
}

TEST_CASE("stats(): request and delivery latencies, bytes per batch, errors by code, per broker and per partition") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 2);
    auto p = make_engine(loop, {.linger = 0ms});
    auto warm = spawn(loop, send_to(p.get(), "t", "warm-up", 0));
    REQUIRE(loop.run_until([&] { return warm->done(); }, 10s));
    REQUIRE(*warm->value);
    const auto first = p->stats();
    CHECK(first.requests_sent == 1);
    CHECK(first.request_latency.count == 1);
    CHECK(first.request_latency.buckets[0] == 1);  // the broker answered at once in virtual time
    // Every answer 3 ms late from now on; partition 1's first batch is refused once.
    broker.set_latency(3ms);
    bool refused = false;
    broker.produce_error = [&](const std::string&, std::int32_t partition) -> std::optional<errc> {
        if (partition != 1 || refused) return std::nullopt;
        refused = true;
        return errc::not_leader_or_follower;
    };
    auto a = spawn(loop, send_to(p.get(), "t", "a", 0));
    auto b = spawn(loop, send_to(p.get(), "t", "bb", 1));
    // A send to a topic that does not exist yet waits for its metadata meanwhile.
    broker.create_topic_after("later", 1, 2);
    auto c = spawn(loop, send_one(p.get(), "later", "c"));
    loop.advance(1ms);
    const auto busy = p->stats();
    CHECK(busy.waiting_sends == 1);
    CHECK(busy.requests_in_flight >= 1);
    CHECK(busy.buffered_bytes > 0);
    CHECK(busy.buffer_available_bytes == p->config().buffer_memory - busy.buffered_bytes);
    REQUIRE(loop.run_until([&] { return a->done() && b->done() && c->done(); }, 10s));
    CHECK(*a->value);
    CHECK(*b->value);
    CHECK(*c->value);

    const auto s = p->stats();
    CHECK(s.waiting_sends == 0);
    CHECK(s.requests_in_flight == 0);
    CHECK(s.buffered_bytes == 0);
    CHECK(s.buffer_available_bytes == p->config().buffer_memory);
    CHECK(s.uptime_ms >= 103);  // virtual time: 3 ms answers and a retry's backoff of about 100 ms
    // Four records delivered, one of them sent twice: five records and batches written.
    CHECK(s.records_delivered == 4);
    CHECK(s.records_sent == 5);
    CHECK(s.batches_sent == 5);
    CHECK(s.batches_sent == broker.produce_log().size());
    CHECK(s.records_per_request() == doctest::Approx(static_cast<double>(s.records_sent) / static_cast<double>(s.requests_sent)));
    CHECK(s.batch_bytes_sent > 4 * kcoro::record_accumulator::record_batch_overhead);
    CHECK(s.batch_bytes_uncompressed == s.batch_bytes_sent);  // no compression
    CHECK(s.compression_ratio() == 1.0);
    CHECK(s.retries == 1);
    CHECK(s.batch_errors_of(errc::not_leader_or_follower) == 1);
    REQUIRE(s.batch_errors.size() == 1);
    // Every request answered, the first at once and the others after 3 ms (bucket (2 ms, 5 ms]).
    CHECK(s.request_latency.count == s.requests_sent);
    CHECK(s.request_latency.buckets[0] == 1);
    CHECK(s.request_latency.buckets[5] == s.requests_sent - 1);
    CHECK(s.request_latency.max_us == 3000);
    CHECK(s.request_latency.sum_us == 3000 * (s.requests_sent - 1));
    // One delivery per batch acknowledged; the refused one waited for its retry.
    CHECK(s.delivery_latency.count == 4);
    CHECK(s.delivery_latency.max_us > 6000);
    // One broker, counted by itself as by the producer.
    REQUIRE(s.brokers.size() == 1);
    const kcoro::broker_stats& bs = s.brokers[0];
    CHECK(bs.id == 1);
    CHECK(bs.address == "127.0.0.1:9092");
    CHECK(bs.connected);
    CHECK(bs.requests_in_flight == 0);
    CHECK(bs.requests_sent == s.requests_sent);
    CHECK(bs.request_latency.count == s.request_latency.count);
    CHECK(bs.request_latency.sum_us == s.request_latency.sum_us);
    // Per partition, by topic then partition; together they make the producer's count.
    REQUIRE(s.partitions.size() == 3);
    CHECK(s.partitions[0].topic == "later");
    CHECK(s.partitions[1].topic == "t");
    CHECK(s.partitions[2].topic == "t");
    CHECK(s.partitions[2].partition == 1);
    CHECK(s.partitions[2].retries == 1);
    CHECK(s.partitions[2].records_delivered == 1);
    CHECK(s.partitions[2].batches_delivered == 1);
    std::uint64_t delivered = 0;
    for (const auto& ps : s.partitions) {
        delivered += ps.records_delivered;
        CHECK(ps.records_failed == 0);
        CHECK(ps.queued_batches == 0);
        CHECK(ps.in_flight_batches == 0);
    }
    CHECK(delivered == s.records_delivered);
    // Rates from the two snapshots.
    const kcoro::producer_rates r = kcoro::rates_between(first, s);
    CHECK(r.seconds == doctest::Approx(static_cast<double>(s.uptime_ms - first.uptime_ms) / 1000.0));
    CHECK(r.records_delivered_per_second == doctest::Approx(3.0 / r.seconds));
    CHECK(close_and_wait(loop, *p));
}

TEST_CASE("stats(): a batch that fails counts against its partition and its error") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {.linger = 0ms});
    REQUIRE(send_and_wait(loop, *p, "t", "warm-up"));
    broker.produce_error = [](const std::string&, std::int32_t) -> std::optional<errc> { return errc::invalid_record; };
    CHECK_FALSE(send_and_wait(loop, *p, "t", "refused"));
    const auto s = p->stats();
    CHECK(s.records_failed == 1);
    CHECK(s.retries == 0);
    CHECK(s.batch_errors_of(errc::invalid_record) == 1);
    REQUIRE(s.partitions.size() == 1);
    CHECK(s.partitions[0].records_delivered == 1);
    CHECK(s.partitions[0].records_failed == 1);
    CHECK(s.delivery_latency.count == 1);  // only the one delivered
    CHECK(close_and_wait(loop, *p));
}

TEST_CASE("the log hook: nothing below the level asked for, and nothing at all without a handler") {
    manual_loop loop;  // nothing listens: every connection is refused
    std::vector<logged> warnings, debug;
    auto quiet = make_engine(loop, {.max_block = 1s});
    auto loud = make_engine(loop, {.max_block = 1s});
    auto none = make_engine(loop, {.max_block = 1s});
    quiet->set_log_handler(log_into(warnings), kcoro::log_level::error);
    loud->set_log_handler(log_into(debug), kcoro::log_level::debug);
    none->set_log_handler(log_into(warnings), kcoro::log_level::warning);
    none->set_log_handler(nullptr, kcoro::log_level::debug);
    loop.advance(500ms);
    CHECK(warnings.empty());
    const auto failed = starting(debug, "metadata request failed: ");
    REQUIRE_FALSE(failed.empty());
    CHECK(failed[0].level == kcoro::log_level::warning);
    CHECK(failed[0].code == errc::connection_failed);
    CHECK_MESSAGE(contains(failed[0].message, "127.0.0.1:9092"), failed[0].message);
    CHECK(close_and_wait(loop, *quiet, 1s));
    CHECK(close_and_wait(loop, *loud, 1s));
    CHECK(close_and_wait(loop, *none, 1s));
}

// ---- 5. destroying a running producer --------------------------------------------------------------

struct destroy_outcomes {
    kcoro::delivery_result awaited = kcoro::error(errc::none);
    kcoro::delivery_result parked = kcoro::error(errc::none);
    kcoro::delivery_result by_handle = kcoro::error(errc::none);
    std::vector<kcoro::delivery_result> callbacks;
    std::vector<kcoro::error> forgotten;
    int resumed = 0;
    bool flush_returned = false;
};

kcoro::task<void> await_send(engine* p, destroy_outcomes* o, std::string topic) {
    o->awaited = co_await p->send({.topic = topic, .value = "awaited"});
    ++o->resumed;
}
kcoro::task<void> await_parked(engine* p, destroy_outcomes* o) {
    o->parked = co_await p->send({.topic = "not-yet", .value = "parked"});
    ++o->resumed;
}
kcoro::task<void> await_handle(engine* p, destroy_outcomes* o) {
    auto h = co_await p->enqueue({.topic = "t", .value = "handle"});
    REQUIRE(h);
    o->by_handle = co_await *h;
    ++o->resumed;
}
kcoro::task<void> await_flush(engine* p, destroy_outcomes* o) {
    co_await p->flush();
    o->flush_returned = true;
}

TEST_CASE("destroying a running producer completes every pending record with producer_destroyed and releases everything") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 2);
    broker.create_topic_after("not-yet", 1, 1000000);
    auto p = make_engine(loop, {.linger = 20ms});
    REQUIRE(send_and_wait(loop, *p, "t", "warm-up"));
    p->set_error_handler([](const kcoro::record_metadata&, const kcoro::error&) {});
    destroy_outcomes o;
    p->set_error_handler([&o](const kcoro::record_metadata&, const kcoro::error& e) { o.forgotten.push_back(e); });
    // In flight (the broker holds its answer), queued (lingering), parked, by handle, by callback,
    // fire-and-forget, and a flush waiting for all of them.
    broker.hold_responses(true);
    auto a = spawn(loop, await_send(p.get(), &o, "t"));
    auto f0 = spawn(loop, flush_it(p.get()));  // sends the awaited record now
    loop.advance(1ms);
    REQUIRE(f0->done() == false);
    auto pk = spawn(loop, await_parked(p.get(), &o));
    auto h = spawn(loop, await_handle(p.get(), &o));
    loop.advance(1ms);
    REQUIRE(p->try_send({.topic = "t", .value = "callback"}, [&o](kcoro::delivery_result r) { o.callbacks.push_back(std::move(r)); }));
    REQUIRE(p->try_send({.topic = "t", .value = "forgotten"}));
    auto f = spawn(loop, await_flush(p.get(), &o));
    loop.advance(0ms);
    REQUIRE(o.resumed == 0);
    const auto sent = broker.produce_log().size();

    p.reset();  // no abort: everything pending completes

    // Callbacks and the error handler ran inside the destructor; suspended senders resume on the loop.
    REQUIRE(o.callbacks.size() == 1);
    CHECK(o.callbacks[0].err() == errc::producer_destroyed);
    REQUIRE(o.forgotten.size() == 1);
    CHECK(o.forgotten[0] == errc::producer_destroyed);
    loop.run_ready();
    CHECK(o.resumed == 3);
    CHECK(o.awaited.err() == errc::producer_destroyed);
    CHECK(o.parked.err() == errc::producer_destroyed);
    CHECK_MESSAGE(contains(o.parked.err().message(), "waited for metadata of topic 'not-yet'"), o.parked.err().message());
    CHECK(o.by_handle.err() == errc::producer_destroyed);
    CHECK(f->done());
    CHECK(o.flush_returned);
    CHECK(f0->done());
    CHECK(broker.produce_log().size() == sent);  // nothing more was sent
    // The producer's coroutines end on the loop; its connections close.
    loop.run_idle(1s);
    CHECK(broker.open_connections() == 0);
    broker.release_responses();
    loop.run_idle(1s);
}

TEST_CASE("a producer destroyed with work in flight, then its runtime destroyed without running again: nothing is left") {
    // Under AddressSanitizer (scripts/test's asan build) a frame or buffer left behind is a leak
    // report and a frame resumed after it was freed is a use-after-free report.
    auto loop = std::make_unique<manual_loop>();
    auto broker = std::make_unique<fake_broker>(*loop);
    broker->create_topic("t", 1);
    auto p = make_engine(*loop, {.linger = 5ms});
    REQUIRE(send_and_wait(*loop, *p, "t", "warm-up"));
    broker->hold_responses(true);
    destroy_outcomes o;
    auto a = spawn(*loop, await_send(p.get(), &o, "t"));
    loop->advance(6ms);
    auto h = spawn(*loop, await_handle(p.get(), &o));
    loop->run_ready();
    std::optional<kcoro::delivery_handle> kept;
    auto keep = [](engine* pr, std::optional<kcoro::delivery_handle>* out) -> kcoro::task<void> {
        auto r = co_await pr->enqueue({.topic = "t", .value = "kept"});
        REQUIRE(r);
        out->emplace(std::move(*r));
    };
    auto k = spawn(*loop, keep(p.get(), &kept));
    loop->run_ready();
    REQUIRE(kept.has_value());
    p.reset();
    CHECK(kept->ready());  // a handle outlives the producer and still holds its outcome
    broker.reset();
    loop.reset();  // destroys the producer's suspended coroutines and, with the last, its state
    auto outcome = [](kcoro::delivery_handle* hd) -> kcoro::task<kcoro::delivery_result> { co_return co_await *hd; };
    kcoro_test::manual_loop other;
    auto r = spawn(other, outcome(&*kept));
    other.run_ready();
    REQUIRE(r->done());
    CHECK(r->value->err() == errc::producer_destroyed);
}

TEST_CASE("destroying a producer during close() resumes close() with producer_destroyed") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {});
    REQUIRE(send_and_wait(loop, *p, "t", "warm-up"));
    broker.hold_responses(true);
    auto r = spawn(loop, send_one(p.get(), "t", "v"));
    loop.advance(10ms);
    auto c = spawn(loop, close_it(p.get(), 30s));
    loop.advance(1s);
    REQUIRE_FALSE(c->done());
    p.reset();
    loop.run_idle(1s);
    REQUIRE(c->done());
    CHECK(c->value->err() == errc::producer_destroyed);
    REQUIRE(r->done());
    CHECK(r->value->err() == errc::producer_destroyed);
}

// ---- 6. a record over max.message.bytes fails alone ------------------------------------------------

struct split_outcome {
    std::vector<kcoro::delivery_result> results;
};
kcoro::task<void> send_mixed(engine* p, std::vector<std::string>* values, split_outcome* out) {
    std::vector<kcoro::delivery_handle> hs;
    for (const auto& v : *values) {
        auto h = co_await p->enqueue({.topic = "small", .key = "k", .value = v});
        REQUIRE(h);
        hs.push_back(std::move(*h));
    }
    co_await p->flush();
    // flush() waited for the parts of the split batch too (they belong to the batch's flush round).
    for (auto& h : hs) CHECK(h.ready());
    for (auto& h : hs) out->results.push_back(co_await h);
}

TEST_CASE("a batch over the topic's max.message.bytes is split until the record that is too large fails alone") {
    for (const bool idempotent : {true, false}) {
        CAPTURE(idempotent);
        manual_loop loop;
        fake_broker broker(loop);
        broker.create_topic("small", 1, 4096);
        kcoro::producer_config cfg{.linger = 50ms};
        cfg.enable_idempotence = idempotent;
        if (!idempotent) {
            // Without idempotence only one request in flight keeps a resent part ahead of the
            // batches after it (as with any retry, in the Java client too).
            cfg.acks = kcoro::acks::leader;
            cfg.max_in_flight = 1;
        }
        auto p = make_engine(loop, cfg);
        std::vector<std::string> values;
        for (int i = 0; i < 120; ++i) values.push_back(i == 70 ? std::string(6 * 1024, 'B') : std::string("v").append(std::to_string(i)).append(97, 'x'));
        split_outcome o;
        auto s = spawn(loop, send_mixed(p.get(), &values, &o));
        REQUIRE(loop.run_until([&] { return s->done(); }, 60s));
        REQUIRE(o.results.size() == values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i == 70) {
                REQUIRE_FALSE(o.results[i]);
                CHECK(o.results[i].err() == errc::message_too_large);
                CHECK_MESSAGE(contains(o.results[i].err().message(), "a record of"), o.results[i].err().message());
                CHECK_FALSE(contains(o.results[i].err().message(), "batch_size"));
            } else {
                CHECK_MESSAGE(o.results[i], i << ": " << (o.results[i] ? "" : o.results[i].err().message()));
            }
        }
        // The broker has every other record once, in the order sent.
        const auto& log = broker.log("small", 0);
        REQUIRE(log.size() == values.size() - 1);
        std::size_t j = 0;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i == 70) continue;
            CHECK(*log[j].value == values[i]);
            ++j;
        }
        // Each offset the producer reported is where the broker put that record.
        for (std::size_t i = 0, at = 0; i < values.size(); ++i) {
            if (i == 70) continue;
            if (o.results[i]) CHECK(o.results[i]->offset == static_cast<std::int64_t>(at));
            ++at;
        }
        bool refused = false;
        for (const auto& a : broker.produce_log()) refused |= a.answer == errc::message_too_large && a.records > 1;
        CHECK(refused);  // the first batch was refused whole, so the split was exercised
        CHECK(close_and_wait(loop, *p));
    }
}

// ---- the engine reads wall-clock time only through its runtime -------------------------------------

TEST_CASE("a record sent without a timestamp is stamped with the runtime's wall clock, not the host's") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("t", 1);
    auto p = make_engine(loop, {.linger = 0ms});
    loop.advance(90s);
    const auto sent_at = std::chrono::duration_cast<std::chrono::milliseconds>(loop.wall_now().time_since_epoch()).count();
    auto r = send_and_wait(loop, *p, "t", "when");
    REQUIRE(r);
    CHECK(r->timestamp == sent_at);  // the virtual clock's instant, exactly
}

// ---- a transaction's offsets, through the group coordinator's errors --------------------------------

#ifndef KCORO_TEST_SINGLE_HEADER

// A one-node cluster that coordinates transactions and consumer groups in the KIP-890 flow
// (transaction.version 2 finalized): ApiVersions, Metadata, FindCoordinator, InitProducerId,
// TxnOffsetCommit and EndTxn, read and answered with kcoro's generated broker side. Each
// TxnOffsetCommit takes the next of `offset_commit_errors` (none once they run out) as the answer
// for the request's last partition, the others answered without error, so that a partition's
// error is seen among good ones. An answer may be held back (delay_next), and those after it on
// its connection wait for it: a broker answers a connection's requests in order.
class fake_coordinator {
public:
    struct offset_commit {
        std::int16_t version = -1;
        std::string group_id, member_id;
        std::int32_t generation_id = -1;
        std::optional<std::string> group_instance_id;
        std::int64_t producer_id = -1;
        std::int16_t producer_epoch = -1;
        std::vector<std::string> partitions;  // "topic/partition=offset,epoch,metadata", in request order
    };

    explicit fake_coordinator(manual_loop& loop) : loop_(&loop) {
        loop_->listen(host, port, [this](std::shared_ptr<kcoro_test::memory_pipe> p) { accept(std::move(p)); });
    }
    fake_coordinator(const fake_coordinator&) = delete;
    fake_coordinator& operator=(const fake_coordinator&) = delete;
    ~fake_coordinator() {
        for (const auto& id : held_answers_) loop_->unschedule(id);
        loop_->unlisten(host, port);
        for (auto& c : connections_) {
            c->pipe->on_client_bytes = nullptr;
            c->pipe->on_client_close = nullptr;
        }
    }

    static constexpr const char* host = "127.0.0.1";
    static constexpr std::uint16_t port = 9092;
    std::vector<errc> offset_commit_errors;
    std::int16_t transaction_version = 2;  // the finalized feature ApiVersions reports

    const std::vector<offset_commit>& offset_commits() const noexcept { return offset_commits_; }
    int group_lookups() const noexcept { return group_lookups_; }
    const std::vector<bool>& ends() const noexcept { return ends_; }  // each EndTxn: committed?

    // The next answer to `api_key` (the one after, for a second call) leaves `delay` after its request came.
    void delay_next(std::int16_t api_key, std::chrono::milliseconds delay) { answer_delays_[api_key].push_back(delay); }
    std::size_t connections() const noexcept { return connections_.size(); }
    // Connections the client closed: a client that gives up on an answer must not close one.
    int client_closes() const {
        return static_cast<int>(std::count_if(connections_.begin(), connections_.end(), [](const auto& c) { return c->pipe->client_closed; }));
    }

private:
    template <class M>
    using outgoing = kcoro::with_storage_t<M, kcoro::spans_storage>;
    struct connection {
        std::shared_ptr<kcoro_test::memory_pipe> pipe;
        std::vector<kcoro::byte> in;
        kcoro::steady_time last_answer_at{};  // when the latest answer leaves (now, or later when held)
        int held = 0;                         // answers scheduled and not sent yet
    };

    void accept(std::shared_ptr<kcoro_test::memory_pipe> p) {
        auto c = std::make_unique<connection>();
        c->pipe = std::move(p);
        connection* raw = c.get();
        raw->pipe->on_client_bytes = [this, raw](kcoro::bytes_view b) { on_bytes(*raw, b); };
        raw->pipe->on_client_close = [raw] { raw->pipe->on_client_bytes = nullptr; };
        connections_.push_back(std::move(c));
    }

    void on_bytes(connection& c, kcoro::bytes_view b) {
        c.in.insert(c.in.end(), b.begin(), b.end());
        std::size_t at = 0;
        while (c.in.size() - at >= 4) {
            const auto size = static_cast<std::size_t>(kcoro::detail::load_be(c.in.data() + at, 4));
            if (c.in.size() - at - 4 < size) break;
            handle(c, kcoro::bytes_view(c.in.data() + at + 4, size));
            at += 4 + size;
        }
        c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(at));
    }

    void handle(connection& c, kcoro::bytes_view frame) {
        kcoro::wire_reader peek(frame);
        const auto key = *peek.i16();
        const auto version = *peek.i16();
        switch (key) {
            case kcoro::api_versions_request::api_key: serve<kcoro::api_versions_request>(c, frame, version); break;
            case kcoro::metadata_request::api_key: serve<kcoro::metadata_request>(c, frame, version); break;
            case kcoro::find_coordinator_request::api_key: serve<kcoro::find_coordinator_request>(c, frame, version); break;
            case kcoro::init_producer_id_request::api_key: serve<kcoro::init_producer_id_request>(c, frame, version); break;
            case kcoro::txn_offset_commit_request::api_key: serve<kcoro::txn_offset_commit_request>(c, frame, version); break;
            case kcoro::end_txn_request::api_key: serve<kcoro::end_txn_request>(c, frame, version); break;
            default: FAIL("the fake coordinator got API key " << key);
        }
    }

    template <class Req>
    void serve(connection& c, kcoro::bytes_view frame, std::int16_t version) {
        kcoro::wire_reader r(frame);
        kcoro::received_request_header header;
        REQUIRE(kcoro::decode_header(r, Req::request_header_version(version), header));
        kcoro::with_storage_t<Req, kcoro::frame_storage> req;
        REQUIRE(kcoro::decode_request(r, version, req));
        kcoro::byte_buffer out;
        kcoro::wire_writer w(out);
        w.i32(0);  // the size, patched below
        kcoro::encode_header(w, Req::response_header_version(version), kcoro::response_header{.correlation_id = header.correlation_id});
        respond(req, version, w);
        w.patch_i32(0, static_cast<std::int32_t>(out.size() - 4));
        answer(c, Req::api_key, std::move(out));
    }

    // Sends an answer now, or when its delay is over and every answer before it on the connection has left.
    void answer(connection& c, std::int16_t api_key, kcoro::byte_buffer out) {
        kcoro::steady_time at = loop_->now();
        if (auto d = answer_delays_.find(api_key); d != answer_delays_.end() && !d->second.empty()) {
            at += d->second.front();
            d->second.erase(d->second.begin());
        }
        at = std::max(at, c.last_answer_at);
        c.last_answer_at = at;
        if (at <= loop_->now() && c.held == 0) {
            c.pipe->send_to_client(out.view());
            return;
        }
        ++c.held;
        auto bytes = std::make_shared<kcoro::byte_buffer>(std::move(out));
        held_answers_.push_back(loop_->schedule(at, [&c, bytes] {
            --c.held;
            c.pipe->send_to_client(bytes->view());
        }));
    }

    // Every version the client speaks, of the APIs named.
    template <class... Reqs>
    static std::vector<outgoing<kcoro::api_versions_response>::api_version> ranges() {
        return {{Reqs::api_key, Reqs::min_version, Reqs::max_version}...};
    }

    void respond(const kcoro::received_api_versions_request&, std::int16_t version, kcoro::wire_writer& w) {
        using response = outgoing<kcoro::api_versions_response>;
        const auto keys = ranges<kcoro::api_versions_request, kcoro::metadata_request, kcoro::find_coordinator_request,
                                 kcoro::init_producer_id_request, kcoro::txn_offset_commit_request, kcoro::end_txn_request,
                                 kcoro::produce_request>();
        // A cluster that finalizes no transaction.version (older than Kafka 3.9, or formatted
        // without it) lists none.
        std::vector<response::finalized_feature_key> features;
        if (transaction_version > 0) features.push_back({"transaction.version", transaction_version, transaction_version});
        response resp;
        resp.api_keys = keys;
        resp.finalized_features_epoch = 1;
        resp.finalized_features = features;
        kcoro::encode_response(w, version, resp);
    }

    void respond(const kcoro::received_metadata_request&, std::int16_t version, kcoro::wire_writer& w) {
        using response = outgoing<kcoro::metadata_response>;
        const response::metadata_response_broker self[] = {{node_id, host, port, std::nullopt}};
        response resp;
        resp.brokers = self;
        resp.cluster_id = "fake-coordinator";
        resp.controller_id = node_id;
        kcoro::encode_response(w, version, resp);
    }

    void respond(const kcoro::received_find_coordinator_request& req, std::int16_t version, kcoro::wire_writer& w) {
        if (req.key_type == kcoro::coordinator_type::group) ++group_lookups_;
        using response = outgoing<kcoro::find_coordinator_response>;
        response resp;
        const std::string_view key = version >= 4 ? (req.coordinator_keys.empty() ? std::string_view() : req.coordinator_keys.front())
                                                  : std::string_view(req.key);
        const response::coordinator found[] = {{key, node_id, host, port, errc::none, std::nullopt}};
        resp.node_id = node_id;
        resp.host = host;
        resp.port = port;
        if (version >= 4) resp.coordinators = found;
        kcoro::encode_response(w, version, resp);
    }

    void respond(const kcoro::received_init_producer_id_request&, std::int16_t version, kcoro::wire_writer& w) {
        outgoing<kcoro::init_producer_id_response> resp;
        resp.producer_id = producer_id_;
        resp.producer_epoch = epoch_;
        kcoro::encode_response(w, version, resp);
    }

    void respond(const kcoro::received_txn_offset_commit_request& req, std::int16_t version, kcoro::wire_writer& w) {
        offset_commit got;
        got.version = version;
        got.group_id = req.group_id;
        got.member_id = req.member_id;
        got.generation_id = req.generation_id;
        if (req.group_instance_id) got.group_instance_id = std::string(*req.group_instance_id);
        got.producer_id = req.producer_id;
        got.producer_epoch = req.producer_epoch;
        using response = outgoing<kcoro::txn_offset_commit_response>;
        std::vector<std::vector<response::txn_offset_commit_response_partition>> answers;
        std::vector<response::txn_offset_commit_response_topic> topics;
        for (const auto& t : req.topics) {
            auto& a = answers.emplace_back();
            for (const auto& p : t.partitions) {
                // Appended piece by piece: g++ 12 warns falsely (-Wstringop-overflow) on "/" + a temporary.
                std::string seen(t.name);
                for (const std::string& piece : {std::string("/"), std::to_string(p.partition_index), std::string("="),
                                                 std::to_string(p.committed_offset), std::string(","),
                                                 std::to_string(p.committed_leader_epoch), std::string(",")})
                    seen += piece;
                seen += p.committed_metadata.value_or("(null)");
                got.partitions.push_back(std::move(seen));
                a.push_back({p.partition_index, errc::none});
            }
        }
        if (!offset_commit_errors.empty() && !answers.empty() && !answers.back().empty()) {
            answers.back().back().error_code = offset_commit_errors.front();
            offset_commit_errors.erase(offset_commit_errors.begin());
        }
        for (std::size_t i = 0; i < answers.size(); ++i) topics.push_back({req.topics[i].name, answers[i]});
        offset_commits_.push_back(std::move(got));
        response resp;
        resp.topics = topics;
        kcoro::encode_response(w, version, resp);
    }

    // As Kafka's coordinator does in the KIP-890 flow, an EndTxn of the epoch just ended, ending it
    // the same way, is a retry of that end (its answer was lost) and gets the same answer.
    void respond(const kcoro::received_end_txn_request& req, std::int16_t version, kcoro::wire_writer& w) {
        ends_.push_back(req.committed);
        outgoing<kcoro::end_txn_response> resp;
        if (req.producer_epoch == epoch_) {
            ++epoch_;
            last_end_committed_ = req.committed;
        } else if (req.producer_epoch + 1 != epoch_ || last_end_committed_ != req.committed) {
            resp.error_code = errc::producer_fenced;
        }
        resp.producer_id = producer_id_;
        resp.producer_epoch = epoch_;
        kcoro::encode_response(w, version, resp);
    }

    static constexpr std::int32_t node_id = 1;
    manual_loop* loop_;
    std::vector<std::unique_ptr<connection>> connections_;
    std::vector<offset_commit> offset_commits_;
    std::vector<bool> ends_;
    std::optional<bool> last_end_committed_;
    std::map<std::int16_t, std::vector<std::chrono::milliseconds>> answer_delays_;
    std::vector<kcoro_test::manual_loop::event_id> held_answers_;
    int group_lookups_ = 0;
    std::int64_t producer_id_ = 4000;
    std::int16_t epoch_ = 0;
};

kcoro::task<kcoro::result<void>> init_it(engine* p) { co_return co_await p->init_transactions(10s); }
kcoro::task<kcoro::result<void>> commit_it(engine* p) { co_return co_await p->commit_transaction(10s); }
kcoro::task<kcoro::result<void>> abort_it(engine* p) { co_return co_await p->abort_transaction(10s); }
kcoro::task<kcoro::result<void>> offsets_it(engine* p, std::vector<kcoro::topic_partition_offset> offsets,
                                            kcoro::consumer_group_metadata group, std::chrono::milliseconds timeout) {
    co_return co_await p->send_offsets_to_transaction(offsets, group, timeout);
}
kcoro::task<kcoro::result<void>> group_id_offsets_it(engine* p, std::vector<kcoro::topic_partition_offset> offsets, std::string group) {
    co_return co_await p->send_offsets_to_transaction(offsets, group, 10s);
}

// Runs a call to its end on the loop and returns what it returned.
kcoro::result<void> run_call(manual_loop& loop, kcoro::task<kcoro::result<void>> call, std::chrono::nanoseconds limit = 30s) {
    auto r = spawn(loop, std::move(call));
    REQUIRE(loop.run_until([&] { return r->done(); }, limit));
    return std::move(*r->value);
}

// A transactional producer on the fake coordinator with an open transaction.
std::unique_ptr<engine> in_transaction(manual_loop& loop) {
    auto p = make_engine(loop, {.transactional_id = "tx"});
    auto init = run_call(loop, init_it(p.get()));
    REQUIRE_MESSAGE(init, (init ? "" : init.err().message()));
    REQUIRE(p->begin_transaction());
    return p;
}

std::vector<kcoro::topic_partition_offset> three_offsets() {
    return {{.topic = "in-a", .partition = 0, .offset = 42, .leader_epoch = 3, .metadata = "m"},
            {.topic = "in-b", .partition = 2, .offset = 7, .leader_epoch = -1, .metadata = ""},
            {.topic = "in-a", .partition = 1, .offset = 9, .leader_epoch = 3, .metadata = ""}};
}

TEST_CASE("send_offsets_to_transaction: TxnOffsetCommit v5 to the group's coordinator, found again and retried until it takes them") {
    manual_loop loop;
    fake_coordinator coordinator(loop);
    auto p = in_transaction(loop);
    // One partition's error among good ones: load in progress and not coordinator send the
    // producer to FindCoordinator again, concurrent transactions (the previous end still
    // completing) to a retry at the same coordinator.
    coordinator.offset_commit_errors = {errc::coordinator_load_in_progress, errc::not_coordinator, errc::concurrent_transactions};
    const kcoro::consumer_group_metadata group{.group_id = "g", .generation_id = 5, .member_id = "m-1", .group_instance_id = "i-1"};
    auto sent = run_call(loop, offsets_it(p.get(), three_offsets(), group, 10s));
    REQUIRE_MESSAGE(sent, (sent ? "" : sent.err().message()));
    REQUIRE(coordinator.offset_commits().size() == 4);
    CHECK(coordinator.group_lookups() == 3);
    for (const auto& c : coordinator.offset_commits()) {
        CHECK(c.version == 5);
        CHECK(c.group_id == "g");
        CHECK(c.generation_id == 5);
        CHECK(c.member_id == "m-1");
        CHECK(c.group_instance_id == std::optional<std::string>("i-1"));
        CHECK(c.producer_id == p->producer_id());
        CHECK(c.producer_epoch == p->producer_epoch());
        // Grouped by topic, in the order each first appears.
        CHECK(c.partitions == std::vector<std::string>{"in-a/0=42,3,m", "in-a/1=9,3,", "in-b/2=7,-1,"});
    }
    CHECK(p->transaction() == kcoro::transaction_phase::in_transaction);
    // A transaction of offsets and no record is ended all the same: the group is in it.
    const auto epoch = p->producer_epoch();
    auto commit = run_call(loop, commit_it(p.get()));
    REQUIRE_MESSAGE(commit, (commit ? "" : commit.err().message()));
    CHECK(coordinator.ends() == std::vector<bool>{true});
    CHECK(p->producer_epoch() == epoch + 1);

    // The group id alone: no generation or member for the coordinator to check.
    const auto alone = kcoro::consumer_group_metadata::from_group_id("g2");
    CHECK(alone.group_id == "g2");
    CHECK(alone.generation_id == -1);
    CHECK(alone.member_id.empty());
    CHECK_FALSE(alone.group_instance_id);
    REQUIRE(p->begin_transaction());
    auto by_id = run_call(loop, group_id_offsets_it(p.get(), three_offsets(), "g2"));
    REQUIRE_MESSAGE(by_id, (by_id ? "" : by_id.err().message()));
    CHECK(coordinator.offset_commits().back().group_id == "g2");
    CHECK(coordinator.offset_commits().back().generation_id == -1);
    CHECK(coordinator.offset_commits().back().member_id.empty());
    CHECK_FALSE(coordinator.offset_commits().back().group_instance_id);
    CHECK(coordinator.group_lookups() == 4);  // another group: its coordinator looked up
    REQUIRE(run_call(loop, abort_it(p.get())));
    CHECK(coordinator.ends() == std::vector<bool>{true, false});
    CHECK(close_and_wait(loop, *p));
}

TEST_CASE("init_transactions on a cluster without transaction.version 2 says that the classic flow is not supported yet") {
    for (const std::int16_t version : {0, 1}) {
        CAPTURE(version);
        manual_loop loop;
        fake_coordinator coordinator(loop);
        coordinator.transaction_version = version;
        auto p = make_engine(loop, {.transactional_id = "tx"});
        auto init = run_call(loop, init_it(p.get()));
        REQUIRE_FALSE(init);
        CHECK(init.err() == errc::unsupported_version);
        CHECK_MESSAGE(contains(init.err().message(), "transaction.version is " + std::to_string(version)), init.err().message());
        CHECK_MESSAGE(contains(init.err().message(), "classic flow is not supported yet"), init.err().message());
        CHECK(p->producer_id() == -1);  // no InitProducerId was sent
        CHECK(close_and_wait(loop, *p));
    }
}

TEST_CASE("destroying a producer whose transaction reached the coordinator sends one EndTxn (abort); one that did not, none") {
    SUBCASE("offsets sent: the transaction is at the coordinator") {
        manual_loop loop;
        fake_coordinator coordinator(loop);
        auto p = in_transaction(loop);
        REQUIRE(run_call(loop, group_id_offsets_it(p.get(), three_offsets(), "g")));
        p.reset();
        loop.run_idle(1s);
        CHECK(coordinator.ends() == std::vector<bool>{false});
    }
    SUBCASE("begun, nothing sent: nothing to end") {
        manual_loop loop;
        fake_coordinator coordinator(loop);
        auto p = in_transaction(loop);
        p.reset();
        loop.run_idle(1s);
        CHECK(coordinator.ends().empty());
    }
}

TEST_CASE("send_offsets_to_transaction: a group that moved on leaves only abort; a fencing answer ends the producer") {
    SUBCASE("the group rebalanced: abortable, and the producer goes on after the abort") {
        // STALE_MEMBER_EPOCH: a member of a KIP-848 group whose epoch moved on (what the Java
        // client treats as ILLEGAL_GENERATION since KIP-1319).
        for (errc refusal : {errc::illegal_generation, errc::unknown_member_id, errc::fenced_instance_id, errc::stale_member_epoch}) {
            CAPTURE(kcoro::error(refusal).message());
            manual_loop loop;
            fake_coordinator coordinator(loop);
            auto p = in_transaction(loop);
            coordinator.offset_commit_errors = {refusal};
            auto sent = run_call(loop, offsets_it(p.get(), three_offsets(), {.group_id = "g", .generation_id = 4, .member_id = "m", .group_instance_id = std::nullopt}, 10s));
            REQUIRE_FALSE(sent);
            CHECK(sent.err() == refusal);
            CHECK(contains(sent.err().message(), "group 'g'"));
            CHECK(contains(sent.err().message(), "abort the transaction"));
            CHECK(p->transaction() == kcoro::transaction_phase::abortable_error);
            auto commit = run_call(loop, commit_it(p.get()));
            CHECK(commit.err() == refusal);
            REQUIRE(run_call(loop, abort_it(p.get())));
            CHECK(coordinator.ends() == std::vector<bool>{false});  // the group was in the transaction: ended
            REQUIRE(p->begin_transaction());
            CHECK(run_call(loop, offsets_it(p.get(), three_offsets(), {.group_id = "g", .generation_id = 5, .member_id = "m", .group_instance_id = std::nullopt}, 10s)));
            CHECK(run_call(loop, commit_it(p.get())));
            CHECK(close_and_wait(loop, *p));
        }
    }
    SUBCASE("fenced: fatal, saying another instance took over") {
        manual_loop loop;
        fake_coordinator coordinator(loop);
        auto p = in_transaction(loop);
        coordinator.offset_commit_errors = {errc::producer_fenced};
        auto sent = run_call(loop, group_id_offsets_it(p.get(), three_offsets(), "g"));
        REQUIRE_FALSE(sent);
        CHECK(sent.err() == errc::producer_fenced);
        CHECK(contains(sent.err().message(), "another producer instance"));
        CHECK(p->transaction() == kcoro::transaction_phase::fatal_error);
        CHECK(p->begin_transaction().err() == errc::producer_fenced);
        (void)close_and_wait(loop, *p);
    }
}

TEST_CASE("send_offsets_to_transaction returns within its timeout; the commit is refused until the offsets are sent again") {
    manual_loop loop;
    fake_coordinator coordinator(loop);
    auto p = in_transaction(loop);
    coordinator.offset_commit_errors.assign(1000, errc::coordinator_load_in_progress);
    const auto started = loop.now();
    auto sent = run_call(loop, group_id_offsets_it(p.get(), three_offsets(), "g"));
    REQUIRE_FALSE(sent);
    CHECK(sent.err() == errc::timed_out);
    CHECK(loop.now() - started <= 10s);
    CHECK(coordinator.offset_commits().size() > 5);  // retried until the deadline
    CHECK(p->transaction() == kcoro::transaction_phase::in_transaction);
    auto commit = run_call(loop, commit_it(p.get()));
    CHECK(commit.err() == errc::invalid_txn_state);
    CHECK(contains(commit.err().message(), "may lack its offsets"));
    CHECK(coordinator.ends().empty());
    coordinator.offset_commit_errors.clear();
    REQUIRE(run_call(loop, group_id_offsets_it(p.get(), three_offsets(), "g")));
    REQUIRE(run_call(loop, commit_it(p.get())));
    CHECK(coordinator.ends() == std::vector<bool>{true});
    CHECK(close_and_wait(loop, *p));
}

// ---- a call's own deadline, shorter than request_timeout ----------------------------------------

using coordinator_connection = kcoro::broker_connection<manual_runtime>;

kcoro::task<kcoro::result<void>> connect_it(coordinator_connection* c) { co_return co_await c->connect(1s, 30s); }
// A Metadata request that gives up at `deadline`.
kcoro::task<kcoro::result<void>> metadata_until(coordinator_connection* c, kcoro::steady_time deadline) {
    auto v = kcoro::negotiate<kcoro::metadata_request>(c->versions());
    if (!v) co_return std::move(v).err();
    kcoro::metadata_request req;
    auto r = co_await c->request(req, *v, deadline);
    if (!r) co_return std::move(r).err();
    co_return kcoro::ok();
}

TEST_CASE("a request given up at its own deadline: it returns then, the connection stays up and drops the late answer in order") {
    manual_loop loop;
    fake_coordinator coordinator(loop);
    manual_runtime rt(loop);
    coordinator_connection conn(rt, fake_coordinator::host, fake_coordinator::port, "deadlines");
    REQUIRE(run_call(loop, connect_it(&conn)));
    SUBCASE("behind a slower request without a deadline of its own") {
        // The first answer takes 5 s; the second request, behind it, gives up after 1 s: the
        // watchdog watches its deadline although it is not the oldest request.
        coordinator.delay_next(kcoro::metadata_request::api_key, 5s);
        const auto started = loop.now();
        auto slow = spawn(loop, metadata_until(&conn, kcoro::steady_time::max()));
        auto hasty = spawn(loop, metadata_until(&conn, started + 1s));
        REQUIRE(loop.run_until([&] { return hasty->done(); }, 10s));
        CHECK(loop.now() == started + 1s);
        REQUIRE_FALSE(*hasty->value);
        CHECK(hasty->value->err() == errc::timed_out);
        CHECK_MESSAGE(contains(hasty->value->err().message(), "outcome is unknown"), hasty->value->err().message());
        CHECK_FALSE(slow->done());
        CHECK(conn.ready());
        REQUIRE(loop.run_until([&] { return slow->done(); }, 10s));
        CHECK(loop.now() == started + 5s);
        CHECK_MESSAGE(*slow->value, (*slow->value ? "" : slow->value->err().message()));
        loop.advance(0ms);  // what is due now: the answer to the request given up, right behind
        CHECK(conn.in_flight() == 0);  // it came and was dropped
        CHECK(conn.ready());
        // The connection goes on: the next answers match their requests.
        CHECK(run_call(loop, metadata_until(&conn, loop.now() + 1s)));
        CHECK(run_call(loop, metadata_until(&conn, kcoro::steady_time::max())));
        CHECK(coordinator.client_closes() == 0);
        CHECK(coordinator.connections() == 1);
    }
    SUBCASE("an answer that never comes within request_timeout still closes the connection") {
        coordinator.delay_next(kcoro::metadata_request::api_key, 60s);
        const auto started = loop.now();
        auto hasty = spawn(loop, metadata_until(&conn, started + 2s));
        REQUIRE(loop.run_until([&] { return hasty->done(); }, 10s));
        CHECK(loop.now() == started + 2s);
        CHECK(hasty->value->err() == errc::timed_out);
        CHECK(conn.ready());
        REQUIRE(loop.run_until([&] { return !conn.ready(); }, 40s));
        CHECK(loop.now() == started + 30s);
        CHECK(coordinator.client_closes() == 1);
    }
    conn.close();
    loop.run_idle(1s);
    CHECK_FALSE(conn.busy());
}

kcoro::task<kcoro::result<void>> commit_within(engine* p, std::chrono::milliseconds timeout) {
    co_return co_await p->commit_transaction(timeout);
}

TEST_CASE("commit_transaction whose EndTxn answer comes after its timeout returns at its deadline, unresolved; called again it commits") {
    manual_loop loop;
    fake_coordinator coordinator(loop);
    auto p = in_transaction(loop);  // request_timeout 30 s
    REQUIRE(run_call(loop, group_id_offsets_it(p.get(), three_offsets(), "g")));
    const auto connections = coordinator.connections();
    const auto epoch = p->producer_epoch();
    // Answered after 5 s: past the call's 2 s, well inside request_timeout.
    coordinator.delay_next(kcoro::end_txn_request::api_key, 5s);
    const auto started = loop.now();
    auto commit = run_call(loop, commit_within(p.get(), 2s));
    CHECK(loop.now() == started + 2s);
    REQUIRE_FALSE(commit);
    CHECK(commit.err() == errc::timed_out);
    CHECK_MESSAGE(contains(commit.err().message(), "outcome is unknown"), commit.err().message());
    CHECK(p->transaction() == kcoro::transaction_phase::committing);
    CHECK(run_call(loop, abort_it(p.get())).err() == errc::invalid_txn_state);
    CHECK(coordinator.ends() == std::vector<bool>{true});
    // The late answer arrives, is read and dropped: nothing changes, nothing closes.
    loop.advance(4s);
    CHECK(p->transaction() == kcoro::transaction_phase::committing);
    CHECK(p->producer_epoch() == epoch);
    CHECK(coordinator.client_closes() == 0);
    // Called again: the same EndTxn, on the same connection, which the coordinator takes as a retry.
    auto again = run_call(loop, commit_it(p.get()));
    REQUIRE_MESSAGE(again, (again ? "" : again.err().message()));
    CHECK(coordinator.ends() == std::vector<bool>{true, true});
    CHECK(p->producer_epoch() == epoch + 1);
    CHECK(p->transaction() == kcoro::transaction_phase::ready);
    // And the next transaction goes through as well.
    REQUIRE(p->begin_transaction());
    REQUIRE(run_call(loop, group_id_offsets_it(p.get(), three_offsets(), "g")));
    REQUIRE(run_call(loop, commit_it(p.get())));
    CHECK(p->producer_epoch() == epoch + 2);
    CHECK(coordinator.connections() == connections);
    CHECK(coordinator.client_closes() == 0);
    CHECK(close_and_wait(loop, *p));
}

TEST_CASE("close() during send_offsets_to_transaction waits for it within its timeout, then aborts the transaction") {
    SUBCASE("the offsets are answered within close()'s timeout: aborted, close() is ok") {
        manual_loop loop;
        fake_coordinator coordinator(loop);
        auto p = in_transaction(loop);
        coordinator.delay_next(kcoro::txn_offset_commit_request::api_key, 3s);
        const auto started = loop.now();
        auto sent = spawn(loop, group_id_offsets_it(p.get(), three_offsets(), "g"));
        loop.advance(1s);
        REQUIRE_FALSE(sent->done());
        auto closed = close_and_wait(loop, *p, 10s);
        CHECK_MESSAGE(closed, (closed ? "" : closed.err().message()));
        REQUIRE(sent->done());
        CHECK_MESSAGE(*sent->value, (*sent->value ? "" : sent->value->err().message()));
        CHECK(coordinator.ends() == std::vector<bool>{false});  // the transaction, with the group in it, aborted
        CHECK(loop.now() - started < 3s + 100ms);
    }
    SUBCASE("close()'s timeout passes first: no abort, and close() says why") {
        manual_loop loop;
        fake_coordinator coordinator(loop);
        auto p = in_transaction(loop);
        coordinator.delay_next(kcoro::txn_offset_commit_request::api_key, 8s);
        auto sent = spawn(loop, group_id_offsets_it(p.get(), three_offsets(), "g"));
        loop.advance(1s);
        const auto closing = loop.now();
        auto closed = close_and_wait(loop, *p, 2s);
        CHECK(loop.now() - closing <= 2s + 100ms);
        REQUIRE_FALSE(closed);
        CHECK(closed.err() == errc::timed_out);
        CHECK_MESSAGE(contains(closed.err().message(), "send_offsets_to_transaction() was still in flight"), closed.err().message());
        CHECK(coordinator.ends().empty());
        REQUIRE(sent->done());
        CHECK(sent->value->err() == errc::producer_closed);
    }
}

#endif  // KCORO_TEST_SINGLE_HEADER

}  // namespace producer_engine_test
