// librdkafka's mock cluster as a broker for the Asio tests: a handful of brokers speaking the Kafka
// protocol on 127.0.0.1, run by librdkafka's own threads while the object lives. Also the
// asio::detail::throw_exception that Asio asks of every program built without exceptions.
#pragma once

#include <kcoro/asio.hpp>

#include <doctest/doctest.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdio>
#include <cstdlib>

#if !KCORO_HAS_EXCEPTIONS
namespace asio::detail {
template <typename Exception>
void throw_exception(const Exception& e) {
    std::fprintf(stderr, "asio error: %s\n", e.what());
    std::abort();
}
}  // namespace asio::detail
#endif

namespace kcoro_test {

class rdkafka_mock_cluster {
public:
    explicit rdkafka_mock_cluster(int brokers) {
        char err[256];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        REQUIRE(rk_ != nullptr);
        mc_ = rd_kafka_mock_cluster_new(rk_, brokers);
        REQUIRE(mc_ != nullptr);
    }
    rdkafka_mock_cluster(const rdkafka_mock_cluster&) = delete;
    rdkafka_mock_cluster& operator=(const rdkafka_mock_cluster&) = delete;
    ~rdkafka_mock_cluster() {
        if (mc_ != nullptr) rd_kafka_mock_cluster_destroy(mc_);
        if (rk_ != nullptr) rd_kafka_destroy(rk_);
    }

    void create_topic(const char* name, int partitions, int replication) {
        REQUIRE(rd_kafka_mock_topic_create(mc_, name, partitions, replication) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    const char* bootstrap_servers() const { return rd_kafka_mock_cluster_bootstraps(mc_); }
    rd_kafka_mock_cluster_t* get() const noexcept { return mc_; }

private:
    rd_kafka_t* rk_ = nullptr;
    rd_kafka_mock_cluster_t* mc_ = nullptr;
};

}  // namespace kcoro_test
