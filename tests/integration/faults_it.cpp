// Bad input and faults against the real broker: each gets a clear error and loses nothing else.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

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

}  // namespace

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
    CHECK(c);  // nothing was left to deliver: the one record already failed
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

TEST_CASE("a broker restarted mid-stream: with idempotence nothing is lost or duplicated") {
    const char* dir = std::getenv("KAFKA_DIR");
    REQUIRE_MESSAGE(dir != nullptr, "KAFKA_DIR must name the broker started by scripts/kafka");
    const std::string topic = new_topic("restart", 3);
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = kcoro_it::bootstrap(), .delivery_timeout = 120000ms});
    REQUIRE(p);
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
