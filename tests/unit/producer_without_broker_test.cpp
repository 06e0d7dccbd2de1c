// The producer's front, where no broker is needed.
//
// A producer_record is views of the caller's key and value, so that the README's idiom
// `co_await p.send({.topic = t, .key = k, .value = v})` is safe with keys and values that own
// memory: g++ 12 destroys the members of a braced temporary inside co_await twice (GCC bugs
// 100611, 101367, 101976), which made that line a double free while the record held copies. A
// send's outcome does not matter there, only that every object the braced record names is made
// and destroyed once; scripts/test runs this under g++ 12 with ASan+UBSan too.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace producer_without_broker_test {

using namespace std::chrono_literals;

// A user struct that owns memory, counting what is made and destroyed. Strings are longer than
// the small-string buffer, so that a second destruction frees the heap twice.
struct order {
    static inline int made = 0;
    static inline int destroyed = 0;

    std::int64_t id = 0;
    std::string item;

    order(std::int64_t i, std::string s) : id(i), item(std::move(s)) { ++made; }
    order(const order& o) : id(o.id), item(o.item) { ++made; }
    order& operator=(const order&) = default;
    ~order() { ++destroyed; }
};

}  // namespace producer_without_broker_test

template <>
struct kcoro::default_serializer<producer_without_broker_test::order> {
    template <kcoro::byte_sink S>
    void serialize(const producer_without_broker_test::order& o, S& out) const {
        kcoro::int64_serializer{}.serialize(o.id, out);
        out.write(o.item.data(), o.item.size());
    }
};

namespace producer_without_broker_test {

static_assert(std::is_trivially_destructible_v<kcoro::producer_record<std::string, order>>);
static_assert(std::is_trivially_copyable_v<kcoro::producer_record<std::string, order>>);
static_assert(std::is_trivially_destructible_v<kcoro::producer_record<std::string_view, std::string_view>>);

TEST_CASE("producer_record: a key or value that owns memory is referred to, a trivially copyable one copied") {
    const std::string key = "a key longer than the small-string buffer";
    const order o{7, "an item longer than the small-string buffer"};
    const kcoro::producer_record<std::string, order> rec{.topic = "t", .key = key, .value = o};
    REQUIRE(rec.key.has_value());
    CHECK(&*rec.key == &key);
    CHECK(&*rec.value == &o);
    CHECK(rec.value->id == 7);

    std::int64_t id = 42;
    const kcoro::producer_record<std::int64_t, std::string_view> copied{.topic = "t", .key = id, .value = key};
    id = 43;
    CHECK(*copied.key == 42);
    CHECK(*copied.value == key);
    CHECK(copied.value->data() == key.data());  // a view: the characters are the caller's

    const kcoro::producer_record<std::string, order> empty{.topic = "t"};
    CHECK_FALSE(empty.key.has_value());
    CHECK_FALSE(empty.value);
    const kcoro::producer_record<std::string_view, std::string_view> tombstone{.topic = "t", .key = "k", .value = std::nullopt};
    CHECK(*tombstone.key == "k");
    CHECK_FALSE(tombstone.value.has_value());
}

// Nothing listens on port 1 and max_block is short: every send fails soon, after the braced
// record has been built, awaited and destroyed, which is what this test is about.
kcoro::producer_config unreachable() {
    return {.bootstrap_servers = "127.0.0.1:1", .max_block = 20ms};
}

struct outcomes {
    int failed = 0;
    int attempted = 0;
    void count(bool ok) {
        ++attempted;
        if (!ok) ++failed;
    }
};

// Every sending style, each with the braced idiom straight in the co_await.
template <class Producer, class Key, class Value>
kcoro::task<outcomes> every_style(Producer& p, const Key& key, const Value& value) {
    outcomes o;
    auto awaited = co_await p.send({.topic = "braced", .key = key, .value = value});
    o.count(static_cast<bool>(awaited));
    int called_back = 0;
    auto queued = co_await p.send({.topic = "braced", .key = key, .value = value},
                                  [&called_back](kcoro::delivery_result) { ++called_back; });
    o.count(static_cast<bool>(queued));
    auto handle = co_await p.enqueue({.topic = "braced", .key = key, .value = value});
    o.count(static_cast<bool>(handle));
    auto forgotten = co_await p.send_and_forget({.topic = "braced", .key = key, .value = value});
    o.count(static_cast<bool>(forgotten));
    auto tried = p.try_send({.topic = "braced", .key = key, .value = value});
    o.count(static_cast<bool>(tried));
    (void)co_await p.close(1s);
    co_return o;
}

template <class Key, class Value>
outcomes run_every_style(const Key& key, const Value& value) {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer<Key, Value>(loop, unreachable());
    REQUIRE(p);
    return kcoro::run_until_complete(loop, every_style(**p, key, value));
}

TEST_CASE("producer_record: the braced idiom in every sending style with owning keys, values and user structs") {
    const std::string key = "order-key-longer-than-the-small-string-buffer";
    const std::string value = "{\"a value\": \"longer than the small-string buffer\"}";
    order::made = order::destroyed = 0;
    {
        const order o{42, "an item longer than the small-string buffer"};

        auto strings = run_every_style<std::string, std::string>(key, value);
        CHECK(strings.attempted == 5);
        CHECK(strings.failed == 5);  // no broker: each style reports the failure it had

        auto structs = run_every_style<std::string, order>(key, o);
        CHECK(structs.failed == 5);

        CHECK(order::made == 1);  // the record refers to o; nothing copied it
        CHECK(order::destroyed == 0);
        CHECK(key.size() == 45);  // the strings are whole
        CHECK(o.item == "an item longer than the small-string buffer");
    }
    CHECK(order::destroyed == 1);
}

TEST_CASE("wait_for_metadata gives up after its timeout, naming the topics still unknown") {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, unreachable());
    REQUIRE(p);
    CHECK_FALSE((*p)->has_metadata("orders"));
    std::vector<std::string> names = {"orders", "events"};
    const std::vector<std::string_view> topics(names.begin(), names.end());
    auto pending = (*p)->wait_for_metadata(topics, 200ms);
    names.assign(2, std::string(64, 'x'));  // the names were copied by the call
    const auto start = std::chrono::steady_clock::now();
    auto r = kcoro::run_until_complete(loop, std::move(pending));
    CHECK(std::chrono::steady_clock::now() - start >= 150ms);
    REQUIRE_FALSE(r);
    CHECK(r.err() == kcoro::errc::timed_out);
    CHECK(r.err().detail() == "no metadata within 200 ms for 'orders', 'events'");
    CHECK(kcoro::run_until_complete(loop, (*p)->close(1s)));
}

}  // namespace producer_without_broker_test
