// What a user first reaches for beyond send(): policy objects handed to make_producer, a
// partitioner's wrong answer, metadata fetched before a game loop's first frame, and what
// try_send says when the buffer is full. Against the real broker, read back by kcat.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace producer_api_it {

using namespace std::chrono_literals;

// A value serializer with state: every value goes out behind its prefix.
struct prefixing_serializer {
    std::string prefix;
    template <kcoro::byte_sink S>
    void serialize(std::string_view v, S& out) const {
        out.write(prefix.data(), prefix.size());
        out.write(v.data(), v.size());
    }
};

// A partitioner with state: one partition for everything.
struct fixed_partitioner : kcoro::stateless_partitioner {
    explicit fixed_partitioner(std::int32_t p) : chosen(p) {}
    std::int32_t partition(const kcoro::partition_context&) const noexcept { return chosen; }
    std::int32_t chosen;
};

template <class Producer>
kcoro::task<std::vector<kcoro::delivery_result>> send_values(Producer& p, std::string topic, std::vector<std::string> values) {
    std::vector<kcoro::delivery_result> out;
    for (const std::string& v : values) out.push_back(co_await p.send({.topic = topic, .key = "k", .value = v}));
    (void)co_await p.close(10s);
    co_return out;
}

TEST_CASE("make_producer takes serializer and partitioner objects and uses those objects") {
    const std::string topic = kcoro_it::unique_topic("policy-objects");
    kcoro_it::create_topic(topic, 3);
    kcoro::event_loop loop;
    auto p = kcoro::make_producer<std::string_view, std::string_view>(
        loop, {.bootstrap_servers = kcoro_it::bootstrap()}, kcoro::string_serializer{}, prefixing_serializer{"v1:"},
        fixed_partitioner(2));
    REQUIRE(p);
    auto results = kcoro::run_until_complete(loop, send_values(**p, topic, {"a", "b", "c"}));
    for (auto& r : results) {
        REQUIRE_MESSAGE(r, r.err().message());
        CHECK(r->partition == 2);
    }
    auto got = kcoro_it::read_back_with_kcat(topic);
    REQUIRE(got.size() == 3);
    for (const auto& r : got) {
        CHECK(r.partition == 2);
        REQUIRE(r.value);
        CHECK(r.value->rfind("v1:", 0) == 0);
    }
}

TEST_CASE("a partitioner's answer outside the topic fails that record, naming the answer and the partition count") {
    const std::string topic = kcoro_it::unique_topic("bad-partitioner");
    kcoro_it::create_topic(topic, 3);
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap()}, fixed_partitioner(99));
    REQUIRE(p);
    auto results = kcoro::run_until_complete(loop, send_values(**p, topic, {"x"}));
    REQUIRE(results.size() == 1);
    REQUIRE_FALSE(results[0]);
    CHECK(results[0].err() == kcoro::errc::unknown_partition);
    const std::string message = results[0].err().message();
    CHECK(message.find("partitioner chose partition 99") != std::string::npos);
    CHECK(message.find("3 partitions") != std::string::npos);
    CHECK(kcoro_it::read_back_with_kcat(topic).empty());  // not quietly written to partition 0
}

TEST_CASE("a game loop warms up metadata before its first frame, and try_send takes frame 1's record") {
    const std::string topic = kcoro_it::unique_topic("warm-up");
    kcoro_it::create_topic(topic, 3);
    kcoro::event_loop loop;
    auto made = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .linger = 0ms});
    REQUIRE(made);
    auto& producer = **made;
    CHECK_FALSE(producer.has_metadata(topic));
    auto ready = kcoro::run_until_complete(loop, producer.wait_for_metadata({topic}, 30s));
    REQUIRE_MESSAGE(ready, ready.err().message());
    CHECK(producer.has_metadata(topic));

    int delivered = 0, failed = 0;
    for (int frame = 0; frame < 20; ++frame) {
        const std::string event = "frame-" + std::to_string(frame);
        auto r = producer.try_send({.topic = topic, .key = "player-1", .value = event},
                                   [&](kcoro::delivery_result d) { d ? ++delivered : ++failed; });
        REQUIRE_MESSAGE(r, "frame " << frame << ": " << r.err().message());
        (void)loop.poll();
    }
    auto closed = kcoro::run_until_complete(loop, producer.close(10s));
    CHECK(closed);
    CHECK(delivered == 20);
    CHECK(failed == 0);
    CHECK(kcoro_it::read_back_with_kcat(topic).size() == 20);
}

TEST_CASE("wait_for_metadata returns the broker's refusal of a topic at once, not after its timeout") {
    kcoro::event_loop loop;
    auto made = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap()});
    REQUIRE(made);
    const auto start = std::chrono::steady_clock::now();
    auto ready = kcoro::run_until_complete(loop, (*made)->wait_for_metadata({"not a valid topic name!"}, 60s));
    CHECK(std::chrono::steady_clock::now() - start < 30s);
    REQUIRE_FALSE(ready);
    CHECK(ready.err() == kcoro::errc::invalid_topic_exception);
    CHECK(ready.err().message().find("not a valid topic name!") != std::string::npos);
    CHECK(kcoro::run_until_complete(loop, (*made)->close(10s)));
}

TEST_CASE("try_send on a full buffer says that it does not wait, not that max_block passed") {
    const std::string topic = kcoro_it::unique_topic("try-send-full");
    kcoro_it::create_topic(topic, 3);
    kcoro::event_loop loop;
    // One batch's worth of buffer, and a linger long enough that nothing drains meanwhile.
    auto made = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .linger = 10000ms,
                                            .batch_size = 16384, .buffer_memory = 16384});
    REQUIRE(made);
    auto& producer = **made;
    REQUIRE(kcoro::run_until_complete(loop, producer.wait_for_metadata({topic}, 30s)));
    const std::string value(100, 'v');
    kcoro::result<void> r = kcoro::ok();
    int accepted = 0;
    while (accepted < 10000) {
        r = producer.try_send({.topic = topic, .value = value});
        if (!r) break;
        ++accepted;
    }
    REQUIRE_FALSE(r);
    CHECK(accepted > 0);
    CHECK(r.err() == kcoro::errc::buffer_exhausted);
    const std::string message = r.err().message();
    CHECK(message.find("try_send does not wait") != std::string::npos);
    CHECK(message.find("max_block") == std::string::npos);
    CHECK(kcoro::run_until_complete(loop, producer.close(10s)));
    CHECK(kcoro_it::read_back_with_kcat(topic).size() == static_cast<std::size_t>(accepted));
}

}  // namespace producer_api_it
