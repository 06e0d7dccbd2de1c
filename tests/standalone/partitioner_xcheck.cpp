// kcoro's partitioners against librdkafka's (an independent implementation) for 10,000 random keys
// and several partition counts; and the sticky policies' per-record path, which must not allocate.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

// Counts C++ allocations. Every non-aligned form is replaced so that new and delete always pair
// with each other (sanitizers check the pairing).
namespace {
std::atomic<long> allocations{0};
void* counted_alloc(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    void* p = std::malloc(n ? n : 1);
    if (p == nullptr) std::abort();
    return p;
}
}  // namespace
void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {
struct rdkafka_topic {
    rd_kafka_t* rk = nullptr;
    rd_kafka_topic_t* rkt = nullptr;
    rdkafka_topic() {
        char err[256];
        // No bootstrap servers: the handle never connects; the partitioner functions need only rkt.
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
        if (rk != nullptr) rkt = rd_kafka_topic_new(rk, "xcheck", nullptr);
    }
    ~rdkafka_topic() {
        if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
        if (rk != nullptr) rd_kafka_destroy(rk);
    }
    rdkafka_topic(const rdkafka_topic&) = delete;
    rdkafka_topic& operator=(const rdkafka_topic&) = delete;
};

// Lengths 0..64, the empty key among them, every byte value.
std::vector<std::string> random_keys(int n) {
    std::mt19937_64 rng(20261122);
    std::vector<std::string> keys;
    keys.emplace_back();
    while (static_cast<int>(keys.size()) < n) {
        std::string k(rng() % 65, '\0');
        for (auto& c : k) c = static_cast<char>(rng() & 0xff);
        keys.push_back(std::move(k));
    }
    return keys;
}
}  // namespace

TEST_CASE("murmur2, consistent and consistent_random agree with librdkafka") {
    rdkafka_topic t;
    REQUIRE(t.rkt != nullptr);
    const auto keys = random_keys(10000);
    long compared = 0;
    for (std::int32_t n : {1, 2, 3, 6, 7, 16, 100, 1000, 2147483647}) {
        kcoro::murmur2_partitioner murmur2;
        kcoro::murmur2_random_partitioner murmur2_random;
        kcoro::crc32_partitioner consistent;
        kcoro::consistent_random_partitioner consistent_random;
        for (const auto& k : keys) {
            const auto bytes = kcoro::as_bytes(k);
            const kcoro::partition_context ctx{.topic = "xcheck", .key = bytes, .partition_count = n};
            const auto rd_murmur2 = rd_kafka_msg_partitioner_murmur2(t.rkt, k.data(), k.size(), n, nullptr, nullptr);
            const auto rd_consistent = rd_kafka_msg_partitioner_consistent(t.rkt, k.data(), k.size(), n, nullptr, nullptr);
            INFO("partitions " << n << ", key length " << k.size());
            REQUIRE(kcoro::murmur2_partition(bytes, n) == rd_murmur2);
            REQUIRE(murmur2.partition(ctx) == rd_murmur2);
            REQUIRE(murmur2_random.partition(ctx) ==
                    rd_kafka_msg_partitioner_murmur2_random(t.rkt, k.data(), k.size(), n, nullptr, nullptr));
            REQUIRE(kcoro::crc32_partition(bytes, n) == rd_consistent);
            REQUIRE(consistent.partition(ctx) == rd_consistent);
            if (!k.empty()) {  // librdkafka picks at random for an empty key here, as kcoro does
                REQUIRE(consistent_random.partition(ctx) ==
                        rd_kafka_msg_partitioner_consistent_random(t.rkt, k.data(), k.size(), n, nullptr, nullptr));
            }
            ++compared;
        }
    }
    // A null key reaches librdkafka's hash functions as an empty one.
    CHECK(kcoro::crc32_partition({}, 7) == rd_kafka_msg_partitioner_consistent(t.rkt, nullptr, 0, 7, nullptr, nullptr));
    CHECK(kcoro::murmur2_partition({}, 7) == rd_kafka_msg_partitioner_murmur2(t.rkt, nullptr, 0, 7, nullptr, nullptr));
    MESSAGE(compared << " keys x partition counts compared");
}

TEST_CASE("sticky partitioners allocate per topic, never per record") {
    std::array<std::int32_t, 64> avail{};
    for (std::size_t i = 0; i < avail.size(); ++i) avail[i] = static_cast<std::int32_t>(i);
    std::array<std::size_t, 64> queues{};
    for (std::size_t i = 0; i < queues.size(); ++i) queues[i] = i * 100;
    const std::string topics[] = {"orders", "payments", "a-topic-name-longer-than-any-small-string-buffer"};

    auto drive = [&](auto& p, int records) {
        kcoro::partition_context ctx;
        ctx.partition_count = 64;
        ctx.available_partitions = avail;
        ctx.queue_sizes = queues;
        ctx.batch_size = 1000;
        for (int i = 0; i < records; ++i) {
            ctx.topic = topics[static_cast<std::size_t>(i) % 3];
            const std::string key = i % 4 == 0 ? "k" : "";  // small: no allocation of its own
            ctx.key = (i % 4 == 0) ? std::optional<kcoro::bytes_view>(kcoro::as_bytes(key)) : std::nullopt;
            const auto part = p.partition(ctx);
            REQUIRE(part >= 0);
            p.on_append(ctx.topic, part, 100);
            if (i % 7 == 0) p.on_new_batch(ctx.topic, part);
        }
    };
    auto steady_state_allocations = [&](auto& p) {
        drive(p, 1000);  // every topic seen, buffers grown
        const long before = allocations.load();
        drive(p, 100000);
        return allocations.load() - before;
    };
    kcoro::murmur2_partitioner def(1);
    kcoro::uniform_sticky_partitioner uniform(2);
    kcoro::sticky_partitioner sticky(3);
    kcoro::crc32_partitioner consistent(4);
    kcoro::consistent_random_partitioner consistent_random(5);
    kcoro::murmur2_random_partitioner murmur2_random(6);
    kcoro::round_robin_partitioner round_robin;
    CHECK(steady_state_allocations(def) == 0);
    CHECK(steady_state_allocations(uniform) == 0);
    CHECK(steady_state_allocations(sticky) == 0);
    CHECK(steady_state_allocations(consistent) == 0);
    CHECK(steady_state_allocations(consistent_random) == 0);
    CHECK(steady_state_allocations(murmur2_random) == 0);
    CHECK(steady_state_allocations(round_robin) == 0);
    // The counter counts: a new topic costs its state.
    const long before = allocations.load();
    kcoro::partition_context ctx;
    ctx.topic = "one-more-topic-with-a-name-too-long-for-small-string-storage";
    ctx.partition_count = 4;
    (void)sticky.partition(ctx);
    CHECK(allocations.load() > before);
}
