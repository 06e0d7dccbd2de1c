// A serializer that may refuse a value (serialize() returns kcoro::result<void>): the record it
// refuses fails alone, with the serializer's error, under each way of sending; its neighbours are
// delivered, nothing of it reaches a batch, and the partitioner never hears of it.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/fake_broker.hpp"
#include "../support/manual_runtime.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace serde_fallible_test {

using namespace std::chrono_literals;
using kcoro::errc;
using kcoro_test::fake_broker;
using kcoro_test::manual_loop;
using kcoro_test::manual_runtime;
using kcoro_test::spawn;

// Refuses any value that starts with "bad", after writing part of it, as an encoder that finds
// the fault half-way through a value does.
struct picky_serializer {
    template <kcoro::byte_sink Sink>
    kcoro::result<void> serialize(std::string_view v, Sink& out) const {
        out.write(v.data(), v.size() / 2);
        if (v.starts_with("bad")) return kcoro::error(errc::serialization_failed, "field \"note\": \"" + std::string(v) + "\" is refused");
        out.write(v.data() + v.size() / 2, v.size() - v.size() / 2);
        return {};
    }
};
static_assert(kcoro::fallible_serializer_for<picky_serializer, std::string_view>);
static_assert(!kcoro::fallible_serializer_for<kcoro::string_serializer, std::string_view>);
static_assert(kcoro::serializer_for<picky_serializer, std::string_view>);

// Counts what it is asked, to show a refused record never reaches it.
struct counting_partitioner {
    int* asked = nullptr;
    std::int32_t partition(const kcoro::partition_context&) {
        ++*asked;
        return 0;
    }
    void on_new_batch(std::string_view, std::int32_t) {}
    void on_append(std::string_view, std::int32_t, std::size_t) {}
};

using picky_producer = kcoro::basic_producer<manual_runtime, std::string_view, std::string_view, counting_partitioner,
                                             picky_serializer, picky_serializer>;

std::unique_ptr<picky_producer> make_producer(manual_loop& loop, int* asked) {
    kcoro::producer_config cfg;
    cfg.bootstrap_servers = "127.0.0.1:9092";
    cfg.linger = 0ms;
    auto p = picky_producer::create(manual_runtime(loop), std::move(cfg), {}, {}, counting_partitioner{asked});
    REQUIRE_MESSAGE(p, (p ? "" : p.err().message()));
    return std::move(*p);
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

void check_refusal(const kcoro::error& e, std::string_view part) {
    CHECK(e == errc::serialization_failed);
    CHECK_MESSAGE(contains(e.message(), "the " + std::string(part) + " serializer refused a record for topic 't'"), e.message());
    CHECK_MESSAGE(contains(e.message(), "field \"note\""), e.message());
}

kcoro::task<kcoro::delivery_result> send_delivery(picky_producer* p, std::string_view value) {
    co_return co_await p->send({.topic = "t", .value = value});
}
kcoro::task<kcoro::result<void>> send_callback(picky_producer* p, std::string_view value,
                                               std::map<std::string, kcoro::delivery_result>* called) {
    auto cb = [called, value](kcoro::delivery_result&& r) { called->emplace(std::string(value), std::move(r)); };
    co_return co_await p->send({.topic = "t", .value = value}, cb);
}
kcoro::task<kcoro::result<kcoro::delivery_result>> send_handle(picky_producer* p, std::string_view value) {
    auto h = co_await p->enqueue({.topic = "t", .value = value});
    if (!h) co_return std::move(h).err();
    co_return co_await *h;
}
kcoro::task<kcoro::result<void>> send_forget(picky_producer* p, std::string_view value) {
    co_return co_await p->send_and_forget({.topic = "t", .value = value});
}
kcoro::task<kcoro::delivery_result> send_keyed(picky_producer* p, std::string_view key) {
    co_return co_await p->send({.topic = "t", .key = key, .value = "v"});
}
kcoro::task<void> flush_it(picky_producer* p) { co_await p->flush(); }

struct fixture {
    manual_loop loop;
    fake_broker broker{loop};
    int asked = 0;
    std::unique_ptr<picky_producer> p;

    fixture() {
        broker.create_topic("t", 1);
        p = make_producer(loop, &asked);
        // Metadata first, so that try_send is not refused for want of it.
        auto w = spawn(loop, p->wait_for_metadata({"t"}, 10s));
        REQUIRE(loop.run_until([&] { return w->done(); }, 10s));
        REQUIRE(*w->value);
    }
    void flush() {
        auto f = spawn(loop, flush_it(p.get()));
        REQUIRE(loop.run_until([&] { return f->done(); }, 10s));
    }
    std::vector<std::string> values() const {
        std::vector<std::string> out;
        for (const auto& r : broker.log("t", 0)) out.push_back(r.value.value_or("<null>"));
        return out;
    }
    void check_neighbours_delivered() {
        flush();
        CHECK(values() == std::vector<std::string>{"good-1", "good-2"});
        CHECK(asked == 2);
        CHECK(p->stats().records_enqueued == 2);
    }
};

bool succeeded(const kcoro::delivery_result& r) { return static_cast<bool>(r); }
bool succeeded(const kcoro::result<void>& r) { return static_cast<bool>(r); }
bool succeeded(const kcoro::result<kcoro::delivery_result>& r) { return r && *r; }

// Sends good-1, bad-value, good-2 with `send` (a coroutine of one send style) and checks that the
// middle one alone fails with the serializer's refusal and the others are delivered.
template <class Send>
void check_refused_alone(fixture& f, Send send) {
    auto a = spawn(f.loop, send(f.p.get(), "good-1"));
    auto b = spawn(f.loop, send(f.p.get(), "bad-value"));
    auto c = spawn(f.loop, send(f.p.get(), "good-2"));
    REQUIRE(f.loop.run_until([&] { return a->done() && b->done() && c->done(); }, 10s));
    CHECK(succeeded(*a->value));
    CHECK(succeeded(*c->value));
    REQUIRE(!*b->value);
    check_refusal(b->value->err(), "value");
    f.check_neighbours_delivered();
}

TEST_CASE("serde_fallible_test: a refused value fails that record alone under co_await send(rec)") {
    fixture f;
    check_refused_alone(f, send_delivery);
}

TEST_CASE("serde_fallible_test: a refused value fails that record alone under send(rec, callback)") {
    fixture f;
    std::map<std::string, kcoro::delivery_result> called;
    check_refused_alone(f, [&](picky_producer* p, std::string_view v) { return send_callback(p, v, &called); });
    REQUIRE(f.loop.run_until([&] { return called.size() >= 2; }, 10s));
    CHECK(called.size() == 2);  // the refusal is the co_await's answer; the callback is never called for it
    CHECK(called.at("good-1"));
    CHECK(called.at("good-2"));
}

TEST_CASE("serde_fallible_test: a refused value fails that record alone under enqueue(rec)") {
    fixture f;
    check_refused_alone(f, send_handle);
}

TEST_CASE("serde_fallible_test: a refused value fails that record alone under send_and_forget(rec)") {
    fixture f;
    check_refused_alone(f, send_forget);
}

TEST_CASE("serde_fallible_test: a refused value fails that record alone under try_send(rec)") {
    fixture f;
    CHECK(f.p->try_send({.topic = "t", .value = "good-1"}));
    auto refused = f.p->try_send({.topic = "t", .value = "bad-value"});
    REQUIRE(!refused);
    check_refusal(refused.err(), "value");
    CHECK(f.p->try_send({.topic = "t", .value = "good-2"}));
    f.check_neighbours_delivered();
}

TEST_CASE("serde_fallible_test: a refused key fails that record alone, before the partitioner is asked") {
    fixture f;
    auto a = spawn(f.loop, send_keyed(f.p.get(), "good-key"));
    auto b = spawn(f.loop, send_keyed(f.p.get(), "bad-key"));
    REQUIRE(f.loop.run_until([&] { return a->done() && b->done(); }, 10s));
    CHECK(*a->value);
    REQUIRE(!*b->value);
    CHECK(b->value->err() == errc::serialization_failed);
    CHECK_MESSAGE(contains(b->value->err().message(), "the key serializer refused a record for topic 't'"), b->value->err().message());
    f.flush();
    REQUIRE(f.broker.log("t", 0).size() == 1);
    CHECK(f.broker.log("t", 0)[0].key == "good-key");
    CHECK(f.asked == 1);
}

}  // namespace serde_fallible_test
