// The README's idiom, `co_await p.send({.topic = t, .key = k, .value = v})`, with a key and value
// that own memory (std::string, a user struct) in every sending style, against the real broker
// and read back by kcat. Under g++ 12 this was a double free while the record held copies (GCC
// bugs 100611, 101367, 101976); a record of views leaves the objects to the caller.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace braced_records_it {

using namespace std::chrono_literals;

struct order {
    std::int64_t id = 0;
    std::string item;
};

}  // namespace braced_records_it

// As JSON text, so that kcat prints it as it is.
template <>
struct kcoro::default_serializer<braced_records_it::order> {
    template <kcoro::byte_sink S>
    void serialize(const braced_records_it::order& o, S& out) const {
        const std::string text = "{\"id\":" + std::to_string(o.id) + ",\"item\":\"" + o.item + "\"}";
        out.write(text.data(), text.size());
    }
};

namespace braced_records_it {

struct sent {
    std::string key;
    std::string value;
};

// Sends one record in each style, every record built as a braced temporary inside the call.
template <class Value>
kcoro::task<int> every_style(kcoro::producer<std::string, Value>& p, std::string topic, std::vector<std::string> keys,
                             std::vector<Value> values) {
    int failures = 0;
    auto awaited = co_await p.send({.topic = topic, .key = keys[0], .value = values[0]});
    if (!awaited) ++failures;
    int called_back = 0;
    auto queued = co_await p.send({.topic = topic, .key = keys[1], .value = values[1]},
                                  [&called_back, &failures](kcoro::delivery_result r) { r ? ++called_back : ++failures; });
    if (!queued) ++failures;
    auto handle = co_await p.enqueue({.topic = topic, .key = keys[2], .value = values[2]});
    if (!handle) ++failures;
    auto forgotten = co_await p.send_and_forget({.topic = topic, .key = keys[3], .value = values[3]});
    if (!forgotten) ++failures;
    // The topic's metadata arrived with the first send, so try_send is not refused for want of it.
    auto tried = p.try_send({.topic = topic, .key = keys[4], .value = values[4]});
    if (!tried) ++failures;
    if (handle) {
        auto delivered = co_await *handle;
        if (!delivered) ++failures;
    }
    co_await p.flush();
    if (called_back != 1) ++failures;
    auto closed = co_await p.close(10s);
    if (!closed) ++failures;
    co_return failures;
}

void check_read_back(const std::string& topic, std::vector<sent> expected) {
    auto got = kcoro_it::read_back_with_kcat(topic);
    std::vector<sent> seen;
    for (const auto& r : got) seen.push_back({r.key.value_or("<null>"), r.value.value_or("<null>")});
    const auto by_key = [](const sent& a, const sent& b) { return a.key < b.key; };
    std::sort(seen.begin(), seen.end(), by_key);
    std::sort(expected.begin(), expected.end(), by_key);
    REQUIRE(seen.size() == expected.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
        CHECK(seen[i].key == expected[i].key);
        CHECK(seen[i].value == expected[i].value);
    }
}

TEST_CASE("braced records: std::string keys and values in every sending style reach the broker intact") {
    const std::string topic = kcoro_it::unique_topic("braced-strings");
    kcoro_it::create_topic(topic, 3);
    std::vector<std::string> keys, values;
    std::vector<sent> expected;
    for (int i = 0; i < 5; ++i) {
        keys.push_back("a key longer than the small-string buffer #" + std::to_string(i));
        values.push_back("a value longer than the small-string buffer #" + std::to_string(i));
        expected.push_back({keys.back(), values.back()});
    }
    kcoro::event_loop loop;
    auto p = kcoro::make_producer<std::string, std::string>(loop, {.bootstrap_servers = kcoro_it::bootstrap()});
    REQUIRE(p);
    CHECK(kcoro::run_until_complete(loop, every_style(**p, topic, keys, values)) == 0);
    check_read_back(topic, expected);
}

TEST_CASE("braced records: a user struct holding a std::string, in every sending style, reaches the broker intact") {
    const std::string topic = kcoro_it::unique_topic("braced-structs");
    kcoro_it::create_topic(topic, 3);
    std::vector<std::string> keys;
    std::vector<order> values;
    std::vector<sent> expected;
    for (int i = 0; i < 5; ++i) {
        keys.push_back("order-" + std::to_string(i) + " with a key longer than the small-string buffer");
        values.push_back({1000 + i, "an item longer than the small-string buffer #" + std::to_string(i)});
        expected.push_back({keys.back(), "{\"id\":" + std::to_string(1000 + i) + ",\"item\":\"" + values.back().item + "\"}"});
    }
    kcoro::event_loop loop;
    auto p = kcoro::make_producer<std::string, order>(loop, {.bootstrap_servers = kcoro_it::bootstrap()});
    REQUIRE(p);
    CHECK(kcoro::run_until_complete(loop, every_style(**p, topic, keys, values)) == 0);
    check_read_back(topic, expected);
}

}  // namespace braced_records_it
