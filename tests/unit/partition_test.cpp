// Partitioners: murmur2 against Kafka's own vectors and a reference written here, CRC-32 (IEEE),
// and the behaviour of the sticky, uniform sticky (KIP-794), random and round-robin policies.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace partition_test {

kcoro::bytes_view key_of(std::string_view s) { return kcoro::as_bytes(s); }

// Utils.murmur2 transcribed from Java: int arithmetic, >>> as unsigned shifts.
std::int32_t murmur2_reference(const std::vector<std::uint8_t>& data) {
    const std::uint32_t m = 0x5bd1e995u;
    const int length = static_cast<int>(data.size());
    std::uint32_t h = 0x9747b28cu ^ static_cast<std::uint32_t>(length);
    const int length4 = length / 4;
    for (int i = 0; i < length4; i++) {
        const int i4 = i * 4;
        std::uint32_t k = (data[static_cast<std::size_t>(i4 + 0)] & 0xffu) + ((data[static_cast<std::size_t>(i4 + 1)] & 0xffu) << 8) +
                          ((data[static_cast<std::size_t>(i4 + 2)] & 0xffu) << 16) + ((data[static_cast<std::size_t>(i4 + 3)] & 0xffu) << 24);
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    const std::size_t tail = static_cast<std::size_t>(length & ~3);
    switch (length % 4) {
        case 3: h ^= static_cast<std::uint32_t>(data[tail + 2] & 0xff) << 16; [[fallthrough]];
        case 2: h ^= static_cast<std::uint32_t>(data[tail + 1] & 0xff) << 8; [[fallthrough]];
        case 1:
            h ^= data[tail] & 0xffu;
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<std::int32_t>(h);
}

kcoro::partition_context keyless(std::string_view topic, std::int32_t count, std::span<const std::int32_t> available,
                                 std::size_t batch_size = 1000, std::span<const std::size_t> queues = {}) {
    kcoro::partition_context ctx;
    ctx.topic = topic;
    ctx.key = std::nullopt;
    ctx.partition_count = count;
    ctx.available_partitions = available;
    ctx.queue_sizes = queues;
    ctx.batch_size = batch_size;
    return ctx;
}

TEST_CASE("partition_test: murmur2 matches Kafka's vectors") {
    CHECK(kcoro::murmur2(key_of("21")) == -973932308);
    CHECK(kcoro::murmur2(key_of("foobar")) == -790332482);
    CHECK(kcoro::murmur2(key_of("a-little-bit-long-string")) == -985981536);
    CHECK(kcoro::murmur2(key_of("a-little-bit-longer-string")) == -1486304829);
    CHECK(kcoro::murmur2(key_of("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")) == -58897971);
    const kcoro::byte abc[] = {'a', 'b', 'c'};
    CHECK(kcoro::murmur2(abc) == 479470107);
    // Usable at compile time.
    static constexpr kcoro::byte abc_c[] = {'a', 'b', 'c'};
    static_assert(kcoro::murmur2(abc_c, 3) == 479470107);
    // The reference agrees with the same vectors, so it can judge random keys.
    CHECK(murmur2_reference({'2', '1'}) == -973932308);
    CHECK(murmur2_reference({'a', 'b', 'c'}) == 479470107);
}

TEST_CASE("partition_test: murmur2 and its partition agree with the reference on random keys of every tail length") {
    std::mt19937 rng(7);
    for (int len = 0; len < 40; ++len)
        for (int rep = 0; rep < 20; ++rep) {
            std::vector<std::uint8_t> k(static_cast<std::size_t>(len));
            for (auto& b : k) b = static_cast<std::uint8_t>(rng());
            const auto h = murmur2_reference(k);
            CHECK(kcoro::murmur2(kcoro::bytes_view(k.data(), k.size())) == h);
            for (std::int32_t n : {1, 3, 7, 100}) {
                const auto expected = static_cast<std::int32_t>((static_cast<std::uint32_t>(h) & 0x7fffffffu) % static_cast<std::uint32_t>(n));
                CHECK(kcoro::murmur2_partition(kcoro::bytes_view(k.data(), k.size()), n) == expected);
            }
        }
    // A key whose hash is negative: the sign bit is masked, not negated.
    CHECK(kcoro::murmur2_partition(key_of("21"), 10) == ((-973932308 & 0x7fffffff) % 10));
}

TEST_CASE("partition_test: crc32_ieee and the consistent partitioner") {
    CHECK(kcoro::crc32_ieee(key_of("123456789")) == 0xCBF43926u);
    CHECK(kcoro::crc32_ieee({}) == 0u);
    CHECK(kcoro::crc32_ieee(key_of("The quick brown fox jumps over the lazy dog")) == 0x414FA339u);
    kcoro::crc32_partitioner p;
    kcoro::partition_context ctx;
    ctx.topic = "t";
    ctx.partition_count = 7;
    ctx.key = key_of("123456789");
    CHECK(p.partition(ctx) == static_cast<std::int32_t>(0xCBF43926u % 7));
    ctx.key = std::nullopt;  // hashes like an empty key
    CHECK(p.partition(ctx) == 0);
}

TEST_CASE("partition_test: keyed records go where the Java client puts them, whatever the policy") {
    const std::array<std::int32_t, 3> avail{0, 1, 2};
    kcoro::murmur2_partitioner def(1);
    kcoro::murmur2_random_partitioner rnd(2);
    kcoro::sticky_partitioner sticky(3);
    for (std::string_view k : {"21", "foobar", "a-little-bit-long-string", "order-17"}) {
        auto ctx = keyless("t", 12, avail);
        ctx.key = key_of(k);
        const auto expected = kcoro::murmur2_partition(key_of(k), 12);
        for (int i = 0; i < 3; ++i) {
            CHECK(def.partition(ctx) == expected);
            CHECK(rnd.partition(ctx) == expected);
            CHECK(sticky.partition(ctx) == expected);
        }
    }
}

TEST_CASE("partition_test: uniform sticky stays on one partition until batch_size bytes went to it") {
    const std::array<std::int32_t, 8> avail{0, 1, 2, 3, 4, 5, 6, 7};
    kcoro::uniform_sticky_partitioner p(42, false);
    const auto ctx = keyless("t", 8, avail, 1000);
    std::vector<std::int32_t> seq;
    for (int i = 0; i < 5000; ++i) {
        const auto part = p.partition(ctx);
        REQUIRE(part >= 0);
        REQUIRE(part < 8);
        seq.push_back(part);
        p.on_append("t", part, 100);  // ten records fill batch_size
    }
    int switches = 0;
    for (std::size_t i = 1; i < seq.size(); ++i)
        if (seq[i] != seq[i - 1]) {
            ++switches;
            INFO("switch at record " << i);
            CHECK(i % 10 == 0);  // only once 1000 bytes went to the current partition
        }
    CHECK(switches > 300);  // 500 choices among 8: most of them move
    // Bytes counted against another partition do not move the choice.
    kcoro::uniform_sticky_partitioner q(42, false);
    const auto first = q.partition(ctx);
    for (int i = 0; i < 100; ++i) {
        q.on_append("t", (first + 1) % 8, 1000);
        CHECK(q.partition(ctx) == first);
    }
    // Topics are independent: filling one does not move the other.
    kcoro::uniform_sticky_partitioner r(5, false);
    const auto a = r.partition(keyless("a", 8, avail));
    const auto b = r.partition(keyless("b", 8, avail));
    for (int i = 0; i < 50; ++i) r.on_append("a", a, 1000);
    CHECK(r.partition(keyless("b", 8, avail)) == b);
}

TEST_CASE("partition_test: uniform sticky spreads over all available partitions over time") {
    const std::array<std::int32_t, 8> avail{0, 1, 2, 3, 4, 5, 6, 7};
    kcoro::uniform_sticky_partitioner p(99, false);
    const auto ctx = keyless("t", 8, avail, 100);
    std::map<std::int32_t, int> hits;
    for (int i = 0; i < 8000; ++i) {
        const auto part = p.partition(ctx);
        ++hits[part];
        p.on_append("t", part, 100);  // every record fills the batch: a fresh choice each time
    }
    REQUIRE(hits.size() == 8);
    for (auto [part, n] : hits) {
        INFO("partition " << part << ": " << n);
        CHECK(n > 800);  // expected 1000 each
        CHECK(n < 1200);
    }
    // Only partitions with a leader are chosen.
    const std::array<std::int32_t, 2> some{2, 5};
    kcoro::uniform_sticky_partitioner q(3, false);
    const auto c2 = keyless("t", 8, some, 100);
    std::map<std::int32_t, int> hits2;
    for (int i = 0; i < 1000; ++i) {
        const auto part = q.partition(c2);
        ++hits2[part];
        q.on_append("t", part, 100);
    }
    REQUIRE(hits2.size() == 2);
    CHECK(hits2[2] > 400);
    CHECK(hits2[5] > 400);
}

TEST_CASE("partition_test: adaptive uniform sticky prefers partitions with shorter queues") {
    const std::array<std::int32_t, 4> avail{0, 1, 2, 3};
    const std::array<std::size_t, 4> queues{0, 500, 1000, 1000};
    auto run = [&](bool adaptive) {
        kcoro::uniform_sticky_partitioner p(1234, adaptive);
        const auto ctx = keyless("t", 4, avail, 100, queues);
        std::array<int, 4> hits{};
        for (int i = 0; i < 10000; ++i) {
            const auto part = p.partition(ctx);
            ++hits[static_cast<std::size_t>(part)];
            p.on_append("t", part, 100);
        }
        return hits;
    };
    const auto adaptive = run(true);
    // Weights max+1-queue: 1001, 501, 1, 1 of 1504.
    INFO("adaptive " << adaptive[0] << " " << adaptive[1] << " " << adaptive[2] << " " << adaptive[3]);
    CHECK(adaptive[0] > 6200);  // expected 6656
    CHECK(adaptive[0] < 7100);
    CHECK(adaptive[1] > 3000);  // expected 3331
    CHECK(adaptive[1] < 3700);
    CHECK(adaptive[2] < 50);  // expected 7
    CHECK(adaptive[3] < 50);
    const auto uniform = run(false);
    INFO("uniform " << uniform[0] << " " << uniform[1] << " " << uniform[2] << " " << uniform[3]);
    for (int n : uniform) {
        CHECK(n > 2200);
        CHECK(n < 2800);
    }
}

TEST_CASE("partition_test: sticky partitioner switches only on on_new_batch") {
    const std::array<std::int32_t, 6> avail{0, 1, 2, 3, 4, 5};
    kcoro::sticky_partitioner p(17);
    const auto ctx = keyless("t", 6, avail);
    auto current = p.partition(ctx);
    int moved = 0;
    std::map<std::int32_t, int> seen;
    for (int batch = 0; batch < 600; ++batch) {
        // Many records and appends: no movement.
        for (int i = 0; i < 20; ++i) {
            CHECK(p.partition(ctx) == current);
            p.on_append("t", current, 100000);
        }
        // Closing another partition's batch changes nothing.
        p.on_new_batch("t", (current + 1) % 6);
        CHECK(p.partition(ctx) == current);
        p.on_new_batch("other-topic", current);
        CHECK(p.partition(ctx) == current);
        // Closing the current one picks again.
        p.on_new_batch("t", current);
        const auto next = p.partition(ctx);
        if (next != current) ++moved;
        ++seen[next];
        current = next;
    }
    CHECK(moved > 400);  // 5 in 6 choices move
    CHECK(seen.size() == 6);
}

TEST_CASE("partition_test: round robin cycles per topic, keyed or not") {
    kcoro::round_robin_partitioner p;
    auto a = keyless("a", 3, {});
    auto b = keyless("b", 5, {});
    const std::int32_t expect_a[] = {0, 1, 2, 0, 1, 2, 0};
    CHECK(p.partition(b) == 0);
    for (auto e : expect_a) {
        CHECK(p.partition(a) == e);
        a.key = key_of("same-key");  // keys do not matter
    }
    CHECK(p.partition(b) == 1);
    CHECK(p.partition(b) == 2);
    // The partition count shrinking keeps the result in range.
    b.partition_count = 2;
    for (int i = 0; i < 10; ++i) {
        const auto x = p.partition(b);
        CHECK(x >= 0);
        CHECK(x < 2);
    }
}

TEST_CASE("partition_test: random choices for null keys stay among available partitions") {
    const std::array<std::int32_t, 3> avail{1, 4, 6};
    kcoro::murmur2_random_partitioner mr(11);
    kcoro::consistent_random_partitioner cr(12);
    std::map<std::int32_t, int> a, b;
    for (int i = 0; i < 3000; ++i) {
        ++a[mr.partition(keyless("t", 8, avail))];
        ++b[cr.partition(keyless("t", 8, avail))];
    }
    for (const auto* m : {&a, &b}) {
        REQUIRE(m->size() == 3);
        for (auto [part, n] : *m) {
            CHECK((part == 1 || part == 4 || part == 6));
            CHECK(n > 850);
            CHECK(n < 1150);
        }
    }
    // consistent_random: a non-empty key hashes by CRC-32; an empty one is random.
    auto keyed = keyless("t", 8, avail);
    keyed.key = key_of("123456789");
    CHECK(cr.partition(keyed) == static_cast<std::int32_t>(0xCBF43926u % 8));
}

}  // namespace partition_test
