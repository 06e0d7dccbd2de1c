// mock_cluster_process.hpp against the real kcoro_mock_cluster program, with librdkafka's producer
// as an independent client: the bootstrap it reports works, faults pushed through it reach the
// client, and the child is always reaped.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "mock_cluster_process.hpp"

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

#include <signal.h>
#include <sys/types.h>

using kcoro::testing::mock_cluster_options;
using kcoro::testing::mock_cluster_process;

namespace {

constexpr std::int16_t produce_api = 0;
constexpr int not_leader_or_follower = 6;
constexpr int topic_authorization_failed = 29;

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Produces n records to topic/partition 0 with librdkafka; returns each delivery's error code.
std::vector<int> produce(const std::string& bootstrap, const std::string& topic, int n) {
    std::vector<int> results;
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err);
    rd_kafka_conf_set(conf, "retry.backoff.ms", "10", err, sizeof err);
    rd_kafka_conf_set_opaque(conf, &results);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        static_cast<std::vector<int>*>(opaque)->push_back(static_cast<int>(m->err));
    });
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE_MESSAGE(rk != nullptr, err);
    // rd_kafka_produce, not rd_kafka_producev: the latter's macros use GNU statement expressions.
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    REQUIRE(rkt != nullptr);
    for (int i = 0; i < n; ++i) {
        std::string v(1, 'v');
        v += std::to_string(i);
        CHECK(rd_kafka_produce(rkt, 0, RD_KAFKA_MSG_F_COPY, v.data(), v.size(), nullptr, 0, nullptr) == 0);
    }
    CHECK(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return results;
}

}  // namespace

TEST_CASE("starts, reports a working bootstrap, answers commands and reports errors") {
    auto mock = mock_cluster_process::start({.brokers = 3, .topics = {"t:2:3"}});
    REQUIRE(mock);
    const std::string& bs = mock->bootstrap();
    CHECK(bs.rfind("127.0.0.1:", 0) == 0);
    CHECK(std::count(bs.begin(), bs.end(), ',') == 2);

    auto echoed = mock->request("bootstrap");
    REQUIRE(echoed);
    CHECK(*echoed == bs);
    CHECK(mock->command("ping"));
    CHECK(mock->error().empty());

    CHECK_FALSE(mock->command("no-such-command"));
    CHECK(mock->error().find("unknown command") != std::string::npos);
    CHECK_FALSE(mock->set_leader("t", 0, 99));  // no broker 99
    CHECK(mock->error().find("BROKER_NOT_AVAILABLE") != std::string::npos);
    CHECK_FALSE(mock->command("two\nlines"));

    CHECK(mock->create_topic("u", 4, 3));
    CHECK(mock->set_leader("t", 1, 2));
    CHECK(mock->set_rtt(-1, 0));
    CHECK(mock->set_apiversion(produce_api, 3, 7));
    CHECK(mock->broker_down(3));
    CHECK(mock->broker_up(3));
    CHECK(mock->clear_errors(produce_api));
}

TEST_CASE("cluster-wide errors reach an independent producer, which retries or fails as Kafka says") {
    auto mock = mock_cluster_process::start({.brokers = 3, .topics = {"t:1:3"}});
    REQUIRE(mock);
    REQUIRE(mock->set_leader("t", 0, 1));

    REQUIRE(mock->push_errors(produce_api, {not_leader_or_follower, not_leader_or_follower}));
    const std::vector<int> retried = produce(mock->bootstrap(), "t", 20);
    CHECK(retried == std::vector<int>(20, 0));

    REQUIRE(mock->push_errors(produce_api, {topic_authorization_failed}));
    const std::vector<int> refused = produce(mock->bootstrap(), "t", 1);
    CHECK(refused == std::vector<int>{topic_authorization_failed});

    CHECK(produce(mock->bootstrap(), "t", 3) == std::vector<int>(3, 0));  // the stack is used up
}

TEST_CASE("per-broker errors with delays are consumed by the leader's Produce requests") {
    auto mock = mock_cluster_process::start({.brokers = 2, .topics = {"t:1:2"}});
    REQUIRE(mock);
    REQUIRE(mock->set_leader("t", 0, 2));
    REQUIRE(mock->broker_push_errors(2, produce_api, {{not_leader_or_follower, 50}, {0, 50}}));
    CHECK(mock->broker_error_count(2, produce_api) == std::optional<std::size_t>(2));
    CHECK(mock->broker_error_count(1, produce_api) == std::optional<std::size_t>(0));
    CHECK(produce(mock->bootstrap(), "t", 5) == std::vector<int>(5, 0));
    CHECK(mock->broker_error_count(2, produce_api) == std::optional<std::size_t>(0));
    CHECK_FALSE(mock->broker_error_count(7, produce_api));  // no broker 7
}

TEST_CASE("the child is reaped: on stop, on destruction, after a move, and when it dies") {
    pid_t pid = -1;
    {
        auto mock = mock_cluster_process::start({.brokers = 1});
        REQUIRE(mock);
        pid = mock->pid();
        REQUIRE(pid > 0);
        CHECK_FALSE(process_gone(pid));
        mock_cluster_process moved = std::move(*mock);
        CHECK_FALSE(mock->running());
        CHECK(moved.pid() == pid);
        CHECK(moved.command("ping"));
    }
    CHECK(process_gone(pid));

    auto a = mock_cluster_process::start({.brokers = 1});
    REQUIRE(a);
    CHECK(a->stop() == 0);  // closed input: destroys the cluster and exits 0
    CHECK_FALSE(a->running());
    CHECK_FALSE(a->command("ping"));

    auto b = mock_cluster_process::start({.brokers = 1});
    REQUIRE(b);
    CHECK(b->command("quit"));
    CHECK(b->stop() == 0);

    auto c = mock_cluster_process::start({.brokers = 1});
    REQUIRE(c);
    REQUIRE(::kill(c->pid(), SIGKILL) == 0);
    CHECK_FALSE(c->command("ping"));
    CHECK(c->error() == "mock cluster exited");
    CHECK(c->stop() == 128 + SIGKILL);
}

TEST_CASE("start fails with a reason for a bad topic or a missing program") {
    std::string why;
    CHECK_FALSE(mock_cluster_process::start({.topics = {"no-counts"}}, &why));
    CHECK(why == "mock cluster exited");
    why.clear();
    CHECK_FALSE(mock_cluster_process::start({.program = "/nonexistent/kcoro_mock_cluster"}, &why));
    CHECK(why.find("cannot start") != std::string::npos);
}
