// Bad input and faults against the real broker: each gets a clear error and loses nothing else.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <chrono>
#include <cstdlib>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <string>
#include <thread>
#include <vector>

namespace faults_it {

using namespace std::chrono_literals;

std::string new_topic(const std::string& stem, int partitions = 3) {
    const std::string topic = kcoro_it::unique_topic(stem);
    kcoro_it::create_topic(topic, partitions);
    return topic;
}

std::string kafka_script() {
    const char* dir = std::getenv("KCORO_SOURCE_DIR");
    return std::string(dir ? dir : ".") + "/scripts/kafka";
}

struct outcome {
    int ok = 0;
    std::vector<kcoro::error> errors;
};

TEST_CASE("a record over max_request_size fails alone; the others in its batch are delivered") {
    const std::string topic = new_topic("too-large");
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .max_request_size = 10000});
    REQUIRE(p);
    const std::string big(20000, 'x');
    auto run = [](kcoro::producer<>& pr, std::string t, std::string big_value) -> kcoro::task<std::vector<kcoro::delivery_result>> {
        std::vector<kcoro::delivery_handle> hs;
        std::vector<kcoro::delivery_result> results;
        for (int i = 0; i < 30; ++i) {
            const std::string v = i == 15 ? big_value : "small-" + std::to_string(i);
            auto h = co_await pr.enqueue({.topic = t, .key = "k", .value = v});
            if (h) hs.push_back(std::move(*h));
            else results.push_back(std::move(h).err());
        }
        for (auto& h : hs) results.push_back(co_await h);
        (void)co_await pr.close(10s);
        co_return results;
    };
    auto results = kcoro::run_until_complete(loop, run(**p, topic, big));
    int ok = 0, too_large = 0;
    for (auto& r : results) {
        if (r) ++ok;
        else {
            CHECK(r.err() == kcoro::errc::record_too_large);
            CHECK(r.err().detail().find("max_request_size") != std::string::npos);
            ++too_large;
        }
    }
    CHECK(ok == 29);
    CHECK(too_large == 1);
    auto got = kcoro_it::read_back_with_kcat(topic);
    CHECK(got.size() == 29);
    for (auto& g : got) CHECK(g.value->rfind("small-", 0) == 0);
}

TEST_CASE("an unknown topic fails its records with an error naming it; other topics still flow") {
    const std::string good = new_topic("known");
    const std::string missing = kcoro_it::unique_topic("does-not-exist");
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .max_block = 2000ms});
    REQUIRE(p);
    auto run = [](kcoro::producer<>& pr, std::string good_t, std::string missing_t) -> kcoro::task<std::pair<kcoro::delivery_result, kcoro::delivery_result>> {
        auto bad = co_await pr.send({.topic = missing_t, .value = "lost?"});
        auto fine = co_await pr.send({.topic = good_t, .value = "fine"});
        (void)co_await pr.close(10s);
        co_return std::make_pair(std::move(bad), std::move(fine));
    };
    const auto start = std::chrono::steady_clock::now();
    auto [bad, fine] = kcoro::run_until_complete(loop, run(**p, good, missing));
    REQUIRE_FALSE(bad);
    CHECK(bad.err() == kcoro::errc::unknown_topic_or_partition);
    CHECK(bad.err().detail().find(missing) != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 30s);
    REQUIRE(fine);
    CHECK(kcoro_it::read_back_with_kcat(good).size() == 1);
}

TEST_CASE("an unreachable bootstrap address gives a clear error and close() returns in time") {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = "127.0.0.1:1", .max_block = 1000ms});
    REQUIRE(p);
    auto run = [](kcoro::producer<>& pr) -> kcoro::task<std::pair<kcoro::delivery_result, kcoro::result<void>>> {
        auto r = co_await pr.send({.topic = "anything", .value = "v"});
        auto c = co_await pr.close(2s);
        co_return std::make_pair(std::move(r), std::move(c));
    };
    const auto start = std::chrono::steady_clock::now();
    auto [r, c] = kcoro::run_until_complete(loop, run(**p));
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    REQUIRE_FALSE(r);
    CHECK(r.err().detail().find("anything") != std::string::npos);
    // What went wrong, and where.
    CHECK(r.err() == kcoro::errc::connection_failed);
    CHECK_MESSAGE(r.err().message().find("connect to 127.0.0.1:1: Connection refused") != std::string::npos, r.err().message());
    CHECK((*p)->stats().connection_failures >= 1);
    CHECK(c);  // nothing was left to deliver: the one record already failed
}

kcoro::delivery_result send_once(const std::string& bootstrap) {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = bootstrap, .max_block = 3000ms});
    REQUIRE(p);
    auto run = [](kcoro::producer<>& pr) -> kcoro::task<kcoro::delivery_result> {
        auto r = co_await pr.send({.topic = "orders", .value = "v"});
        (void)co_await pr.close(2s);
        co_return r;
    };
    return kcoro::run_until_complete(loop, run(**p));
}

TEST_CASE("a TLS or SASL listener spoken to in plaintext: the error says which broker hung up, and when") {
    SUBCASE("TLS") {
        const std::string tls = kcoro_it::listener_of("tls_bootstrap");
        auto r = send_once(tls);
        REQUIRE_FALSE(r);
        const std::string m = r.err().message();
        MESSAGE(m);
        CHECK_MESSAGE(m.find("broker " + tls) != std::string::npos, m);
        CHECK_MESSAGE(m.find("TLS") != std::string::npos, m);
        CHECK_MESSAGE(m.find("ApiVersions") != std::string::npos, m);
    }
    SUBCASE("SASL") {
        const std::string sasl = kcoro_it::listener_of("sasl_bootstrap");
        auto r = send_once(sasl);
        REQUIRE_FALSE(r);
        const std::string m = r.err().message();
        MESSAGE(m);
        CHECK_MESSAGE(m.find("broker " + sasl + " closed the connection during Metadata: is this a TLS or SASL listener?") != std::string::npos, m);
    }
}

TEST_CASE("a topic that does not exist fails after unknown_topic_retries answers, well before max_block; try_send says so") {
    const std::string missing = kcoro_it::unique_topic("missing");
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap()});  // max_block 60 s
    REQUIRE(p);
    auto run = [](kcoro::producer<>& pr, std::string t) -> kcoro::task<std::pair<kcoro::delivery_result, kcoro::result<void>>> {
        auto r = co_await pr.send({.topic = t, .value = "v"});
        auto again = pr.try_send({.topic = t, .value = "v"});
        (void)co_await pr.close(2s);
        co_return std::make_pair(std::move(r), std::move(again));
    };
    const auto start = std::chrono::steady_clock::now();
    auto [r, again] = kcoro::run_until_complete(loop, run(**p, missing));
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r);
    CHECK(r.err() == kcoro::errc::unknown_topic_or_partition);
    CHECK(r.err().detail().find(missing) != std::string::npos);
    CHECK(took < 10s);
    MESSAGE("failed after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms: " << r.err().message());
    REQUIRE_FALSE(again);
    CHECK(again.err() == kcoro::errc::unknown_topic_or_partition);
}

TEST_CASE("close() interrupting a send parked for metadata fails it saying so, and close() is not ok") {
    const std::string missing = kcoro_it::unique_topic("parked");
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .unknown_topic_retries = 0});
    REQUIRE(p);
    struct outcome_t {
        std::optional<kcoro::delivery_result> send;
        std::optional<kcoro::result<void>> close;
    };
    outcome_t o;
    kcoro::spawn(loop, [](kcoro::producer<>& pr, std::string t, outcome_t& out) -> kcoro::task<void> {
        out.send.emplace(co_await pr.send({.topic = t, .value = "v"}));
    }(**p, missing, o));
    kcoro::spawn(loop, [](kcoro::event_loop& l, kcoro::producer<>& pr, outcome_t& out) -> kcoro::task<void> {
        kcoro::loop_timer t(l);
        co_await t.wait_until(l.now() + 500ms);  // the send is parked by then
        out.close.emplace(co_await pr.close(2s));
    }(loop, **p, o));
    loop.run();
    REQUIRE(o.send);
    REQUIRE(o.close);
    REQUIRE_FALSE(*o.send);
    CHECK(o.send->err() == kcoro::errc::producer_closed);
    CHECK_MESSAGE(o.send->err().message().find("close() interrupted this send") != std::string::npos, o.send->err().message());
    CHECK_FALSE(*o.close);
}

TEST_CASE("records over a topic's max.message.bytes of 4096: the batch is split, the 6 KiB record fails alone") {
    const std::string topic = kcoro_it::unique_topic("max-message-bytes");
    // Kafka's own tool creates the topic with the limit (kcoro's admin helper sets no configs).
    const std::string create = kafka_script() + " run org.apache.kafka.tools.TopicCommand --bootstrap-server '" + kcoro_it::bootstrap() +
                               "' --create --topic '" + topic + "' --partitions 1 --replication-factor 1 --config max.message.bytes=4096 >/dev/null 2>&1";
    REQUIRE(std::system(create.c_str()) == 0);
    REQUIRE(kcoro_it::partitions_answer(topic, 1));
    for (const bool idempotent : {true, false}) {
        CAPTURE(idempotent);
        kcoro::event_loop loop;
        kcoro::producer_config cfg{.bootstrap_servers = kcoro_it::bootstrap(), .linger = 100ms};
        if (!idempotent) {
            cfg.enable_idempotence = false;
            cfg.acks = kcoro::acks::leader;
            cfg.max_in_flight = 1;
        }
        auto p = kcoro::make_producer(loop, cfg);
        REQUIRE(p);
        std::vector<std::string> values;
        const std::string round = idempotent ? "i" : "n";
        for (int i = 0; i < 100; ++i) values.push_back(i == 60 ? std::string(6 * 1024, 'B') : round + std::to_string(i) + std::string(96, 'x'));
        auto run = [](kcoro::producer<>& pr, std::string t, const std::vector<std::string>& vs) -> kcoro::task<std::vector<kcoro::delivery_result>> {
            std::vector<kcoro::delivery_handle> hs;
            for (const auto& v : vs) {
                auto h = co_await pr.enqueue({.topic = t, .key = "k", .value = v});
                REQUIRE(h);
                hs.push_back(std::move(*h));
            }
            std::vector<kcoro::delivery_result> out;
            for (auto& h : hs) out.push_back(co_await h);
            (void)co_await pr.close(10s);
            co_return out;
        };
        auto results = kcoro::run_until_complete(loop, run(**p, topic, values));
        REQUIRE(results.size() == values.size());
        for (std::size_t i = 0; i < results.size(); ++i) {
            if (i == 60) {
                REQUIRE_FALSE(results[i]);
                CHECK(results[i].err() == kcoro::errc::message_too_large);
                CHECK(results[i].err().message().find("batch_size") == std::string::npos);
                MESSAGE(results[i].err().message());
            } else {
                CHECK_MESSAGE(results[i], i << ": " << (results[i] ? "" : results[i].err().message()));
            }
        }
    }
    // kcat reads back every record but the large one, once each, in the order sent.
    auto got = kcoro_it::read_back_with_kcat(topic);
    REQUIRE(got.size() == 2 * 99);
    std::size_t at = 0;
    for (const std::string round : {"i", "n"}) {
        for (int i = 0; i < 100; ++i) {
            if (i == 60) continue;
            CHECK(*got[at].value == round + std::to_string(i) + std::string(96, 'x'));
            ++at;
        }
    }
}

TEST_CASE("a producer destroyed while records are in flight: each reports delivered or producer_destroyed, kcat agrees") {
    const std::string topic = new_topic("destroyed", 3);
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap()});
    REQUIRE(p);
    constexpr int n = 20000;
    std::vector<int> outcome(n, 0);  // 1 delivered, 2 destroyed before it was sent, 3 destroyed in flight, 4 other
    auto body = [](kcoro::producer<>* pr, std::string t, std::vector<int>* out) -> kcoro::task<void> {
        for (int i = 0; i < n; ++i) {
            const std::string v = "d-" + std::to_string(i);
            auto q = co_await pr->send({.topic = t, .key = v, .value = v}, [out, i](kcoro::delivery_result r) {
                if (r) (*out)[static_cast<std::size_t>(i)] = 1;
                else if (r.err() != kcoro::errc::producer_destroyed) (*out)[static_cast<std::size_t>(i)] = 4;
                else (*out)[static_cast<std::size_t>(i)] = r.err().detail().find("in flight") != std::string::npos ? 3 : 2;
            });
            if (!q) {
                (*out)[static_cast<std::size_t>(i)] = 4;
                co_return;
            }
        }
    };
    kcoro::spawn(loop, body(p->get(), topic, &outcome));
    // Produce until some records are acknowledged, then destroy the producer mid-stream.
    while (std::count(outcome.begin(), outcome.end(), 1) < 1000) loop.run_for(1ms);
    p->reset();
    loop.run();
    int counts[5] = {};
    for (int o : outcome) ++counts[o];
    MESSAGE("delivered " << counts[1] << ", not sent " << counts[2] << ", in flight " << counts[3] << ", unreported " << counts[0]);
    CHECK(counts[0] == 0);  // every record was reported
    CHECK(counts[4] == 0);
    CHECK(counts[2] + counts[3] > 0);
    auto got = kcoro_it::read_back_with_kcat(topic);
    std::set<int> in_log;
    for (auto& g : got) in_log.insert(std::stoi(g.value->substr(2)));
    for (int i = 0; i < n; ++i) {
        if (outcome[static_cast<std::size_t>(i)] == 1) CHECK_MESSAGE(in_log.count(i) == 1, "delivered " << i << " is not in the log");
        if (outcome[static_cast<std::size_t>(i)] == 2) CHECK_MESSAGE(in_log.count(i) == 0, "unsent " << i << " is in the log");
    }
}

TEST_CASE("backpressure: a tiny buffer_memory suspends senders, stays bounded and loses nothing") {
    const std::string topic = new_topic("backpressure");
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .batch_size = 4096, .buffer_memory = 16384});
    REQUIRE(p);
    std::size_t peak = 0;
    auto run = [](kcoro::producer<>& pr, std::string t, std::size_t& peak_bytes) -> kcoro::task<int> {
        int failures = 0;
        const std::string value(1000, 'v');
        for (int i = 0; i < 5000; ++i) {
            const std::string key = std::to_string(i);
            auto q = co_await pr.send_and_forget({.topic = t, .key = key, .value = value});
            if (!q) ++failures;
            peak_bytes = std::max(peak_bytes, pr.stats().buffered_bytes);
        }
        auto c = co_await pr.close(30s);
        if (!c) ++failures;
        failures += static_cast<int>(pr.stats().records_failed);
        co_return failures;
    };
    CHECK(kcoro::run_until_complete(loop, run(**p, topic, peak)) == 0);
    CHECK(peak <= 16384 + 1100);
    MESSAGE("peak buffered bytes " << peak << " with buffer_memory 16384");
    auto got = kcoro_it::read_back_with_kcat(topic);
    CHECK(got.size() == 5000);
    std::set<std::string> keys;
    for (auto& g : got) keys.insert(*g.key);
    CHECK(keys.size() == 5000);
}

// What the log handler got, copied (a record's views live only during the call).
struct logged {
    kcoro::log_level level;
    std::string message;
    std::int32_t broker_id;
    std::string topic;
};
std::vector<const logged*> starting(const std::vector<logged>& all, std::string_view prefix) {
    std::vector<const logged*> out;
    for (const auto& l : all)
        if (l.message.rfind(prefix, 0) == 0) out.push_back(&l);
    return out;
}

// The counters as Prometheus text and JSON, read back by Python's parsers
// (tools/python/read_stats_text.py): name -> value, from each.
std::map<std::string, std::map<std::string, std::string>> read_stats_texts(const kcoro::producer_stats& s) {
    const char* source = std::getenv("KCORO_SOURCE_DIR");
    const std::string root = source ? source : ".";
    const auto venv = kcoro_it::detail::run_command("'" + root + "/scripts/venv' 2>/dev/null");
    REQUIRE_MESSAGE(venv.second == 0, "scripts/venv failed");
    const std::string python = venv.first.substr(0, venv.first.find('\n')) + "/bin/python";
    const std::string base = "/tmp/kcoro-stats-" + kcoro_it::unique_topic("text");
    for (const auto& [file, text] : {std::pair{base + ".prom", kcoro::to_prometheus(s, "restart-test")},
                                     std::pair{base + ".json", kcoro::to_json(s, "restart-test")}}) {
        std::FILE* f = std::fopen(file.c_str(), "wb");
        REQUIRE(f != nullptr);
        REQUIRE(std::fwrite(text.data(), 1, text.size(), f) == text.size());
        std::fclose(f);
    }
    const auto read = kcoro_it::detail::run_command("'" + python + "' '" + root + "/tools/python/read_stats_text.py' '" + base +
                                                    ".prom' '" + base + ".json'");
    std::remove((base + ".prom").c_str());
    std::remove((base + ".json").c_str());
    REQUIRE_MESSAGE(read.second == 0, "the stats texts did not parse: " << read.first);
    std::map<std::string, std::map<std::string, std::string>> out;
    std::istringstream lines(read.first);
    std::string format, name, label, value;
    while (lines >> format) {
        if (format == "prometheus") {
            lines >> name >> label >> value;
            CHECK(label == "restart-test");
        } else {
            lines >> name >> value;
        }
        out[format][name] = value;
    }
    return out;
}

TEST_CASE("a broker restarted mid-stream: with idempotence nothing is lost or duplicated; the log and the metrics say what happened") {
    const char* dir = std::getenv("KAFKA_DIR");
    REQUIRE_MESSAGE(dir != nullptr, "KAFKA_DIR must name the broker started by scripts/kafka");
    const std::string topic = new_topic("restart", 3);
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .delivery_timeout = 120000ms});
    REQUIRE(p);
    std::vector<logged> log;
    (*p)->set_log_handler([&log](const kcoro::log_record& r) {
        log.push_back({r.level, std::string(r.message), r.broker_id, std::string(r.topic)});
    });
    std::thread restarter;
    auto run = [](kcoro::producer<>& pr, std::string t, std::thread& th, std::string script, std::string kdir) -> kcoro::task<int> {
        std::vector<kcoro::delivery_handle> hs;
        int failures = 0;
        for (int i = 0; i < 20000; ++i) {
            if (i == 5000) {
                // Restart the broker from another thread of the test while records keep flowing.
                th = std::thread([script, kdir] { (void)std::system((script + " restart " + kdir + " 1 >/dev/null 2>&1").c_str()); });
            }
            const std::string v = "r-" + std::to_string(i);
            auto h = co_await pr.enqueue({.topic = t, .key = v, .value = v});
            if (h) hs.push_back(std::move(*h));
            else ++failures;
            if (i % 500 == 0) {
                kcoro::loop_timer pause(pr.runtime().loop());
                co_await pause.wait_until(std::chrono::steady_clock::now() + 10ms);
            }
        }
        for (auto& h : hs) {
            auto r = co_await h;
            if (!r) {
                ++failures;
                MESSAGE(r.err().message());
            }
        }
        (void)co_await pr.close(30s);
        co_return failures;
    };
    const int failures = kcoro::run_until_complete(loop, run(**p, topic, restarter, kafka_script(), dir));
    if (restarter.joinable()) restarter.join();
    CHECK(failures == 0);
    MESSAGE("retries " << (*p)->stats().retries << ", epoch bumps " << (*p)->stats().epoch_bumps);
    auto got = kcoro_it::read_back_with_kcat(topic, 120);
    std::map<std::string, int> seen;
    for (auto& g : got) seen[*g.value]++;
    CHECK(seen.size() == 20000);
    for (auto& [v, n] : seen) CHECK_MESSAGE(n == 1, v);

    // The log heard the connection go and come back, and each retry; the counters agree.
    const kcoro::producer_stats stats = (*p)->stats();
    for (const auto& l : log) MESSAGE(kcoro::log_level_name(l.level) << ": " << l.message);
    const auto lost = starting(log, "connection to broker ");
    const auto back = starting(log, "reconnected to broker ");
    REQUIRE_FALSE(lost.empty());
    REQUIRE_FALSE(back.empty());
    CHECK(lost[0]->level == kcoro::log_level::warning);
    CHECK(back[0]->level == kcoro::log_level::info);
    CHECK(lost[0] < back[0]);  // in the order they happened
    CHECK(lost[0]->broker_id == back[0]->broker_id);
    CHECK(stats.reconnects >= back.size());
    const auto retried = starting(log, "retrying a batch of ");
    CHECK(retried.size() == stats.retries);
    for (const logged* l : retried) CHECK(l->topic == topic);

    const auto texts = read_stats_texts(stats);
    for (const auto& f : kcoro::producer_stats_fields) {
        const std::string prometheus_name = "kcoro_producer_" + std::string(f.name) + (f.counter ? "_total" : "");
        CHECK_MESSAGE(texts.at("prometheus").at(prometheus_name) == std::to_string(stats.*f.value), prometheus_name);
        CHECK_MESSAGE(texts.at("json").at(std::string(f.name)) == std::to_string(stats.*f.value), f.name);
    }
    CHECK(texts.at("json").at("client_id") == "restart-test");
    CHECK(texts.at("prometheus").at("kcoro_producer_reconnects_total") != "0");
    const auto& prom = texts.at("prometheus");
    const auto& json = texts.at("json");
    // The histograms: one observation per answered request and per acknowledged batch.
    CHECK(stats.request_latency.count >= 1);
    CHECK(stats.request_latency.count <= stats.requests_sent);
    CHECK(stats.delivery_latency.count >= 1);
    for (const auto& [name, h] : {std::pair{std::string("request_latency"), &stats.request_latency},
                                  std::pair{std::string("delivery_latency"), &stats.delivery_latency}}) {
        const std::string family = "kcoro_producer_" + name + "_seconds";
        CHECK(prom.at(family + "_count") == std::to_string(h->count));
        CHECK(prom.at(family + "_bucket{le=+Inf}") == std::to_string(h->count));
        CHECK(json.at(name + ".count") == std::to_string(h->count));
        CHECK(json.at(name + ".sum_us") == std::to_string(h->sum_us));
        CHECK(json.at(name + ".p99_us") == std::to_string(h->quantile_us(0.99)));
    }
    // Errors by code: the restart's lost connections among them, at least one per retry.
    std::uint64_t batch_errors = 0;
    for (const kcoro::error_count& e : stats.batch_errors) {
        const std::string name = kcoro::error_code_name(e.code);
        batch_errors += e.batches;
        CHECK(prom.at("kcoro_producer_batch_errors_total{code=" + name + "}") == std::to_string(e.batches));
        CHECK(json.at("batch_errors." + name) == std::to_string(e.batches));
    }
    CHECK(batch_errors >= stats.retries);
    // Per broker and per partition, the same numbers in both texts; the partitions add up.
    REQUIRE_FALSE(stats.brokers.empty());
    std::uint64_t broker_requests = 0;
    for (std::size_t i = 0; i < stats.brokers.size(); ++i) {
        const kcoro::broker_stats& b = stats.brokers[i];
        broker_requests += b.requests_sent;
        const std::string at = "brokers[" + std::to_string(i) + "].";
        CHECK(json.at(at + "id") == std::to_string(b.id));
        for (const auto& f : kcoro::broker_stats_fields) {
            const std::string name = "kcoro_producer_broker_" + std::string(f.name) + (f.counter ? "_total" : "");
            CHECK_MESSAGE(prom.at(name + "{broker=" + std::to_string(b.id) + "}") == std::to_string(b.*f.value), name);
            CHECK(json.at(at + std::string(f.name)) == std::to_string(b.*f.value));
        }
    }
    CHECK(broker_requests == stats.requests_sent);
    std::uint64_t delivered = 0;
    REQUIRE(stats.partitions.size() == 3);
    for (std::size_t i = 0; i < stats.partitions.size(); ++i) {
        const kcoro::partition_stats& ps = stats.partitions[i];
        CHECK(ps.topic == topic);
        delivered += ps.records_delivered;
        const std::string labels = "{partition=" + std::to_string(ps.partition) + ",topic=" + topic + "}";
        for (const auto& f : kcoro::partition_stats_fields) {
            const std::string name = "kcoro_producer_partition_" + std::string(f.name) + (f.counter ? "_total" : "");
            CHECK_MESSAGE(prom.at(name + labels) == std::to_string(ps.*f.value), name);
            CHECK(json.at("partitions[" + std::to_string(i) + "]." + std::string(f.name)) == std::to_string(ps.*f.value));
        }
    }
    CHECK(delivered == stats.records_delivered);
    CHECK(stats.records_delivered == 20000);
}

TEST_CASE("close() with the broker gone returns within its timeout and fails every pending record") {
    const char* dir = std::getenv("KAFKA_DIR");
    REQUIRE_MESSAGE(dir != nullptr, "KAFKA_DIR must name the broker started by scripts/kafka");
    const std::string topic = new_topic("gone");
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .request_timeout = 20000ms});
    REQUIRE(p);
    struct result_t {
        bool first_ok = false;
        int failed = 0;
        int delivered = 0;
        std::chrono::steady_clock::duration close_took{};
        bool close_ok = true;
    };
    auto run = [](kcoro::producer<>& pr, std::string t, std::string script, std::string kdir) -> kcoro::task<result_t> {
        result_t r;
        r.first_ok = static_cast<bool>(co_await pr.send({.topic = t, .value = "before"}));
        // Freeze the broker (SIGSTOP): connections stay open but nothing answers.
        (void)std::system((script + " pause " + kdir + " 1 >/dev/null 2>&1").c_str());
        std::vector<kcoro::delivery_handle> hs;
        for (int i = 0; i < 100; ++i) {
            auto h = co_await pr.enqueue({.topic = t, .value = "pending"});
            if (h) hs.push_back(std::move(*h));
        }
        const auto t0 = std::chrono::steady_clock::now();
        auto c = co_await pr.close(2000ms);
        r.close_took = std::chrono::steady_clock::now() - t0;
        r.close_ok = static_cast<bool>(c);
        for (auto& h : hs) {
            auto d = co_await h;
            d ? ++r.delivered : ++r.failed;
        }
        (void)std::system((script + " resume " + kdir + " 1 >/dev/null 2>&1").c_str());
        co_return r;
    };
    auto r = kcoro::run_until_complete(loop, run(**p, topic, kafka_script(), dir));
    CHECK(r.first_ok);
    CHECK_FALSE(r.close_ok);
    CHECK(r.failed == 100);
    CHECK(r.delivered == 0);
    CHECK(r.close_took < 5s);
    MESSAGE("close(2 s) returned after " << std::chrono::duration_cast<std::chrono::milliseconds>(r.close_took).count() << " ms");
}

}  // namespace faults_it
