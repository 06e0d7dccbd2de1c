// A broker's led partitions without a runtime: the list holds the partitions it leads and no
// other, is made again only when the routing version moves, and drains rotate fairly over it.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace producer_led_partitions_test {

using kcoro::cluster_metadata;
using kcoro::led_partitions;
using kcoro::partition_leader;
using kcoro::record_accumulator;
using kcoro::topic_state;

struct cluster {
    kcoro::producer_config config;
    record_accumulator accumulator{config};
    cluster_metadata metadata;

    // A topic with one leader per partition, its queues sized to them.
    topic_state& topic(const std::string& name, std::vector<std::int32_t> leaders) {
        bool created = false;
        topic_state& ts = accumulator.topic(name, created);
        std::vector<partition_leader> parts;
        for (std::int32_t l : leaders) parts.push_back(partition_leader{.leader = l});
        record_accumulator::fit(ts, parts.size());
        metadata.update_topic(name, kcoro::errc::none, std::move(parts));
        return ts;
    }
};

using named = std::pair<std::string, std::int32_t>;

std::vector<named> listed(const led_partitions& led) {
    std::vector<named> out;
    for (const auto& e : led.entries()) out.emplace_back(e.topic->name, e.partition);
    return out;
}

// One drain in which a request holds `room` batches and every partition has one ready: what it took.
std::vector<std::int32_t> drain_with_room(led_partitions& led, std::size_t room) {
    std::vector<std::int32_t> taken;
    led.drain([&](const led_partitions::entry& e) {
        if (taken.size() == room) return led_partitions::visit::no_room;
        taken.push_back(e.partition);
        return led_partitions::visit::taken;
    });
    return taken;
}

TEST_CASE("a broker's list holds exactly the partitions it leads, in topic and partition order") {
    cluster c;
    c.topic("b", {1, 2, 1, -1});
    c.topic("a", {2, 1, 1});
    led_partitions led;
    CHECK_FALSE(led.current(0));
    led.rebuild(1, c.accumulator.topics(), c.metadata, 7);
    CHECK(led.current(7));
    CHECK_FALSE(led.current(8));
    CHECK(listed(led) == std::vector<named>{{"a", 1}, {"a", 2}, {"b", 0}, {"b", 2}});
    led.rebuild(2, c.accumulator.topics(), c.metadata, 7);
    CHECK(listed(led) == std::vector<named>{{"a", 0}, {"b", 1}});
    led.rebuild(3, c.accumulator.topics(), c.metadata, 7);
    CHECK(led.size() == 0);
}

TEST_CASE("partitions the metadata knows but the queues do not have yet, and topics without metadata, are not listed") {
    cluster c;
    topic_state& ts = c.topic("t", {1, 1});
    c.metadata.update_topic("t", kcoro::errc::none, {partition_leader{.leader = 1}, partition_leader{.leader = 1}, partition_leader{.leader = 1}});
    bool created = false;
    (void)c.accumulator.topic("no-metadata-yet", created);
    led_partitions led;
    led.rebuild(1, c.accumulator.topics(), c.metadata, 1);
    CHECK(listed(led) == std::vector<named>{{"t", 0}, {"t", 1}});
    record_accumulator::fit(ts, 3);  // the engine bumps the routing version when it does this
    led.rebuild(1, c.accumulator.topics(), c.metadata, 2);
    CHECK(listed(led) == std::vector<named>{{"t", 0}, {"t", 1}, {"t", 2}});
    CHECK(&led.entries()[2].state() == &ts.partitions[2]);
}

TEST_CASE("a drain offers each led partition once and nothing else") {
    cluster c;
    c.topic("t", {1, 2, 1, 2, 1});
    led_partitions led;
    led.rebuild(1, c.accumulator.topics(), c.metadata, 1);
    for (int round = 0; round < 4; ++round) {
        std::vector<std::int32_t> offered;
        led.drain([&](const led_partitions::entry& e) {
            offered.push_back(e.partition);
            return led_partitions::visit::passed;
        });
        std::sort(offered.begin(), offered.end());
        CHECK(offered == std::vector<std::int32_t>{0, 2, 4});
    }
    led_partitions none;
    int calls = 0;
    none.drain([&](const led_partitions::entry&) {
        ++calls;
        return led_partitions::visit::taken;
    });
    CHECK(calls == 0);
}

TEST_CASE("with more ready batches than a request holds, each drain starts at the partition the last one had no room for") {
    cluster c;
    c.topic("t", {1, 1, 1, 1, 1});
    led_partitions led;
    led.rebuild(1, c.accumulator.topics(), c.metadata, 1);
    CHECK(drain_with_room(led, 2) == std::vector<std::int32_t>{0, 1});
    CHECK(drain_with_room(led, 2) == std::vector<std::int32_t>{2, 3});
    CHECK(drain_with_room(led, 2) == std::vector<std::int32_t>{4, 0});
    CHECK(drain_with_room(led, 2) == std::vector<std::int32_t>{1, 2});
    // Over five drains of two, every partition went twice: none starved.
    std::vector<int> times(5, 0);
    led_partitions fresh;
    fresh.rebuild(1, c.accumulator.topics(), c.metadata, 1);
    for (int round = 0; round < 5; ++round)
        for (std::int32_t p : drain_with_room(fresh, 2)) ++times[static_cast<std::size_t>(p)];
    CHECK(times == std::vector<int>{2, 2, 2, 2, 2});
}

TEST_CASE("when everything fits, the next drain starts one partition further on") {
    cluster c;
    c.topic("t", {1, 1, 1});
    led_partitions led;
    led.rebuild(1, c.accumulator.topics(), c.metadata, 1);
    CHECK(drain_with_room(led, 10) == std::vector<std::int32_t>{0, 1, 2});
    CHECK(drain_with_room(led, 10) == std::vector<std::int32_t>{1, 2, 0});
    CHECK(drain_with_room(led, 10) == std::vector<std::int32_t>{2, 0, 1});
}

TEST_CASE("a partition found without room is first next time even when partitions after it were taken") {
    cluster c;
    c.topic("t", {1, 1, 1, 1});
    led_partitions led;
    led.rebuild(1, c.accumulator.topics(), c.metadata, 1);
    // Partition 1's batch is too large for what is left of the request; 2 and 3 are small and fit.
    std::vector<std::int32_t> first;
    led.drain([&](const led_partitions::entry& e) {
        if (e.partition == 1) return led_partitions::visit::no_room;
        first.push_back(e.partition);
        return led_partitions::visit::taken;
    });
    CHECK(first == std::vector<std::int32_t>{0, 2, 3});
    CHECK(drain_with_room(led, 1) == std::vector<std::int32_t>{1});
}

TEST_CASE("a shrinking list keeps the cursor inside it") {
    cluster c;
    c.topic("t", {1, 1, 1, 1});
    led_partitions led;
    led.rebuild(1, c.accumulator.topics(), c.metadata, 1);
    CHECK(drain_with_room(led, 3) == std::vector<std::int32_t>{0, 1, 2});  // next starts at 3
    c.metadata.update_topic("t", kcoro::errc::none, {partition_leader{.leader = 1}, partition_leader{.leader = 2},
                                                     partition_leader{.leader = 2}, partition_leader{.leader = 2}});
    led.rebuild(1, c.accumulator.topics(), c.metadata, 2);
    CHECK(drain_with_room(led, 3) == std::vector<std::int32_t>{0});
}

}  // namespace producer_led_partitions_test
