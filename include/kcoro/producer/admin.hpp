// A small admin client on the producer's protocol layer: create and delete topics, read metadata.
// Used by tests and examples; enough for a service to make sure its topics exist at start-up.
#pragma once

#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "../result.hpp"
#include "../runtime/runtime.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "broker_connection.hpp"
#include "producer_config.hpp"
#include "shared_tls_context.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <engine_runtime R>
class basic_admin {
public:
    // Only bootstrap_servers, client_id, the timeouts and the security settings of the config are
    // used.
    basic_admin(R rt, producer_config config) : rt_(std::move(rt)), config_(std::move(config)) {}
    basic_admin(const basic_admin&) = delete;
    basic_admin& operator=(const basic_admin&) = delete;

    // Creates the topic and waits until every partition has a leader. An existing topic with the
    // same name is an error (topic_already_exists), so tests notice name clashes.
    task<result<void>> create_topic(std::string name, std::int32_t partitions, std::int16_t replication_factor,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
        auto c = co_await connection();
        if (!c) co_return std::move(c).err();
        create_topics_request req;
        const create_topics_topic topic{name, partitions, replication_factor};
        req.topics = std::span<const create_topics_topic>(&topic, 1);
        req.timeout_ms = static_cast<std::int32_t>(timeout.count());
        auto r = co_await conn_->request(req);
        if (!r) co_return std::move(r).err();
        for (const auto& t : r->topics)
            if (t.error_code != errc::none)
                co_return error(t.error_code, "create topic '" + name + "'" + (t.error_message ? ": " + std::string(*t.error_message) : std::string()));
        co_return co_await wait_for_leaders(name, partitions, timeout);
    }

    task<result<void>> delete_topic(std::string name, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
        auto c = co_await connection();
        if (!c) co_return std::move(c).err();
        delete_topics_request req;
        // Versions up to 5 carry names, 6 and later topic states (by name here).
        const std::string_view names[] = {name};
        const delete_topics_request::delete_topic_state states[] = {{.name = name}};
        req.topic_names = names;
        req.topics = states;
        req.timeout_ms = static_cast<std::int32_t>(timeout.count());
        auto r = co_await conn_->request(req);
        if (!r) co_return std::move(r).err();
        for (const auto& t : r->responses)
            if (t.error_code != errc::none) co_return error(t.error_code, "delete topic '" + name + "'");
        co_return ok();
    }

    // Metadata for the named topics (all topics when empty).
    task<result<metadata_response>> describe(std::vector<std::string> topics) {
        auto c = co_await connection();
        if (!c) co_return std::move(c).err();
        std::vector<metadata_request_topic> names;
        for (const auto& t : topics) names.push_back({.name = t});
        metadata_request req;
        if (!topics.empty()) req.topics = std::span<const metadata_request_topic>(names);
        else req.topics = std::nullopt;  // every topic
        req.allow_auto_topic_creation = false;
        co_return co_await conn_->request(req);
    }

    task<void> close() {
        if (conn_) {
            conn_->close(error(errc::cancelled));
            auto t = rt_.make_timer();
            while (conn_->busy()) co_await t.wait_until(rt_.now() + std::chrono::milliseconds(5));
        }
    }

    ~basic_admin() {
        // close() must have been awaited when a connection was made.
    }

private:
    task<result<void>> connection() {
        if (conn_ && conn_->ready()) co_return ok();
        auto servers = parse_bootstrap_servers(config_.bootstrap_servers);
        if (!servers) co_return std::move(servers).err();
        error last(errc::connection_failed);
        for (const auto& a : *servers) {
            if (conn_) co_await close();
            conn_ = std::make_unique<broker_connection<R>>(rt_, a.host, a.port, config_, nullptr, &tls_);
            auto r = co_await conn_->connect(config_.socket_connection_setup_timeout, config_.request_timeout);
            if (r) co_return ok();
            last = std::move(r).err();
        }
        co_return last;
    }

    task<result<void>> wait_for_leaders(std::string name, std::int32_t partitions, std::chrono::milliseconds timeout) {
        const steady_time deadline = rt_.now() + timeout;
        auto t = rt_.make_timer();
        for (;;) {
            std::vector<std::string> wanted{name};
            auto md = co_await describe(std::move(wanted));
            if (md) {
                for (const auto& topic : md->topics) {
                    if (!topic.name || *topic.name != name || topic.error_code != errc::none) continue;
                    int led = 0;
                    for (const auto& p : topic.partitions) led += p.leader_id >= 0 && p.error_code == errc::none;
                    if (led == partitions) co_return ok();
                }
            }
            if (rt_.now() >= deadline) co_return error(errc::timed_out, "topic '" + name + "' has no leaders yet");
            co_await t.wait_until(rt_.now() + std::chrono::milliseconds(50));
        }
    }

    R rt_;
    producer_config config_;
    shared_tls_context tls_;  // one for the connections made one after another, as a producer's
    std::unique_ptr<broker_connection<R>> conn_;
};

KCORO_NAMESPACE_END
