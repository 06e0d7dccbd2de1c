#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

TEST_CASE("murmur2 matches the vectors from Kafka's own tests") {
    CHECK(kcoro::murmur2(kcoro::as_bytes("21")) == -973932308);
    CHECK(kcoro::murmur2(kcoro::as_bytes("foobar")) == -790332482);
    CHECK(kcoro::murmur2(kcoro::as_bytes("a-little-bit-long-string")) == -985981536);
    CHECK(kcoro::murmur2(kcoro::as_bytes("a-little-bit-longer-string")) == -1486304829);
    CHECK(kcoro::murmur2(kcoro::as_bytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")) == -58897971);
    const kcoro::byte abc[] = {'a', 'b', 'c'};
    CHECK(kcoro::murmur2(abc) == 479470107);
    // The partition formula masks the sign bit; it is not % (n - 1).
    CHECK(kcoro::murmur2_partition(kcoro::as_bytes("foobar"), 6) == ((-790332482 & 0x7fffffff) % 6));
}

TEST_CASE("crc32 (IEEE) check value") { CHECK(kcoro::crc32_ieee(kcoro::as_bytes("123456789")) == 0xCBF43926u); }

TEST_CASE("uniform sticky stays on a partition for batch_size bytes, then moves, and spreads over time") {
    kcoro::uniform_sticky_partitioner p(42, false);
    const std::int32_t avail[] = {0, 1, 2, 3, 4, 5};
    kcoro::partition_context ctx{.topic = "t", .key = std::nullopt, .partition_count = 6, .available_partitions = avail,
                                 .queue_sizes = {}, .batch_size = 1000};
    const auto first = p.partition(ctx);
    for (int i = 0; i < 9; ++i) {
        CHECK(p.partition(ctx) == first);
        p.on_append("t", first, 100);
    }
    p.on_append("t", first, 100);  // 1000 bytes went to it: the next record may move
    std::set<std::int32_t> seen;
    for (int i = 0; i < 600; ++i) {
        const auto part = p.partition(ctx);
        seen.insert(part);
        p.on_append("t", part, 1000);
    }
    CHECK(seen.size() == 6);
}

TEST_CASE("adaptive uniform sticky prefers partitions with shorter queues") {
    kcoro::uniform_sticky_partitioner p(7, true);
    const std::int32_t avail[] = {0, 1};
    const std::size_t queues[] = {0, 1000000};
    kcoro::partition_context ctx{.topic = "t", .key = std::nullopt, .partition_count = 2, .available_partitions = avail,
                                 .queue_sizes = queues, .batch_size = 10};
    std::map<std::int32_t, int> count;
    for (int i = 0; i < 1000; ++i) {
        const auto part = p.partition(ctx);
        ++count[part];
        p.on_append("t", part, 10);
    }
    CHECK(count[0] > 950);
}

TEST_CASE("keyed records follow murmur2; sticky switches on a new batch; round robin cycles") {
    kcoro::murmur2_partitioner m;
    kcoro::partition_context keyed{.topic = "t", .key = kcoro::as_bytes("foobar"), .partition_count = 6};
    CHECK(m.partition(keyed) == kcoro::murmur2_partition(kcoro::as_bytes("foobar"), 6));

    kcoro::sticky_partitioner s(1);
    kcoro::partition_context unkeyed{.topic = "t", .key = std::nullopt, .partition_count = 1000};
    const auto a = s.partition(unkeyed);
    CHECK(s.partition(unkeyed) == a);
    s.on_new_batch("t", a);
    std::set<std::int32_t> after;
    for (int i = 0; i < 5; ++i) {
        const auto b = s.partition(unkeyed);
        after.insert(b);
        s.on_new_batch("t", b);
    }
    CHECK(after.size() > 1);

    kcoro::round_robin_partitioner rr;
    kcoro::partition_context three{.topic = "t", .key = std::nullopt, .partition_count = 3};
    CHECK(rr.partition(three) == 0);
    CHECK(rr.partition(three) == 1);
    CHECK(rr.partition(three) == 2);
    CHECK(rr.partition(three) == 0);
}

namespace {
struct point {
    std::int32_t x, y;
};
}  // namespace
template <>
struct kcoro::default_serializer<point> {
    template <kcoro::byte_sink S>
    void serialize(const point& p, S& out) const {
        kcoro::int32_serializer{}.serialize(p.x, out);
        kcoro::int32_serializer{}.serialize(p.y, out);
    }
};

TEST_CASE("serializers write Java's big-endian layouts, and user types plug in") {
    auto bytes = [](auto ser, auto v) {
        kcoro::byte_buffer b;
        kcoro::buffer_sink s{b};
        ser.serialize(v, s);
        return std::vector<kcoro::byte>(b.begin(), b.end());
    };
    CHECK(bytes(kcoro::int32_serializer{}, 1) == std::vector<kcoro::byte>{0, 0, 0, 1});
    CHECK(bytes(kcoro::int16_serializer{}, std::int16_t(-2)) == std::vector<kcoro::byte>{0xff, 0xfe});
    CHECK(bytes(kcoro::int64_serializer{}, std::int64_t(258)) == std::vector<kcoro::byte>{0, 0, 0, 0, 0, 0, 1, 2});
    CHECK(bytes(kcoro::double_serializer{}, 1.0) == std::vector<kcoro::byte>{0x3f, 0xf0, 0, 0, 0, 0, 0, 0});
    CHECK(bytes(kcoro::float_serializer{}, 1.0f) == std::vector<kcoro::byte>{0x3f, 0x80, 0, 0});
    CHECK(bytes(kcoro::string_serializer{}, std::string_view("hé")) == std::vector<kcoro::byte>{'h', 0xc3, 0xa9});
    CHECK(bytes(kcoro::default_serializer<point>{}, point{1, -1}) == std::vector<kcoro::byte>{0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff});
    static_assert(kcoro::serializer_for<kcoro::default_serializer<std::string>, std::string>);
    static_assert(!kcoro::serializer_for<kcoro::default_serializer<std::vector<int>>, std::vector<int>>);
}
