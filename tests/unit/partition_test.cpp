// Partitioners: murmur2 against Kafka's own vectors and a transcription of Utils.murmur2, CRC-32
// (IEEE), and the sticky (KIP-480), uniform sticky (KIP-794), random and round-robin policies driven
// through their hooks the way the producer drives them.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace {

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

}  // namespace

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


namespace {

// Plays the producer's part for the hooks: appends each record to its partition's open batch,
// reports the bytes, and closes a batch once it holds batch_size bytes.
template <class P>
struct accumulator_sim {
    P& p;
    std::string topic;
    std::size_t batch_size;
    std::map<std::int32_t, std::size_t> open;  // bytes in each partition's open batch
    std::map<std::int32_t, int> batches_closed;

    void append(std::int32_t partition, std::size_t bytes) {
        open[partition] += bytes;
        p.on_append(topic, partition, bytes);
        if (open[partition] >= batch_size) close(partition);
    }
    void close(std::int32_t partition) {
        open[partition] = 0;
        ++batches_closed[partition];
        p.on_new_batch(topic, partition);
    }
};

}  // namespace

TEST_CASE("partition_test: crc32_ieee and the consistent partitioners") {
    CHECK(kcoro::crc32_ieee(key_of("123456789")) == 0xCBF43926u);
    CHECK(kcoro::crc32_ieee({}) == 0u);
    CHECK(kcoro::crc32_ieee(key_of("The quick brown fox jumps over the lazy dog")) == 0x414FA339u);
    CHECK(kcoro::crc32_ieee(key_of("a")) == 0xE8B7BE43u);
    CHECK(kcoro::crc32_partition(key_of("123456789"), 7) == static_cast<std::int32_t>(0xCBF43926u % 7));
    CHECK(kcoro::crc32_partition(key_of("x"), 0) == kcoro::no_partition);

    const std::array<std::int32_t, 7> avail{0, 1, 2, 3, 4, 5, 6};
    kcoro::crc32_partitioner consistent(3);
    kcoro::consistent_random_partitioner consistent_random(3);
    auto ctx = keyless("t", 7, avail);
    ctx.key = key_of("123456789");
    CHECK(consistent.partition(ctx) == static_cast<std::int32_t>(0xCBF43926u % 7));
    CHECK(consistent_random.partition(ctx) == static_cast<std::int32_t>(0xCBF43926u % 7));
    // An empty key is hashed by "consistent" (always partition 0) but keyless for "consistent_random".
    ctx.key = kcoro::bytes_view{};
    CHECK(consistent.partition(ctx) == 0);
    std::map<std::int32_t, int> empty_keyed;
    kcoro::consistent_random_partitioner random_mode(4, kcoro::keyless_records::random);
    for (int i = 0; i < 700; ++i) ++empty_keyed[random_mode.partition(ctx)];
    CHECK(empty_keyed.size() == 7);
}

TEST_CASE("partition_test: keyed records go where the Java client puts them, whatever the policy") {
    const std::array<std::int32_t, 3> avail{0, 1, 2};
    kcoro::murmur2_partitioner def(1);
    kcoro::murmur2_random_partitioner rnd(2);
    kcoro::sticky_partitioner sticky(3);
    for (std::string_view k : {"21", "foobar", "a-little-bit-long-string", "order-17", ""}) {
        auto ctx = keyless("t", 12, avail);
        ctx.key = key_of(k);
        const auto expected = kcoro::murmur2_partition(key_of(k), 12);
        for (int i = 0; i < 3; ++i) {
            CHECK(def.partition(ctx) == expected);
            CHECK(rnd.partition(ctx) == expected);
            CHECK(sticky.partition(ctx) == expected);
            def.on_append("t", expected, 5000);  // keyed appends never move a keyed choice
            def.on_new_batch("t", expected);
        }
    }
    // Partition numbers in range even for a negative hash and odd counts.
    for (std::int32_t n : {1, 2, 5, 1000}) {
        auto ctx = keyless("t", n, {});
        ctx.key = key_of("21");
        const auto p = def.partition(ctx);
        CHECK(p >= 0);
        CHECK(p < n);
    }
}

TEST_CASE("partition_test: uniform sticky switches after batch_size bytes once the batch closed") {
    const std::array<std::int32_t, 8> avail{0, 1, 2, 3, 4, 5, 6, 7};
    kcoro::uniform_sticky_partitioner p(42, false);
    accumulator_sim<kcoro::uniform_sticky_partitioner> acc{p, "t", 1000, {}, {}};
    const auto ctx = keyless("t", 8, avail, 1000);
    std::vector<std::int32_t> seq;
    for (int i = 0; i < 5000; ++i) {
        const auto part = p.partition(ctx);
        REQUIRE(part >= 0);
        REQUIRE(part < 8);
        seq.push_back(part);
        acc.append(part, 100);  // ten records fill a batch of 1000 bytes
    }
    int switches = 0;
    for (std::size_t i = 1; i < seq.size(); ++i)
        if (seq[i] != seq[i - 1]) {
            ++switches;
            INFO("switch at record " << i);
            CHECK(i % 10 == 0);  // only when 1000 bytes went there and the batch closed
        }
    CHECK(switches > 380);  // 499 choices, 7 in 8 of them move: about 437
    CHECK(switches < 490);
    // Every batch closed full: no fractional batches left behind by switching.
    int closed = 0;
    for (auto [part, n] : acc.batches_closed) closed += n;
    CHECK(closed == 500);
    for (auto [part, bytes] : acc.open) CHECK(bytes == 0);
}

TEST_CASE("partition_test: uniform sticky waits for the batch to close, up to twice batch_size") {
    // A thousand candidates: a fresh choice landing on the same partition again is 1 in 1000, so
    // "still the same partition" below means "no new choice was made".
    const auto ctx = keyless("t", 1000, {}, 1000);
    kcoro::uniform_sticky_partitioner p(7, false);
    const auto first = p.partition(ctx);
    // A batch closed early (linger expired) does not move the choice before batch_size bytes.
    p.on_append("t", first, 300);
    p.on_new_batch("t", first);
    CHECK(p.partition(ctx) == first);
    p.on_append("t", first, 600);  // 900 bytes: still below batch_size
    CHECK(p.partition(ctx) == first);
    // batch_size reached, but the open batch is not closed: stay (Java's enableSwitch).
    p.on_append("t", first, 200);
    CHECK(p.partition(ctx) == first);
    for (int i = 0; i < 8; ++i) {
        p.on_append("t", first, 100);  // 1200 .. 1900
        CHECK(p.partition(ctx) == first);
    }
    // 2 x batch_size: switch whatever the batch.
    p.on_append("t", first, 100);
    const auto second = p.partition(ctx);
    CHECK(second != first);
    // The counter started again from zero for the new partition.
    p.on_append("t", second, 999);
    p.on_new_batch("t", second);
    CHECK(p.partition(ctx) == second);
    // batch_size and a closed batch: switch.
    p.on_append("t", second, 1);
    p.on_new_batch("t", second);
    CHECK(p.partition(ctx) != second);

    // Keyed records appended to the current partition neither count nor move the choice.
    kcoro::uniform_sticky_partitioner q(8, false);
    const auto cur = q.partition(ctx);
    q.on_append("t", cur, 100);  // the keyless record just chosen
    for (int i = 0; i < 100; ++i) q.on_append("t", cur, 1000);  // keyed records, not chosen by q
    q.on_new_batch("t", cur);
    CHECK(q.partition(ctx) == cur);

    // Bytes and closed batches on another partition change nothing.
    kcoro::uniform_sticky_partitioner r(9, false);
    const auto mine = r.partition(ctx);
    const auto other = (mine + 1) % 1000;
    for (int i = 0; i < 50; ++i) {
        r.on_append("t", other, 1000);
        r.on_new_batch("t", other);
        CHECK(r.partition(ctx) == mine);
    }

    // Topics are independent.
    kcoro::uniform_sticky_partitioner s(5, false);
    const auto a = s.partition(keyless("a", 1000, {}, 1000));
    const auto b = s.partition(keyless("b", 1000, {}, 1000));
    s.on_append("a", a, 5000);
    s.on_new_batch("a", a);
    CHECK(s.partition(keyless("b", 1000, {}, 1000)) == b);
    CHECK(s.partition(keyless("a", 1000, {}, 1000)) != a);
}

TEST_CASE("partition_test: uniform sticky spreads over the partitions that have a leader") {
    const std::array<std::int32_t, 8> avail{0, 1, 2, 3, 4, 5, 6, 7};
    kcoro::uniform_sticky_partitioner p(99, false);
    accumulator_sim<kcoro::uniform_sticky_partitioner> acc{p, "t", 100, {}, {}};
    const auto ctx = keyless("t", 8, avail, 100);
    std::map<std::int32_t, int> hits;
    for (int i = 0; i < 8000; ++i) {
        const auto part = p.partition(ctx);
        ++hits[part];
        acc.append(part, 100);  // every record fills and closes its batch: a fresh choice each time
    }
    REQUIRE(hits.size() == 8);
    for (auto [part, n] : hits) {
        INFO("partition " << part << ": " << n);
        CHECK(n > 850);  // expected 1000 each, standard deviation about 30
        CHECK(n < 1150);
    }
    const std::array<std::int32_t, 2> some{2, 5};
    kcoro::uniform_sticky_partitioner q(3, false);
    accumulator_sim<kcoro::uniform_sticky_partitioner> acc2{q, "t", 100, {}, {}};
    const auto c2 = keyless("t", 8, some, 100);
    std::map<std::int32_t, int> hits2;
    for (int i = 0; i < 1000; ++i) {
        const auto part = q.partition(c2);
        ++hits2[part];
        acc2.append(part, 100);
    }
    REQUIRE(hits2.size() == 2);
    CHECK(hits2[2] > 420);
    CHECK(hits2[5] > 420);
    // Leaders unknown: every partition is a candidate.
    kcoro::uniform_sticky_partitioner u(4, false);
    std::map<std::int32_t, int> hits3;
    for (int i = 0; i < 800; ++i) {
        const auto part = u.partition(keyless("t", 4, {}, 100));
        ++hits3[part];
        u.on_append("t", part, 200);
    }
    CHECK(hits3.size() == 4);
}

TEST_CASE("partition_test: adaptive uniform sticky weights partitions by inverse queue size") {
    const std::array<std::int32_t, 4> avail{0, 1, 2, 3};
    auto run = [&](bool adaptive, std::span<const std::size_t> queues, std::span<const std::int32_t> av) {
        kcoro::uniform_sticky_partitioner p(1234, adaptive);
        const auto ctx = keyless("t", 4, av, 100, queues);
        std::array<int, 4> hits{};
        for (int i = 0; i < 10000; ++i) {
            const auto part = p.partition(ctx);
            ++hits[static_cast<std::size_t>(part)];
            p.on_append("t", part, 100);
            p.on_new_batch("t", part);
        }
        return hits;
    };
    const std::array<std::size_t, 4> queues{0, 500, 1000, 1000};
    const auto adaptive = run(true, queues, avail);
    // Java's table: max + 1 - queue = 1001, 501, 1, 1 of 1504.
    INFO("adaptive " << adaptive[0] << " " << adaptive[1] << " " << adaptive[2] << " " << adaptive[3]);
    CHECK(adaptive[0] > 6400);  // expected 6656
    CHECK(adaptive[0] < 6900);
    CHECK(adaptive[1] > 3100);  // expected 3331
    CHECK(adaptive[1] < 3550);
    CHECK(adaptive[2] < 30);  // expected 7
    CHECK(adaptive[3] < 30);
    const auto uniform = run(false, queues, avail);
    for (int n : uniform) {
        CHECK(n > 2300);
        CHECK(n < 2700);
    }
    // Equal queues: uniform.
    const std::array<std::size_t, 4> equal{300, 300, 300, 300};
    for (int n : run(true, equal, avail)) {
        CHECK(n > 2300);
        CHECK(n < 2700);
    }
    // Only partitions with a leader are weighted; the empty queue of a leaderless one is ignored.
    const std::array<std::int32_t, 2> two{1, 3};
    const std::array<std::size_t, 4> q2{0, 1, 0, 3};
    const auto w = run(true, q2, two);
    CHECK(w[0] == 0);
    CHECK(w[2] == 0);
    CHECK(w[1] > 7200);  // weights 3 and 1 of 4: expected 7500
    CHECK(w[1] < 7800);
}

TEST_CASE("partition_test: sticky partitioner moves when the current batch closes") {
    const std::array<std::int32_t, 6> avail{0, 1, 2, 3, 4, 5};
    kcoro::sticky_partitioner p(17);
    const auto ctx = keyless("t", 6, avail);
    auto current = p.partition(ctx);
    int moved = 0;
    std::map<std::int32_t, int> seen;
    for (int batch = 0; batch < 600; ++batch) {
        for (int i = 0; i < 20; ++i) {
            CHECK(p.partition(ctx) == current);
            p.on_append("t", current, 100000);  // bytes alone never move it
        }
        p.on_new_batch("t", (current + 1) % 6);  // another partition's batch
        CHECK(p.partition(ctx) == current);
        p.on_new_batch("other-topic", current);
        CHECK(p.partition(ctx) == current);
        p.on_new_batch("t", current);
        const auto next = p.partition(ctx);
        if (next != current) ++moved;
        ++seen[next];
        current = next;
        p.on_append("t", current, 10);
    }
    CHECK(moved > 440);  // 5 in 6 choices move: about 500
    CHECK(moved < 560);
    CHECK(seen.size() == 6);
    for (auto [part, n] : seen) CHECK(n > 60);  // about 100 each
    // A keyed record that opens a new batch on the partition first keeps keyless ones there.
    kcoro::sticky_partitioner q(18);
    const auto wide = keyless("t", 1000, {});
    const auto mine = q.partition(wide);
    q.on_new_batch("t", mine);
    q.on_append("t", mine, 50);
    CHECK(q.partition(wide) == mine);
    q.on_new_batch("t", mine);
    CHECK(q.partition(wide) != mine);
}

TEST_CASE("partition_test: sticky policies fill batches over an accumulator and spread evenly") {
    const std::array<std::int32_t, 5> avail{0, 1, 2, 3, 4};
    auto spread = [&](auto& part, std::size_t batch) {
        using P = std::remove_reference_t<decltype(part)>;
        accumulator_sim<P> acc{part, "t", batch, {}, {}};
        const auto ctx = keyless("t", 5, avail, batch);
        std::map<std::int32_t, int> records;
        for (int i = 0; i < 50000; ++i) {
            const auto p = part.partition(ctx);
            ++records[p];
            acc.append(p, 100);
        }
        int batches = 0;
        for (auto [p, n] : acc.batches_closed) batches += n;
        CHECK(batches == 50000 * 100 / static_cast<int>(batch));  // every batch closed full
        REQUIRE(records.size() == 5);
        for (auto [p, n] : records) {
            INFO("partition " << p << ": " << n);
            CHECK(n > 8000);  // 10000 expected
            CHECK(n < 12000);
        }
    };
    kcoro::sticky_partitioner sticky(5);
    spread(sticky, 1000);
    kcoro::uniform_sticky_partitioner uniform(6, false);
    spread(uniform, 1000);
    kcoro::murmur2_partitioner def(7);
    spread(def, 2000);
    kcoro::crc32_partitioner consistent(8);
    spread(consistent, 500);
    kcoro::murmur2_random_partitioner mr(9);
    spread(mr, 1000);
}

TEST_CASE("partition_test: round robin cycles per topic over available partitions, keyed or not") {
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
    const std::array<std::int32_t, 3> some{1, 4, 6};
    auto c = keyless("c", 8, some);
    const std::int32_t expect_c[] = {1, 4, 6, 1, 4, 6};
    for (auto e : expect_c) CHECK(p.partition(c) == e);
}

TEST_CASE("partition_test: random keyless choices stay among available partitions and follow the seed") {
    const std::array<std::int32_t, 3> avail{1, 4, 6};
    kcoro::murmur2_random_partitioner mr(11, kcoro::keyless_records::random);
    kcoro::consistent_random_partitioner cr(12, kcoro::keyless_records::random);
    kcoro::crc32_partitioner cc(13, kcoro::keyless_records::random);
    std::map<std::int32_t, int> a, b, c;
    for (int i = 0; i < 3000; ++i) {
        ++a[mr.partition(keyless("t", 8, avail))];
        ++b[cr.partition(keyless("t", 8, avail))];
        ++c[cc.partition(keyless("t", 8, avail))];
    }
    for (const auto* m : {&a, &b, &c}) {
        REQUIRE(m->size() == 3);
        for (auto [part, n] : *m) {
            CHECK((part == 1 || part == 4 || part == 6));
            CHECK(n > 880);  // 1000 expected, standard deviation about 26
            CHECK(n < 1120);
        }
    }
    // Same seed, same choices; another seed, other choices.
    auto sequence = [](std::uint64_t seed) {
        kcoro::murmur2_random_partitioner x(seed, kcoro::keyless_records::random);
        std::vector<std::int32_t> v;
        for (int i = 0; i < 64; ++i) v.push_back(x.partition(keyless("t", 100, {})));
        return v;
    };
    CHECK(sequence(1) == sequence(1));
    CHECK(sequence(1) != sequence(2));
    // Sticky keyless (librdkafka's producer): no move until the batch closes.
    kcoro::murmur2_random_partitioner st(14);
    const auto first = st.partition(keyless("t", 8, avail));
    for (int i = 0; i < 100; ++i) {
        CHECK(st.partition(keyless("t", 8, avail)) == first);
        st.on_append("t", first, 100);
    }
}

TEST_CASE("partition_test: no partitions known yet, and a record that names its partition") {
    const auto none = keyless("t", 0, {});
    auto keyed = none;
    keyed.key = key_of("k");
    kcoro::murmur2_partitioner def;
    kcoro::uniform_sticky_partitioner us;
    kcoro::sticky_partitioner st;
    kcoro::crc32_partitioner cc;
    kcoro::consistent_random_partitioner cr;
    kcoro::murmur2_random_partitioner mr(1, kcoro::keyless_records::random);
    kcoro::round_robin_partitioner rr;
    for (const kcoro::partition_context* ctx : {&none, static_cast<const kcoro::partition_context*>(&keyed)}) {
        CHECK(def.partition(*ctx) == kcoro::no_partition);
        CHECK(us.partition(*ctx) == kcoro::no_partition);
        CHECK(st.partition(*ctx) == kcoro::no_partition);
        CHECK(cc.partition(*ctx) == kcoro::no_partition);
        CHECK(cr.partition(*ctx) == kcoro::no_partition);
        CHECK(mr.partition(*ctx) == kcoro::no_partition);
        CHECK(rr.partition(*ctx) == kcoro::no_partition);
    }
    // Once partitions appear, the sticky ones choose a real one.
    const std::array<std::int32_t, 2> avail{0, 1};
    const auto p = def.partition(keyless("t", 2, avail));
    CHECK((p == 0 || p == 1));

    CHECK(*kcoro::check_record_partition("t", 0, 3) == 0);
    CHECK(*kcoro::check_record_partition("t", 2, 3) == 2);
    const auto bad = kcoro::check_record_partition("orders", 3, 3);
    REQUIRE_FALSE(bad);
    CHECK(bad.err() == kcoro::errc::unknown_partition);
    CHECK(bad.err().message().find("'orders' has 3 partitions; partition 3 does not exist") != std::string::npos);
    CHECK_FALSE(kcoro::check_record_partition("t", -1, 3));
    CHECK_FALSE(kcoro::check_record_partition("t", 0, 0));
}

static_assert(kcoro::partitioner<kcoro::default_partitioner>);
static_assert(std::is_same_v<kcoro::default_partitioner, kcoro::murmur2_partitioner>);
static_assert(!kcoro::partitioner<int>);
