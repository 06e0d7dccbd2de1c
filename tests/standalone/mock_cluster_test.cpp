// kcoro's producer against librdkafka's mock cluster (rdkafka_mock.h), which speaks older protocol
// versions than Kafka 4 and injects errors on demand. The mock runs librdkafka's own threads in
// this test process; the producer under test still runs on one event loop and starts none.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {
struct mock_cluster {
    rd_kafka_t* rk = nullptr;
    rd_kafka_mock_cluster_t* mc = nullptr;
    explicit mock_cluster(int brokers) {
        char err[256];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        mc = rd_kafka_mock_cluster_new(rk, brokers);
    }
    ~mock_cluster() {
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
    }
    std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(mc); }
};

struct outcome {
    int delivered = 0;
    std::vector<kcoro::error> errors;
    std::uint64_t retries = 0;
    std::int16_t produce_version = -1;
};

kcoro::task<outcome> produce(kcoro::producer<>& p, std::string topic, int n) {
    outcome o;
    std::vector<kcoro::delivery_handle> hs;
    for (int i = 0; i < n; ++i) {
        const std::string v = "v" + std::to_string(i);
        auto h = co_await p.enqueue({.topic = topic, .key = v, .value = v});
        if (h) hs.push_back(std::move(*h));
        else o.errors.push_back(std::move(h).err());
    }
    for (auto& h : hs) {
        auto r = co_await h;
        if (r) ++o.delivered;
        else o.errors.push_back(r.err());
    }
    o.retries = p.stats().retries;
    (void)co_await p.close(10s);
    co_return o;
}

outcome run(const mock_cluster& m, const std::string& topic, int n, kcoro::producer_config cfg = {}) {
    cfg.bootstrap_servers = m.bootstrap();
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, cfg);
    REQUIRE(p);
    return kcoro::run_until_complete(loop, produce(**p, topic, n));
}
}  // namespace

TEST_CASE("mock cluster: the producer negotiates the mock's older versions and delivers") {
    mock_cluster m(3);
    REQUIRE(rd_kafka_mock_topic_create(m.mc, "plain", 4, 3) == RD_KAFKA_RESP_ERR_NO_ERROR);
    auto o = run(m, "plain", 2000);
    CHECK(o.errors.empty());
    CHECK(o.delivered == 2000);
}

TEST_CASE("mock cluster: injected NOT_LEADER_OR_FOLLOWER and REQUEST_TIMED_OUT are retried and delivered") {
    mock_cluster m(3);
    REQUIRE(rd_kafka_mock_topic_create(m.mc, "faults", 2, 3) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_mock_push_request_errors(m.mc, 0 /* Produce */, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
    auto o = run(m, "faults", 500);
    for (auto& e : o.errors) MESSAGE(e.message());
    CHECK(o.errors.empty());
    CHECK(o.delivered == 500);
    CHECK(o.retries >= 4);
}

TEST_CASE("mock cluster: a leader going down mid-stream; leadership moves and everything is delivered") {
    mock_cluster m(3);
    REQUIRE(rd_kafka_mock_topic_create(m.mc, "down", 1, 3) == RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(rd_kafka_mock_partition_set_leader(m.mc, "down", 0, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    kcoro::producer_config cfg;
    cfg.bootstrap_servers = m.bootstrap();
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, cfg);
    REQUIRE(p);
    auto scenario = [](kcoro::producer<>& pr, kcoro::event_loop& l, mock_cluster& mc) -> kcoro::task<outcome> {
        outcome o;
        std::vector<kcoro::delivery_handle> hs;
        for (int i = 0; i < 3000; ++i) {
            if (i == 1000) {
                rd_kafka_mock_broker_set_down(mc.mc, 1);
                rd_kafka_mock_partition_set_leader(mc.mc, "down", 0, 2);
            }
            if (i % 100 == 0) {
                kcoro::loop_timer t(l);
                co_await t.wait_until(l.now() + 5ms);
            }
            const std::string v = "d" + std::to_string(i);
            auto h = co_await pr.enqueue({.topic = "down", .key = v, .value = v});
            if (h) hs.push_back(std::move(*h));
            else o.errors.push_back(std::move(h).err());
        }
        for (auto& h : hs) {
            auto r = co_await h;
            if (r) ++o.delivered;
            else o.errors.push_back(r.err());
        }
        (void)co_await pr.close(10s);
        co_return o;
    };
    auto o = kcoro::run_until_complete(loop, scenario(**p, loop, m));
    for (auto& e : o.errors) MESSAGE(e.message());
    CHECK(o.errors.empty());
    CHECK(o.delivered == 3000);
}

TEST_CASE("mock cluster: a first batch refused with NOT_LEADER_OR_FOLLOWER is not overtaken by the batches after it") {
    // A broker without state for the producer accepts any first sequence, so a second batch in
    // flight behind a refused first one would be written ahead of it; the producer keeps one batch
    // in flight per partition until the first is acknowledged.
    mock_cluster m(1);
    REQUIRE(rd_kafka_mock_topic_create(m.mc, "first", 1, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_mock_push_request_errors(m.mc, 0 /* Produce */, 1, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    kcoro::producer_config cfg;
    cfg.bootstrap_servers = m.bootstrap();
    cfg.batch_size = 1024;
    cfg.linger = 0ms;
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, cfg);
    REQUIRE(p);
    auto scenario = [](kcoro::producer<>& pr) -> kcoro::task<std::vector<std::int64_t>> {
        std::vector<kcoro::delivery_handle> hs;
        for (int i = 0; i < 3000; ++i) {
            const std::string v = "f" + std::to_string(i);
            auto h = co_await pr.enqueue({.topic = "first", .value = v});
            if (h) hs.push_back(std::move(*h));
        }
        std::vector<std::int64_t> offsets;
        for (auto& h : hs) {
            auto r = co_await h;
            offsets.push_back(r ? r->offset : -2);
        }
        (void)co_await pr.close(10s);
        co_return offsets;
    };
    auto offsets = kcoro::run_until_complete(loop, scenario(**p));
    REQUIRE(offsets.size() == 3000);
    CHECK((*p)->stats().retries >= 1);
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        REQUIRE_MESSAGE(offsets[i] >= 0, "record " << i << " failed");
        if (i > 0) REQUIRE_MESSAGE(offsets[i] > offsets[i - 1], "record " << i << " at offset " << offsets[i] << " after " << offsets[i - 1]);
    }
}

TEST_CASE("mock cluster: compressing, batches fill to batch_size compressed, not uncompressed") {
    // 1 KiB values of one repeated byte compress about a hundredfold. With batch_size counted in
    // uncompressed bytes, 20,000 of them would need about 1,250 batches of 16 KiB; as the observed
    // compression ratio falls, batches take up to 8 x batch_size of records instead.
    mock_cluster m(1);
    REQUIRE(rd_kafka_mock_topic_create(m.mc, "squeezed", 1, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    kcoro::producer_config cfg;
    cfg.bootstrap_servers = m.bootstrap();
    cfg.compression = kcoro::compression_codec::lz4;
    cfg.linger = 50ms;
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, cfg);
    REQUIRE(p);
    auto body = [](kcoro::producer<>& pr) -> kcoro::task<std::pair<int, std::uint64_t>> {
        const std::string value(1024, 'x');
        int failed = 0;
        for (int i = 0; i < 20000; ++i) {
            auto q = co_await pr.send_and_forget({.topic = "squeezed", .key = std::nullopt, .value = value});
            if (!q) ++failed;
            // The estimate learns from batches as they are sent: let them go out as the records come.
            if (i % 500 == 499) co_await pr.flush();
        }
        auto c = co_await pr.close(30s);
        if (!c) ++failed;
        failed += static_cast<int>(pr.stats().records_failed);
        co_return std::pair<int, std::uint64_t>{failed, pr.stats().batches_sent};
    };
    const auto [failed, batches] = kcoro::run_until_complete(loop, body(**p));
    CHECK(failed == 0);
    CHECK((**p).stats().records_delivered == 20000);
    INFO("batches sent: " << batches);
    CHECK(batches < 600);
    CHECK(batches >= 20000 * 1024 / (8 * 16384));
}
