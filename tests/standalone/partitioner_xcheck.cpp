// kcoro's partitioners against librdkafka's for 10,000 random keys and several partition counts.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <random>
#include <string>
#include <vector>

namespace {
struct rdkafka_topic {
    rd_kafka_t* rk = nullptr;
    rd_kafka_topic_t* rkt = nullptr;
    rdkafka_topic() {
        char err[256];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        rkt = rd_kafka_topic_new(rk, "xcheck", nullptr);
    }
    ~rdkafka_topic() {
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
    }
};

std::vector<std::string> random_keys(int n) {
    std::mt19937_64 rng(20261122);
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) {
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
    kcoro::crc32_partitioner crc;
    kcoro::consistent_random_partitioner crc_random;
    int compared = 0;
    for (std::int32_t n : {1, 2, 3, 6, 7, 16, 100, 1000}) {
        for (const auto& k : keys) {
            const auto bytes = kcoro::as_bytes(k);
            kcoro::partition_context ctx{.topic = "xcheck", .key = bytes, .partition_count = n};
            REQUIRE(kcoro::murmur2_partition(bytes, n) ==
                    rd_kafka_msg_partitioner_murmur2(t.rkt, k.data(), k.size(), n, nullptr, nullptr));
            REQUIRE(crc.partition(ctx) == rd_kafka_msg_partitioner_consistent(t.rkt, k.data(), k.size(), n, nullptr, nullptr));
            if (!k.empty()) {
                REQUIRE(crc_random.partition(ctx) ==
                        rd_kafka_msg_partitioner_consistent_random(t.rkt, k.data(), k.size(), n, nullptr, nullptr));
            }
            ++compared;
        }
    }
    MESSAGE(compared << " keys x partition counts compared");
}
