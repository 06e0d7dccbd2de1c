// The metadata refresh: what the producer knows of the cluster (cluster_metadata), the loop that asks
// for it (when a send needs a topic, when a leader is in doubt, every metadata_max_age, after a
// failure with backoff), the bootstrap connections it asks through while no broker's connection is
// up, what last went wrong reaching the cluster, and the waiters of wait_for_metadata(). It counts
// routing changes (a leader moved, partitions appeared, a leader was forgotten), by which each
// broker's sender knows when to list its partitions again. What a refresh sets in motion beyond
// that (parked sends retried, senders woken) it leaves to the engine, which it asks through `host`;
// the records of a topic the cluster keeps saying does not exist it fails itself.
#pragma once

#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "../result.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/task.hpp"
#include "../runtime/wake_signal.hpp"
#include "broker_connection.hpp"
#include "cluster_metadata.hpp"
#include "parked_sends.hpp"
#include "producer_batch.hpp"
#include "producer_config.hpp"
#include "producer_identity.hpp"
#include "producer_log.hpp"
#include "producer_stats.hpp"
#include "record_accumulator.hpp"
#include "retry_policy.hpp"
#include "shared_tls_context.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <engine_runtime Runtime>
class metadata_refresher {
public:
    // What the refresher asks of the engine that holds it.
    class host {
    public:
        virtual bool closing() const noexcept = 0;   // no new sends
        virtual bool stopping() const noexcept = 0;  // background work ends
        // A broker's connection that is up, to ask through instead of a bootstrap address.
        virtual broker_connection<Runtime>* ready_connection() = 0;
        virtual void leader_seen(std::int32_t broker) = 0;  // it gets a sender
        virtual void fail_batch(producer_batch* b, const error& e) = 0;
        virtual void refresh_ended() = 0;                   // after every attempt, ok or not
        // Expires what waited too long; when the next thing will have (the loop sleeps until then).
        virtual steady_time housekeeping(steady_time now) = 0;
        virtual void coroutine_ended() = 0;

    protected:
        ~host() = default;
    };

    struct parts {
        Runtime& rt;
        const producer_config& config;
        shared_tls_context& tls;
        record_accumulator& accumulator;
        parked_sends& parked;
        producer_identity& identity;
        producer_stats& stats;
        producer_log& log;
        detail::detached_scope& background;
        host& engine;
    };

    metadata_refresher(parts p, std::vector<broker_address> bootstrap) : p_(p), bootstrap_(std::move(bootstrap)), wake_(p.rt) {}
    metadata_refresher(const metadata_refresher&) = delete;
    metadata_refresher& operator=(const metadata_refresher&) = delete;

    detail::detached_task loop() {
        int failures = 0;
        steady_time last_refresh{};
        while (!p_.engine.stopping()) {
            const steady_time now = p_.rt.now();
            const bool due = wanted_ || now >= last_refresh + p_.config.metadata_max_age;
            if (due && now >= retry_at_) {
                wanted_ = false;
                auto r = co_await refresh();
                if (p_.engine.stopping()) break;
                if (r) {
                    failures = 0;
                    unreachable_ = false;
                    last_refresh = p_.rt.now();
                    ++p_.stats.metadata_refreshes;
                    fail_unknown_topics();
                    if (needs_more_metadata()) retry_at_ = p_.rt.now() + p_.config.retry_backoff;
                } else {
                    ++failures;
                    unreachable_ = true;
                    last_error_ = std::move(r).err();
                    wanted_ = true;
                    const auto wait = retry_backoff(failures, p_.config.retry_backoff, p_.config.retry_backoff_max, p_.rt.random());
                    retry_at_ = p_.rt.now() + wait;
                    if (p_.log.enabled(log_level::warning))
                        p_.log.producer(log_level::warning, last_error_.kind(),
                                        "metadata request failed: " + last_error_.message() + "; next attempt in " +
                                            std::to_string(wait.count()) + " ms");
                }
                p_.engine.refresh_ended();
                notify_waiters();
            }
            const steady_time housekeeping_due = p_.engine.housekeeping(p_.rt.now());
            const steady_time soon = std::max(retry_at_, p_.rt.now() + std::chrono::milliseconds(10));
            // Never in the past: before the first successful refresh last_refresh is the epoch.
            steady_time next = std::max(last_refresh + p_.config.metadata_max_age, soon);
            const bool more = needs_more_metadata();
            if (wanted_ || more) next = std::min(next, soon);
            next = std::min(next, housekeeping_due);
            if (more) wanted_ = true;
            co_await wake_.wait_until(next);
        }
        notify_waiters();  // they see the producer closing
        p_.engine.coroutine_ended();
    }

    // ---- what is known ----

    const cluster_metadata& metadata() const noexcept { return metadata_; }
    bool has_metadata(std::string_view topic_name) const noexcept {
        const topic_metadata* md = metadata_.topic(topic_name);
        return md != nullptr && !md->partitions.empty();
    }
    const error& last_error() const noexcept { return last_error_; }

    // Bumps whenever the partitions some broker leads may have changed.
    std::uint64_t routing_version() const noexcept { return routing_version_; }
    void routing_changed() noexcept { ++routing_version_; }
    void forget_leader(std::string_view topic, std::int32_t partition) {
        metadata_.forget_leader(topic, partition);
        ++routing_version_;
    }

    // ---- asking ----

    void request() noexcept {
        wanted_ = true;
        wake_.notify();
    }
    // Runs the loop now (housekeeping, or a refresh that is due).
    void notify() noexcept { wake_.notify(); }
    // A broker could not be reached: said by last_error(), and the leaders asked again.
    void connection_failed(error e) {
        last_error_ = std::move(e);
        request();
    }

    // Why a topic has no usable metadata, as an error: what the broker said of it, else (while the
    // cluster cannot be reached) what last went wrong reaching it, else `otherwise`.
    error missing(std::string_view topic, std::string what, errc otherwise) const {
        const topic_metadata* md = metadata_.topic(topic);
        if (md != nullptr && md->error != errc::none) {
            if (md->error == errc::unknown_topic_or_partition) what += ": the broker says it does not exist";
            return error(md->error, std::move(what));
        }
        if (unreachable_ && last_error_) return error(last_error_.code(), what + "; last error: " + last_error_.detail());
        return error(otherwise, std::move(what));
    }

    // Resumes once every topic of `names` has metadata, one is refused, the producer closes or
    // `timeout` passes (see producer_engine::wait_for_metadata).
    task<result<void>> wait_for(std::vector<std::string> names, std::chrono::milliseconds timeout) {
        const steady_time deadline = p_.rt.now() + timeout;
        detail::wake_signal<Runtime> signal(p_.rt);
        waiters_.push_back(&signal);
        result<void> outcome = ok();
        for (;;) {
            if (p_.engine.closing()) {
                outcome = error(errc::producer_closed, "the producer was closed while waiting for metadata");
                break;
            }
            std::string unknown;
            bool refused = false;
            for (const std::string& name : names) {
                if (has_metadata(name)) continue;
                const topic_metadata* md = metadata_.topic(name);
                if (md != nullptr && md->error != errc::none && !is_retriable(md->error)) {
                    outcome = error(md->error, "topic '" + name + "'");
                    refused = true;
                    break;
                }
                unknown += (unknown.empty() ? "'" : ", '") + name + "'";
            }
            if (refused || unknown.empty()) break;
            if (p_.rt.now() >= deadline) {
                outcome = error(errc::timed_out, "no metadata within " + std::to_string(timeout.count()) + " ms for " + unknown);
                break;
            }
            co_await signal.wait_until(deadline);
        }
        std::erase(waiters_, &signal);
        co_return outcome;
    }

    // ---- the bootstrap connections ----

    broker_connection<Runtime>* ready_bootstrap() const noexcept {
        return bootstrap_conn_ && bootstrap_conn_->ready() ? bootstrap_conn_.get() : nullptr;
    }
    bool busy() const noexcept {
        if (bootstrap_conn_ && bootstrap_conn_->busy()) return true;
        return std::any_of(retired_bootstrap_.begin(), retired_bootstrap_.end(), [](const auto& c) { return c->busy(); });
    }
    // Closes the bootstrap connections (`retired` too: those still busy after an earlier one).
    void close(const error& why, bool retired) {
        if (bootstrap_conn_) bootstrap_conn_->close(why);
        if (retired)
            for (auto& r : retired_bootstrap_) r->close(why);
        wake_.notify();
    }

private:
    // Sends parked for a topic's metadata, or queued records whose partition has no leader (or
    // whose topic has no metadata any more). A topic nothing waits for is not asked about again.
    bool needs_more_metadata() const {
        if (p_.parked.any_waiting_for_metadata()) return true;
        for (auto& [name, ts] : p_.accumulator.topics()) {
            const topic_metadata* md = metadata_.topic(name);
            const std::size_t known = md == nullptr ? 0 : md->partitions.size();
            for (std::size_t p = 0; p < ts->partitions.size(); ++p)
                if (!ts->partitions[p].queue.empty() && (p >= known || md->partitions[p].leader < 0)) return true;
        }
        return false;
    }

    // After unknown_topic_retries metadata answers in a row said a topic does not exist, its
    // pending records fail with that answer (franz-go's rule; the Java client waits max_block).
    // LEADER_NOT_AVAILABLE, which a broker answers while it creates a topic, does not count.
    void fail_unknown_topics() {
        if (p_.config.unknown_topic_retries <= 0) return;
        std::vector<topic_state*> missing;
        for (auto& [name, ts] : p_.accumulator.topics())
            if (ts->unknown_answers >= p_.config.unknown_topic_retries) missing.push_back(ts.get());
        for (topic_state* ts : missing) {
            const error why(errc::unknown_topic_or_partition,
                            "topic '" + ts->name + "': the broker said " + std::to_string(ts->unknown_answers) +
                                " times in a row that it does not exist (unknown_topic_retries)");
            ts->unknown_answers = 0;
            p_.parked.fail_topic(ts->name, why);
            for (partition_state& ps : ts->partitions) {
                while (!ps.queue.empty()) {
                    producer_batch* b = p_.accumulator.take(ps);
                    // A batch given up after it got a sequence leaves a gap the broker would reject.
                    p_.identity.gave_up(*b);
                    p_.engine.fail_batch(b, why);
                }
            }
        }
    }

    void notify_waiters() {
        for (auto* s : waiters_) s->notify();
    }

    // Says which partitions of a topic known before changed leader in this answer (info), and
    // which have none now (warning).
    void log_leaders(std::string_view topic, const std::vector<partition_leader>& now) const {
        const topic_metadata* before = metadata_.topic(topic);
        if (before == nullptr) return;
        for (std::size_t i = 0; i < now.size() && i < before->partitions.size(); ++i) {
            const std::int32_t was = before->partitions[i].leader, is = now[i].leader;
            if (was == is) continue;
            const auto partition = static_cast<std::int32_t>(i);
            std::string m = "topic '" + std::string(topic) + "' partition " + std::to_string(partition);
            if (is < 0) {
                m += " has no leader";
                if (now[i].error != errc::none) m += " (" + error(now[i].error).message() + ")";
                p_.log.partition(log_level::warning, topic, partition, -1, now[i].error, m);
            } else {
                m += was < 0 ? " has a leader again: broker " + std::to_string(is)
                             : ": its leader moved from broker " + std::to_string(was) + " to broker " + std::to_string(is);
                p_.log.partition(log_level::info, topic, partition, is, errc::none, m);
            }
        }
    }

    task<result<void>> refresh() {
        broker_connection<Runtime>* conn = p_.engine.ready_connection();
        if (conn == nullptr) conn = ready_bootstrap();
        if (conn == nullptr) {
            // Bootstrap: try each address in turn.
            if (bootstrap_conn_) retired_bootstrap_.push_back(std::move(bootstrap_conn_));
            std::erase_if(retired_bootstrap_, [](const auto& c) { return !c->busy(); });
            const std::size_t index = bootstrap_next_++ % bootstrap_.size();
            const broker_address& a = bootstrap_[index];
            bootstrap_conn_ = std::make_unique<broker_connection<Runtime>>(p_.rt, a.host, a.port, p_.config, &p_.background, &p_.tls);
            ++p_.stats.connection_attempts;
            auto c = co_await bootstrap_conn_->connect(p_.config.socket_connection_setup_timeout, p_.config.request_timeout);
            if (!c) {
                ++p_.stats.connection_failures;
                co_return std::move(c).err();
            }
            if (bootstrap_connected_.size() < bootstrap_.size()) bootstrap_connected_.resize(bootstrap_.size());
            if (bootstrap_connected_[index]) ++p_.stats.reconnects;
            bootstrap_connected_[index] = true;
            conn = bootstrap_conn_.get();
        }
        std::vector<metadata_request_topic> names;
        for (auto& [name, ts] : p_.accumulator.topics()) names.push_back({.name = ts->name});
        metadata_request req;
        req.topics = std::span<const metadata_request_topic>(names);
        req.allow_auto_topic_creation = true;
        auto r = co_await conn->request(req);
        if (!r) co_return std::move(r).err();
        std::vector<broker_node> nodes;
        for (const auto& br : r->brokers) nodes.push_back(broker_node{br.node_id, std::string(br.host), static_cast<std::uint16_t>(br.port)});
        metadata_.set_brokers(std::move(nodes));
        if (r->cluster_id) metadata_.cluster_id = std::string(*r->cluster_id);
        metadata_.controller_id = r->controller_id;
        for (const auto& t : r->topics) {
            if (!t.name) continue;
            std::int32_t count = 0;
            for (const auto& p : t.partitions) count = std::max(count, p.partition_index + 1);
            std::vector<partition_leader> leaders(static_cast<std::size_t>(count));
            for (const auto& p : t.partitions) {
                auto& pl = leaders[static_cast<std::size_t>(p.partition_index)];
                pl.leader = p.error_code == errc::leader_not_available ? -1 : p.leader_id;
                pl.leader_epoch = p.leader_epoch;
                pl.error = p.error_code;
            }
            if (p_.log.enabled(log_level::info)) log_leaders(*t.name, leaders);
            if (metadata_.update_topic(*t.name, t.error_code, std::move(leaders))) ++routing_version_;
            if (topic_state* ts = p_.accumulator.find(*t.name)) {
                if (t.error_code == errc::unknown_topic_or_partition) ++ts->unknown_answers;
                else ts->unknown_answers = 0;
            }
            for (const auto& p : t.partitions)
                if (p.leader_id >= 0) p_.engine.leader_seen(p.leader_id);
        }
        co_return ok();
    }

    parts p_;
    cluster_metadata metadata_;
    std::vector<broker_address> bootstrap_;
    std::size_t bootstrap_next_ = 0;
    std::unique_ptr<broker_connection<Runtime>> bootstrap_conn_;
    std::vector<std::unique_ptr<broker_connection<Runtime>>> retired_bootstrap_;
    std::vector<bool> bootstrap_connected_;  // per bootstrap address: connected at least once
    detail::wake_signal<Runtime> wake_;
    std::vector<detail::wake_signal<Runtime>*> waiters_;
    bool wanted_ = true;
    steady_time retry_at_{};
    bool unreachable_ = false;  // the last attempt failed
    error last_error_;          // what last went wrong reaching the cluster
    std::uint64_t routing_version_ = 0;
};

KCORO_NAMESPACE_END
