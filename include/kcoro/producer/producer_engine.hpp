// The producer engine: everything between a record's bytes and the broker's answer, instantiated
// once per runtime. basic_producer (the front) serializes and partitions, then hands the record to
// append(); the engine owns the rest through its parts: the record accumulator, the parked sends,
// delivery reporting, the producer identity and the retry policy (each in its own header, none
// knowing a runtime), plus what needs the runtime here: one sender per broker, one coroutine per
// request in flight, the metadata loop and the idempotence loop. docs/architecture.md draws it.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "../record/record.hpp"
#include "../result.hpp"
#include "../runtime/runtime.hpp"
#include "broker_connection.hpp"
#include "cluster_metadata.hpp"
#include "delivery.hpp"
#include "delivery_handle.hpp"
#include "delivery_reporter.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/wake_signal.hpp"
#include "producer_batch.hpp"
#include "producer_config.hpp"
#include "producer_stats.hpp"
#include "parked_sends.hpp"
#include "producer_identity.hpp"
#include "producer_record.hpp"
#include "record_accumulator.hpp"
#include "retry_policy.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <engine_runtime Runtime>
class producer_engine {
public:
    producer_engine(Runtime rt, producer_config config, std::vector<broker_address> bootstrap)
        : rt_(std::move(rt)),
          config_(std::move(config)),
          bootstrap_(std::move(bootstrap)),
          metadata_wake_(rt_),
          idempotence_wake_(rt_),
          identity_(config_.enable_idempotence || !config_.transactional_id.empty()) {
        rt_post_ = [this](std::coroutine_handle<> h) { rt_.post(h); };
    }
    producer_engine(const producer_engine&) = delete;
    producer_engine& operator=(const producer_engine&) = delete;

    // Starts connecting: the metadata loop, and the idempotence loop when there is one.
    void start() {
        ++live_coroutines_;
        detail::start_detached(rt_, background_, metadata_loop());
        if (identity_.idempotent()) {
            ++live_coroutines_;
            detail::start_detached(rt_, background_, idempotence_loop());
        }
    }

    // ---- metadata before the first send --------------------------------------------------------

    // True once the topic's partitions are known, so that try_send to it is not refused for want
    // of metadata (leader_not_available).
    bool has_metadata(std::string_view topic_name) const noexcept {
        const topic_metadata* md = metadata_.topic(topic_name);
        return md != nullptr && !md->partitions.empty();
    }

    // Looks the topics up now, without sending, and resumes once every one has_metadata(): ok, the
    // broker's error for a topic it refuses (an invalid name, no authorization), or timed_out
    // naming the topics still unknown after `timeout`. A game loop warms up before its first frame
    // with run_until_complete(loop, producer.wait_for_metadata({"events"}, 10s)); the names are
    // copied, so the list need not outlive the call.
    task<result<void>> wait_for_metadata(std::initializer_list<std::string_view> topics, std::chrono::milliseconds timeout) {
        return wait_for_metadata(std::span<const std::string_view>(topics.begin(), topics.size()), timeout);
    }
    task<result<void>> wait_for_metadata(std::span<const std::string_view> topics, std::chrono::milliseconds timeout) {
        std::vector<std::string> names(topics.begin(), topics.end());
        for (const std::string& name : names) (void)topic(name);  // the next metadata refresh asks for it
        return await_metadata(std::move(names), timeout);
    }

    // Records whose outcome nobody awaits (send_and_forget, try_send without callback) report
    // failures here.
    void set_error_handler(std::function<void(const record_metadata&, const error&)> h) { reporter_.set_error_handler(std::move(h)); }

    // ---- flush and close ----------------------------------------------------------------------

    // Sends everything buffered now, ignoring linger, and resumes when every record enqueued so
    // far has been acknowledged or has failed.
    task<void> flush() {
        const detail::detached_scope::hold keep(background_);  // first: the producer outlives this frame
        ++flushing_;
        notify_all_senders();
        detail::wake_signal<Runtime> signal(rt_);
        idle_waiters_.push_back(&signal);
        while (!idle() && !destroyed()) co_await signal.wait_until(rt_.now() + std::chrono::milliseconds(100));
        std::erase(idle_waiters_, &signal);
        if (!destroyed()) co_await acks_none_barrier();
        --flushing_;
    }

    // Stops accepting records, delivers what it can within `timeout`, fails the rest with
    // errc::timed_out, closes every connection and returns once no background work is left.
    // Sends parked before close() (waiting for metadata or buffer memory) still go out if they
    // can within the timeout; those that cannot fail with errc::producer_closed, saying close()
    // interrupted them. Ok only if every record accepted or parked before close() was delivered;
    // otherwise the first failure, with how many there were.
    task<result<void>> close(std::chrono::milliseconds timeout) {
        const detail::detached_scope::hold keep(background_);  // first: the producer outlives this frame
        if (closed()) co_return ok();
        if (destroyed()) co_return error(errc::producer_destroyed, "close() on a producer being destroyed");
        state_ = lifecycle::closing;
        reporter_.watch_failures(true);
        ++flushing_;
        notify_all_senders();
        const steady_time deadline = rt_.now() + timeout;
        detail::wake_signal<Runtime> signal(rt_);
        idle_waiters_.push_back(&signal);
        while (!idle() && rt_.now() < deadline && !destroyed())
            co_await signal.wait_until(std::min(deadline, rt_.now() + std::chrono::milliseconds(50)));
        if (destroyed()) {
            std::erase(idle_waiters_, &signal);
            co_return error(errc::producer_destroyed, "the producer was destroyed during close()");
        }
        if (idle()) co_await acks_none_barrier();
        state_ = lifecycle::stopping;
        fail_waiting_senders(errc::producer_closed, "close() interrupted this send");
        const error why(errc::timed_out, "not acknowledged before close()'s timeout (" + std::to_string(timeout.count()) + " ms)");
        fail_all_queued(why);
        for (auto& [id, b] : brokers_) {
            if (b->conn) b->conn->close(error(errc::producer_closed));
            b->wake.notify();
        }
        if (bootstrap_conn_) bootstrap_conn_->close(error(errc::producer_closed));
        metadata_wake_.notify();
        idempotence_wake_.notify();
        while ((live_coroutines_ > 0 || accumulator_.outstanding_batches() > 0 || connections_busy()) && !destroyed()) {
            co_await signal.wait_until(rt_.now() + std::chrono::milliseconds(10));
            fail_all_queued(why);
        }
        std::erase(idle_waiters_, &signal);
        if (destroyed()) co_return error(errc::producer_destroyed, "the producer was destroyed during close()");
        state_ = lifecycle::closed;
        --flushing_;
        if (reporter_.watched_failures() > 0)
            co_return error(reporter_.first_watched_failure().code(), "close(): " + std::to_string(reporter_.watched_failures()) +
                                                             " of the records pending when it was called failed; the first: " +
                                                             reporter_.first_watched_failure().detail());
        co_return ok();
    }

    // With acks::none the broker never answers a Produce request, so "written to the socket" is all
    // the producer knows; a broker drops what it has not read yet when the connection closes. A
    // request that does get an answer, sent after them on the same connection, is answered only once
    // the broker has handled every request before it (one connection's requests are processed in
    // order), which makes flush() and close() mean "the broker has these records" here too.
    task<void> acks_none_barrier() {
        if (config_.acks != acks::none) co_return;
        for (auto& [id, b] : brokers_) {
            if (!b->conn || !b->conn->ready()) continue;
            api_versions_request barrier;
            auto r = co_await b->conn->request(barrier);
            (void)r;  // an error here means the connection is gone; nothing more can be done for acks=0
        }
    }

    const producer_stats& stats() const noexcept {
        stats_.buffered_bytes = accumulator_.used_memory();
        stats_.records_delivered = reporter_.delivered();
        stats_.records_failed = reporter_.failed();
        return stats_;
    }
    const producer_config& config() const noexcept { return config_; }
    const cluster_metadata& metadata() const noexcept { return metadata_; }
    // What last went wrong reaching the cluster (a connect, a name lookup, a broker that hung up),
    // saying where; empty until something did.
    const error& last_error() const noexcept { return last_error_; }
    std::int64_t producer_id() const noexcept { return identity_.id(); }
    std::int16_t producer_epoch() const noexcept { return identity_.epoch(); }
    Runtime& runtime() noexcept { return rt_; }
    // The producer's background coroutines. An adapter that starts coroutines of its own around
    // the producer starts them here, so that they are counted and torn down with the producer's.
    detail::detached_scope& background() noexcept { return background_; }

    // The destructor's work, done while the memory stays valid for the coroutines still to run:
    // every outcome reported now, every background coroutine told to end.
    void abandon() noexcept {
        if (destroyed()) return;
        state_ = lifecycle::destroyed;
        reporter_.watch_failures(false);
        fail_waiting_senders(errc::producer_destroyed, "the producer was destroyed");
        // In flight: reported now; their memory goes back when their request's coroutine ends (a
        // write may still be reading it).
        const error unknown(errc::producer_destroyed,
                            "the producer was destroyed while the record's request was in flight: the broker may have written it");
        for (auto& [id, b] : brokers_)
            for (auto& request : b->requests)
                for (auto* batch : request) report_failure(batch, unknown);
        fail_all_queued(error(errc::producer_destroyed, "the producer was destroyed before the record was sent"), unknown);
        for (auto& [id, b] : brokers_) {
            if (b->conn) b->conn->close(error(errc::producer_destroyed));
            for (auto& r : b->retired) r->close(error(errc::producer_destroyed));
            b->wake.notify();
        }
        if (bootstrap_conn_) bootstrap_conn_->close(error(errc::producer_destroyed));
        for (auto& r : retired_bootstrap_) r->close(error(errc::producer_destroyed));
        metadata_wake_.notify();
        idempotence_wake_.notify();
        notify_idle();
    }

    enum class enqueue_status { enqueued, failed, blocked_memory, blocked_metadata };

    // ---- for the front: a record's way in ------------------------------------------------------

    // Whether a record for the topic may be taken now, and where it would go: its topic's state and
    // metadata, or why not (failed: last_enqueue_error() says why; blocked_metadata: parked until
    // the metadata comes). A send parked before close() is still taken while close() runs.
    struct admission {
        enqueue_status status = enqueue_status::enqueued;
        topic_state* topic = nullptr;
        const topic_metadata* metadata = nullptr;
    };
    admission admit(std::string_view topic_name, bool parked_before_close) {
        admission a;
        if (stopping() || (closing() && !parked_before_close)) {
            last_enqueue_error_ = destroyed() ? error(errc::producer_destroyed, "send to a producer being destroyed")
                                              : error(errc::producer_closed, "send after close");
            a.status = enqueue_status::failed;
            return a;
        }
        if (fatal_error_) {
            last_enqueue_error_ = *fatal_error_;
            a.status = enqueue_status::failed;
            return a;
        }
        topic_state& ts = topic(topic_name);
        const topic_metadata* md = metadata_.topic(topic_name);
        if (md == nullptr || md->partitions.empty()) {
            if (md != nullptr && md->error != errc::none && !is_retriable(md->error)) {
                last_enqueue_error_ = error(md->error, "topic '" + std::string(topic_name) + "'");
                a.status = enqueue_status::failed;
                return a;
            }
            request_metadata();
            a.status = enqueue_status::blocked_metadata;
            return a;
        }
        record_accumulator::fit(ts, md->partitions.size());
        a.topic = &ts;
        a.metadata = md;
        return a;
    }

    // Appends an admitted record to its partition's batch, its fields written by the writers
    // straight into it. Inline, as the writers' types are the front's; what follows is not.
    template <class KW, class VW>
    record_accumulator::append_result append(topic_state& ts, std::int32_t partition, std::int64_t timestamp, bool has_key,
                                             KW& key, bool has_value, VW& value, std::span<const record_header> headers,
                                             delivery_slot& slot) {
        auto a = accumulator_.append(ts, partition, rt_.now(), timestamp, has_key, key, has_value, value, headers, slot);
        if (a.sealed_previous || a.status == record_accumulator::append_outcome::too_large) not_appended(ts, partition, a);
        return a;
    }
    // The record is in its batch: counted, and the partition's sender woken if the batch should go
    // before the sender would wake by itself.
    void appended(topic_state& ts, std::int32_t partition, const record_accumulator::append_result& a) {
        const producer_batch& b = *a.batch;
        ++stats_.records_enqueued;
        // A new batch's linger starts now: the sender, which computed when to wake before this batch
        // existed, is woken if it would sleep past it.
        if (b.sealed || config_.linger.count() == 0 || flushing_ > 0) wake_leader(ts.name, partition);
        else if (a.status == record_accumulator::append_outcome::opened) wake_leader_by(ts.name, partition, b.created + config_.linger);
    }
    // Why the last admit() or append() refused a record; the caller takes it.
    error& last_enqueue_error() noexcept { return last_enqueue_error_; }
    // Milliseconds since the epoch, for a record sent without a timestamp.
    std::int64_t timestamp_now() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(rt_.wall_now().time_since_epoch()).count();
    }
    // The slot of a send that awaits a delivery_handle.
    detail::delivery_state_pool& handle_states() noexcept { return reporter_.handle_states(); }
    std::function<void(std::coroutine_handle<>)>* handle_post() noexcept { return &rt_post_; }

    void park(parked_send* s) {
        parked_.park(s);
        if (s->reason == park_reason::metadata) {
            topic(s->topic);
            request_metadata();
        }
        metadata_wake_.notify();  // it also expires parked sends at their max_block
    }
    // While close() runs, each record pending when it was called that fails makes close() fail.
    void note_if_closing(const error& e) { reporter_.note_failure(e); }
    void request_metadata() {
        metadata_wanted_ = true;
        metadata_wake_.notify();
    }
    // Why a topic has no usable metadata, as an error: what the broker said of it, else (while the
    // cluster cannot be reached) what last went wrong reaching it, else `otherwise`.
    error metadata_missing(std::string_view topic, std::string what, errc otherwise) const {
        const topic_metadata* md = metadata_.topic(topic);
        if (md != nullptr && md->error != errc::none) {
            if (md->error == errc::unknown_topic_or_partition) what += ": the broker says it does not exist";
            return error(md->error, std::move(what));
        }
        if (cluster_unreachable_ && last_error_) return error(last_error_.code(), what + "; last error: " + last_error_.detail());
        return error(otherwise, std::move(what));
    }

private:
    void not_appended(topic_state& ts, std::int32_t partition, const record_accumulator::append_result& a) {
        if (a.sealed_previous) wake_leader(ts.name, partition);
        if (a.status == record_accumulator::append_outcome::too_large) {
            batch_released();
            last_enqueue_error_ = error(errc::record_too_large,
                                        "a record of " + std::to_string(a.too_large_bytes) + " bytes (with batch overhead) to topic '" +
                                            ts.name + "' exceeds max_request_size (" + std::to_string(config_.max_request_size) +
                                            ") or buffer_memory");
        }
    }

    // One way through, never back: open -> closing (close() delivers what it can within its
    // timeout) -> stopping (what is left fails, connections close) -> closed; destroying the
    // producer jumps to destroyed from any of them.
    enum class lifecycle : std::uint8_t { open, closing, stopping, closed, destroyed };
    bool closing() const noexcept { return state_ >= lifecycle::closing; }    // no new sends
    bool stopping() const noexcept { return state_ >= lifecycle::stopping; }  // background work ends
    bool closed() const noexcept { return state_ == lifecycle::closed; }
    // The destructor ran; the memory lives on for the coroutines still to end.
    bool destroyed() const noexcept { return state_ == lifecycle::destroyed; }

    topic_state& topic(std::string_view name) {
        bool created = false;
        topic_state& ts = accumulator_.topic(name, created);
        if (created) request_metadata();
        return ts;
    }

    task<result<void>> await_metadata(std::vector<std::string> names, std::chrono::milliseconds timeout) {
        const steady_time deadline = rt_.now() + timeout;
        detail::wake_signal<Runtime> signal(rt_);
        metadata_waiters_.push_back(&signal);
        result<void> outcome = ok();
        for (;;) {
            if (closing()) {
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
            if (rt_.now() >= deadline) {
                outcome = error(errc::timed_out, "no metadata within " + std::to_string(timeout.count()) + " ms for " + unknown);
                break;
            }
            co_await signal.wait_until(deadline);
        }
        std::erase(metadata_waiters_, &signal);
        co_return outcome;
    }
    void notify_metadata_waiters() {
        for (auto* s : metadata_waiters_) s->notify();
    }

    // ---- parked sends -------------------------------------------------------------------------

    void retry_parked() { parked_.retry(); }
    void expire_parked(steady_time now) {
        parked_.expire(now, [&](const parked_send& s) {
            if (s.reason == park_reason::metadata)
                return metadata_missing(s.topic,
                                        "topic '" + std::string(s.topic) + "' not present in metadata after max_block (" +
                                            std::to_string(config_.max_block.count()) + " ms)",
                                        errc::timed_out);
            return error(errc::buffer_exhausted, "buffer_memory (" + std::to_string(config_.buffer_memory) +
                                                     " bytes) stayed full for max_block (" +
                                                     std::to_string(config_.max_block.count()) +
                                                     " ms); a longer max_block waits longer");
        });
    }
    void fail_waiting_senders(const error& e) {
        parked_.fail_all([&](const parked_send&) { return e; });
    }
    // Fails every parked send with `kind`, the reason, and what the send was waiting for.
    void fail_waiting_senders(errc kind, std::string_view reason) {
        parked_.fail_all([&](const parked_send& s) {
            std::string detail(reason);
            if (s.reason == park_reason::metadata) detail += " while it waited for metadata of topic '" + std::string(s.topic) + "'";
            else detail += " while it waited for buffer memory";
            return error(kind, std::move(detail));
        });
    }

    // ---- completion ---------------------------------------------------------------------------

    void complete_batch(producer_batch* b, std::int64_t base_offset, std::int64_t log_append_time) {
        reporter_.complete(*b, base_offset, log_append_time, poster());
        release_batch(b);
    }
    void fail_batch(producer_batch* b, const error& e) {
        report_failure(b, e);
        release_batch(b);
    }
    // The batch keeps its memory (a write may still refer to it).
    void report_failure(producer_batch* b, const error& e) { reporter_.fail(*b, e, poster()); }
    auto poster() noexcept {
        return [this](std::coroutine_handle<> h) { rt_.post(h); };
    }

    void release_batch(producer_batch* b) {
        accumulator_.release(b);
        batch_released();
    }
    // Memory came back: parked sends may get in, and flush() or close() may be done.
    void batch_released() {
        retry_parked();
        if (idle()) notify_idle();
    }

    bool idle() const noexcept { return accumulator_.outstanding_batches() == 0 && parked_.empty(); }

    void fail_all_queued(const error& e) { fail_all_queued(e, e); }
    // `sent_before`: for a batch queued again after an attempt, whose outcome is not known.
    void fail_all_queued(const error& e, const error& sent_before) {
        accumulator_.take_all([&](producer_batch* b) { fail_batch(b, b->attempts > 0 ? sent_before : e); });
    }

    // ---- brokers and senders ------------------------------------------------------------------

    struct broker_state {
        explicit broker_state(Runtime& rt) : wake(rt) {}
        std::int32_t id = -1;
        std::unique_ptr<broker_connection<Runtime>> conn;
        std::vector<std::unique_ptr<broker_connection<Runtime>>> retired;
        detail::wake_signal<Runtime> wake;
        int in_flight = 0;
        steady_time throttled_until{};
        steady_time reconnect_at{};
        int reconnect_failures = 0;
        bool running = false;
        bool connected_before = false;
        // When the sender, with nothing ready to drain, wakes next by itself; the earliest time
        // while it is awake. A batch whose linger ends before then wakes it.
        steady_time sleeps_until = steady_time::min();
        std::vector<producer_batch*> drained;
        // The batches of each request in flight, and emptied lists kept for the next requests: a
        // request's list is known from the drain on, so a producer destroyed before the request's
        // coroutine ran still reports its batches.
        using request_list = std::list<std::vector<producer_batch*>>;
        request_list requests;
        request_list spare_requests;
        request_list::iterator start_request() {
            if (spare_requests.empty()) spare_requests.emplace_back();
            auto it = spare_requests.begin();
            it->assign(drained.begin(), drained.end());
            requests.splice(requests.end(), spare_requests, it);
            return it;
        }
        void end_request(request_list::iterator it) {
            it->clear();
            spare_requests.splice(spare_requests.end(), requests, it);
        }
    };

    broker_state& broker(std::int32_t id) {
        auto it = brokers_.find(id);
        if (it == brokers_.end()) {
            auto b = std::make_unique<broker_state>(rt_);
            b->id = id;
            it = brokers_.emplace(id, std::move(b)).first;
        }
        broker_state& b = *it->second;
        if (!b.running && !stopping()) {
            b.running = true;
            ++live_coroutines_;
            detail::start_detached(rt_, background_, sender_loop(b));
        }
        return b;
    }

    void wake_leader(std::string_view topic_name, std::int32_t partition) { wake_leader_by(topic_name, partition, steady_time::max()); }
    // Wakes the partition's sender if it sleeps past `when` (a new batch's linger deadline).
    void wake_leader_by(std::string_view topic_name, std::int32_t partition, steady_time when) {
        const topic_metadata* md = metadata_.topic(topic_name);
        if (md == nullptr || partition >= md->partition_count()) return;
        const std::int32_t leader = md->partitions[static_cast<std::size_t>(partition)].leader;
        if (leader < 0) return;
        auto it = brokers_.find(leader);
        broker_state& b = it != brokers_.end() ? *it->second : broker(leader);
        if (when == steady_time::max() || b.sleeps_until > when) b.wake.notify();
    }
    void notify_all_senders() {
        for (auto& [id, b] : brokers_) b->wake.notify();
        metadata_wake_.notify();
    }
    bool connections_busy() const {
        for (auto& [id, b] : brokers_) {
            if (b->conn && b->conn->busy()) return true;
            for (auto& r : b->retired)
                if (r->busy()) return true;
        }
        if (bootstrap_conn_ && bootstrap_conn_->busy()) return true;
        for (auto& r : retired_bootstrap_)
            if (r->busy()) return true;
        return false;
    }

    std::chrono::milliseconds backoff(int attempts, std::chrono::milliseconds base, std::chrono::milliseconds cap) {
        // Exponential with +-20% jitter, as the Java client does, so that many clients retrying
        // together spread out.
        double ms = static_cast<double>(base.count());
        for (int i = 1; i < attempts && ms < static_cast<double>(cap.count()); ++i) ms *= 2;
        ms = std::min(ms, static_cast<double>(cap.count()));
        // 53 random bits as a fraction in [0, 1), from the runtime's source (a seed in a simulation).
        const double unit = static_cast<double>(rt_.random() >> 11) * 0x1.0p-53;
        return std::chrono::milliseconds(static_cast<std::int64_t>(ms * (0.8 + 0.4 * unit)));
    }

    detail::detached_task sender_loop(broker_state& b) {
        while (!stopping()) {
            const steady_time now = rt_.now();
            // Connections that closed and have no work left are freed here.
            std::erase_if(b.retired, [](const auto& c) { return !c->busy(); });
            if (!b.conn || !b.conn->ready()) {
                if (now < b.reconnect_at) {
                    co_await b.wake.wait_until(b.reconnect_at);
                    continue;
                }
                const broker_node* node = metadata_.broker(b.id);
                if (node == nullptr) {
                    co_await b.wake.wait_until(now + std::chrono::milliseconds(200));
                    continue;
                }
                if (b.conn) b.retired.push_back(std::move(b.conn));
                b.conn = std::make_unique<broker_connection<Runtime>>(rt_, node->host, node->port, config_, &background_);
                ++stats_.connection_attempts;
                auto r = co_await b.conn->connect(config_.socket_connection_setup_timeout, config_.request_timeout);
                if (stopping()) break;
                if (!r) {
                    ++stats_.connection_failures;
                    last_error_ = std::move(r).err();
                    ++b.reconnect_failures;
                    b.reconnect_at = rt_.now() + backoff(b.reconnect_failures, config_.reconnect_backoff, config_.reconnect_backoff_max);
                    request_metadata();
                    continue;
                }
                if (b.connected_before) ++stats_.reconnects;
                b.connected_before = true;
                b.reconnect_failures = 0;
                idempotence_wake_.notify();
                metadata_wake_.notify();
            }
            if (!identity_.ready()) {
                co_await b.wake.wait_until(now + std::chrono::milliseconds(100));
                continue;
            }
            expire_queued(b.id, now);
            steady_time next = now + std::chrono::seconds(1);
            if (b.in_flight < config_.max_in_flight && now >= b.throttled_until) {
                b.drained.clear();
                drain(b, now, next);
                if (!b.drained.empty()) {
                    ++b.in_flight;
                    ++live_coroutines_;
                    detail::start_detached(rt_, background_, produce(b, b.start_request()));
                    continue;
                }
            } else if (now < b.throttled_until) {
                next = std::min(next, b.throttled_until);
            }
            b.sleeps_until = next;
            co_await b.wake.wait_until(next);
            b.sleeps_until = steady_time::min();
        }
        b.running = false;
        coroutine_ended();
    }

    void drain(broker_state& b, steady_time now, steady_time& next) {
        std::size_t size = 128;
        for (auto& [name, tsp] : accumulator_.topics()) {
            topic_state& ts = *tsp;
            const topic_metadata* md = metadata_.topic(ts.name);
            if (md == nullptr) continue;
            const std::size_t n = std::min(ts.partitions.size(), md->partitions.size());
            for (std::size_t p = 0; p < n; ++p) {
                if (md->partitions[p].leader != b.id) continue;
                partition_state& ps = ts.partitions[p];
                if (ps.queue.empty()) continue;
                if (!ps.may_send_to(b.id) || !identity_.may_drain(ps)) continue;
                if (!accumulator_.ready(ps, now, flushing_ > 0 || closing(), next)) continue;
                producer_batch* batch = ps.queue.front();
                if (!seal_for_send(ps, *batch)) continue;
                if (!b.drained.empty() && size + batch->wire.size() + ts.name.size() + 32 > config_.max_request_size) continue;
                accumulator_.take(ps);
                ++ps.in_flight;
                ps.in_flight_to = b.id;
                size += batch->wire.size() + ts.name.size() + 32;
                b.drained.push_back(batch);
            }
        }
    }

    // Assigns the batch's sequence (first send) and stamps producer id/epoch; false on a codec error
    // (the batch then failed).
    bool seal_for_send(partition_state& ps, producer_batch& batch) {
        batch.sealed = true;
        // The next batches of the topic get room for as many delivery slots at once.
        batch.topic->records_per_batch = static_cast<std::size_t>(batch.record_count());
        identity_.assign_sequence(ps, batch);
        const std::int64_t pid = identity_.stamp_id();
        const std::int16_t epoch = identity_.stamp_epoch();
        if (!batch.finished) {
            batch_finish_params params;
            params.producer_id = pid;
            params.producer_epoch = epoch;
            params.base_sequence = identity_.stamp_sequence(batch);
            params.transactional = false;
            params.codec = config_.compression;
            params.compression_level = config_.compression_level;
            if (auto w = accumulator_.finish(batch, params); !w) {
                ps.queue.pop_front();
                fail_batch(&batch, error(w.code(), "compressing a batch"));
                return false;
            }
        } else if (batch.producer_id != pid || batch.producer_epoch != epoch ||
                   batch.builder.base_sequence() != identity_.stamp_sequence(batch)) {
            batch.wire = batch.builder.restamp(pid, epoch, identity_.stamp_sequence(batch));
        }
        batch.producer_id = pid;
        batch.producer_epoch = epoch;
        return true;
    }

    // Queued batches past their delivery timeout fail; in-flight ones are judged on their answer.
    void expire_queued(std::int32_t leader, steady_time now) {
        for (auto& [name, tsp] : accumulator_.topics()) {
            topic_state& ts = *tsp;
            const topic_metadata* md = metadata_.topic(ts.name);
            for (std::size_t p = 0; p < ts.partitions.size(); ++p) {
                const std::int32_t l =
                    md && p < md->partitions.size() ? md->partitions[p].leader : -1;
                if (leader != -2 && l != leader) continue;
                partition_state& ps = ts.partitions[p];
                while (!ps.queue.empty() && now >= ps.queue.front()->deadline &&
                       !(identity_.idempotent() && ps.queue.front()->base_sequence >= 0 && ps.in_flight > 0)) {
                    producer_batch* b = accumulator_.take(ps);
                    // A batch that got a sequence and was given up leaves a gap the broker would reject.
                    identity_.gave_up(*b);
                    fail_batch(b, error(errc::delivery_timeout,
                                        "topic '" + ts.name + "' partition " + std::to_string(p) + ": not acknowledged within delivery_timeout (" +
                                            std::to_string(config_.delivery_timeout.count()) + " ms)"));
                }
            }
        }
    }

    detail::detached_task produce(broker_state& b, typename broker_state::request_list::iterator request) {
        std::vector<producer_batch*>& batches = *request;
        // Group by topic, keeping the drain order (partitions of one topic are contiguous per topic
        // in the request as Kafka requires one entry per topic).
        std::vector<produce_topic_data> topics;
        std::vector<produce_partition_data> partitions;
        partitions.reserve(batches.size());
        std::vector<std::size_t> order;
        {
            std::vector<std::pair<topic_state*, std::size_t>> idx;
            for (std::size_t i = 0; i < batches.size(); ++i) idx.emplace_back(batches[i]->topic, i);
            std::stable_sort(idx.begin(), idx.end(), [](auto& x, auto& y) { return x.first < y.first; });
            for (auto& [t, i] : idx) order.push_back(i);
            for (std::size_t k = 0; k < order.size(); ++k) {
                producer_batch* batch = batches[order[k]];
                partitions.push_back(produce_partition_data{batch->partition, batch->wire});
            }
            std::size_t k = 0;
            while (k < order.size()) {
                std::size_t j = k;
                while (j < order.size() && batches[order[j]]->topic == batches[order[k]]->topic) ++j;
                topics.push_back(produce_topic_data{batches[order[k]]->topic->name,
                                                    std::span<const produce_partition_data>(partitions.data() + k, j - k)});
                k = j;
            }
        }
        produce_request req;
        req.acks = static_cast<std::int16_t>(config_.acks);
        req.timeout_ms = static_cast<std::int32_t>(config_.request_timeout.count());
        req.topics = std::span<const produce_topic_data>(topics);
        ++stats_.requests_sent;
        stats_.batches_sent += batches.size();

        broker_connection<Runtime>* conn = b.conn.get();
        if (conn == nullptr || !conn->ready()) {
            for (auto* batch : batches) on_batch_failed(b, batch, error(errc::connection_lost));
        } else if (config_.acks == acks::none) {
            auto v = negotiate<produce_request>(conn->versions());
            // Not a conditional expression: g++ 12 mishandles co_await inside ?: (it destroys a
            // temporary of the branch not taken).
            result<void> w = error(errc::no_supported_version);
            if (v) w = co_await conn->send_only(req, *v);
            else w = std::move(v).err();
            if (destroyed()) {
                release_reported(b, request);
                co_return;
            }
            for (auto* batch : batches) {
                partition_state& ps = batch->topic->partitions[static_cast<std::size_t>(batch->partition)];
                --ps.in_flight;
                if (w) complete_batch(batch, -1, -1);
                else on_batch_failed(b, batch, w.err(), false);
            }
        } else {
            auto r = co_await conn->request(req);
            if (destroyed()) {
                release_reported(b, request);
                co_return;
            }
            if (!r) {
                for (auto* batch : batches) on_batch_failed(b, batch, r.err());
            } else {
                if (r->throttle_time_ms > 0)
                    b.throttled_until = rt_.now() + std::chrono::milliseconds(r->throttle_time_ms);
                std::vector<bool> answered(batches.size(), false);
                for (const auto& t : r->topics) {
                    for (const auto& pr : t.partitions) {
                        for (std::size_t i = 0; i < batches.size(); ++i) {
                            producer_batch* batch = batches[i];
                            if (answered[i] || batch->partition != pr.index || batch->topic->name != t.name) continue;
                            answered[i] = true;
                            on_partition_response(b, batch, pr);
                            break;
                        }
                    }
                }
                for (std::size_t i = 0; i < batches.size(); ++i)
                    if (!answered[i]) on_batch_failed(b, batches[i], error(errc::malformed_response, "the broker did not answer for a partition"));
            }
        }
        b.end_request(request);
        --b.in_flight;
        b.wake.notify();
        idempotence_wake_.notify();
        coroutine_ended();
    }

    // After the producer was destroyed: the request's batches were reported then; their memory
    // goes back now that the request is over.
    void release_reported(broker_state& b, typename broker_state::request_list::iterator request) {
        for (auto* batch : *request) release_batch(batch);
        b.end_request(request);
        --b.in_flight;
        coroutine_ended();
    }

    void on_partition_response(broker_state& b, producer_batch* batch, const produce_partition_response& pr) {
        const errc e = pr.error_code;
        if (e == errc::none || e == errc::duplicate_sequence_number) {
            partition_state& ps = batch->topic->partitions[static_cast<std::size_t>(batch->partition)];
            --ps.in_flight;
            if (ps.in_flight == 0) ps.resend_pending = false;
            identity_.acknowledged(ps, *batch);
            complete_batch(batch, e == errc::none ? pr.base_offset : -1, pr.log_append_time_ms);
            return;
        }
        std::string detail = "topic '" + batch->topic->name + "' partition " + std::to_string(batch->partition);
        if (pr.error_message && !pr.error_message->empty()) detail += ": " + std::string(*pr.error_message);
        on_batch_failed(b, batch, error(e, std::move(detail)));
    }

    void on_batch_failed(broker_state& b, producer_batch* batch, const error& err, bool count_in_flight = true) {
        partition_state& ps = batch->topic->partitions[static_cast<std::size_t>(batch->partition)];
        if (count_in_flight) --ps.in_flight;
        const errc e = err.kind();
        const steady_time now = rt_.now();
        batch_failure facts;
        facts.code = e;
        facts.retriable_error = err.retriable() || e == errc::connection_lost || e == errc::connection_failed;
        facts.record_count = batch->record_count();
        facts.stopping = stopping();
        facts.within_deadline = now < batch->deadline;
        identity_.describe(ps, *batch, facts);
        const failure_decision d = decide_failure(facts);
        if (d.action == batch_action::split) {
            split_and_requeue(b, ps, batch);
            return;
        }
        if (d.bump_epoch) identity_.need_bump();
        if (d.forget_leader) metadata_.forget_leader(batch->topic->name, batch->partition);
        if (d.refresh_metadata) request_metadata();
        if (d.action == batch_action::retry) {
            ++batch->attempts;
            ++stats_.retries;
            batch->retry_at = now + backoff(batch->attempts, config_.retry_backoff, config_.retry_backoff_max);
            accumulator_.requeue(ps, batch);
            if (identity_.idempotent()) ps.resend_pending = ps.in_flight > 0;
            b.wake.notify();
            return;
        }
        if (ps.in_flight == 0) ps.resend_pending = false;
        error final = err;
        switch (d.reason) {
            case failure_reason::broker_error: break;
            case failure_reason::too_large:
                final = error(e, "topic '" + batch->topic->name + "' partition " + std::to_string(batch->partition) + ": a record of " +
                                     std::to_string(batch->builder.size_bytes() - record_accumulator::record_batch_overhead) + " bytes (" +
                                     std::to_string(batch->wire.size()) + " bytes as a batch of its own) is larger than the broker takes for " +
                                     "this topic");
                break;
            case failure_reason::reordered:
                final = error(e, err.message() + ": a later batch of this partition is already written, and resending this one "
                                                 "would put it out of order");
                break;
            case failure_reason::delivery_timeout:
                final = error(errc::delivery_timeout, err.message() + " (retried until delivery_timeout)");
                break;
        }
        fail_batch(batch, final);
    }

    // A batch the broker found too large goes back to its queue in parts (record_accumulator::split).
    void split_and_requeue(broker_state& b, partition_state& ps, producer_batch* big) {
        if (auto r = accumulator_.split(ps, big); !r) {
            fail_batch(big, error(r.code(), "splitting a batch the broker found too large: " + r.err().detail()));
            return;
        }
        if (identity_.idempotent()) ps.resend_pending = ps.in_flight > 0;
        release_batch(big);
        b.wake.notify();
    }

    void coroutine_ended() {
        --live_coroutines_;
        notify_idle();
    }
    void notify_idle() {
        for (auto* s : idle_waiters_) s->notify();
    }

    // ---- idempotence --------------------------------------------------------------------------

    int total_in_flight() const {
        int n = 0;
        for (auto& [id, b] : brokers_) n += b->in_flight;
        return n;
    }

    broker_connection<Runtime>* any_ready_connection() {
        for (auto& [id, b] : brokers_)
            if (b->conn && b->conn->ready()) return b->conn.get();
        if (bootstrap_conn_ && bootstrap_conn_->ready()) return bootstrap_conn_.get();
        return nullptr;
    }

    detail::detached_task idempotence_loop() {
        int failures = 0;
        while (!stopping()) {
            const bool need_init = identity_.needs_id();
            const bool need_bump = identity_.bump_due(total_in_flight());
            if (need_init || need_bump) {
                broker_connection<Runtime>* conn = any_ready_connection();
                if (conn == nullptr) {
                    request_metadata();
                    co_await idempotence_wake_.wait_until(rt_.now() + std::chrono::milliseconds(100));
                    continue;
                }
                init_producer_id_request req;
                req.transaction_timeout_ms = static_cast<std::int32_t>(config_.transaction_timeout.count());
                auto v = negotiate<init_producer_id_request>(conn->versions());
                if (need_bump && v && *v >= 3) {
                    req.producer_id = identity_.id();
                    req.producer_epoch = identity_.epoch();
                }
                result<init_producer_id_response> r = error(errc::no_supported_version);
                if (v) r = co_await conn->request(req, *v);
                else r = std::move(v).err();
                if (stopping()) break;
                if (r && r->error_code == errc::none) {
                    identity_.assign(r->producer_id, r->producer_epoch);
                    if (need_bump) {
                        ++stats_.epoch_bumps;
                        reset_sequences();
                    }
                    failures = 0;
                    notify_all_senders();
                    continue;
                }
                error e = r ? error(r->error_code, "InitProducerId") : r.err();
                if (producer_identity::init_error_is_fatal(e)) {
                    fatal_error_ = error(e.code(), "idempotent producer: " + e.message());
                    fail_waiting_senders(*fatal_error_);
                    fail_all_queued(*fatal_error_);
                    break;
                }
                ++failures;
                co_await idempotence_wake_.wait_until(rt_.now() + backoff(failures, config_.retry_backoff, config_.retry_backoff_max));
                continue;
            }
            co_await idempotence_wake_.wait_until(rt_.now() + std::chrono::seconds(1));
        }
        coroutine_ended();
    }

    // After an epoch bump every partition starts again at sequence 0, in queue order.
    void reset_sequences() {
        for (auto& [name, tsp] : accumulator_.topics()) {
            for (auto& ps : tsp->partitions) producer_identity::restart(ps);
        }
    }

    // ---- metadata -----------------------------------------------------------------------------

    detail::detached_task metadata_loop() {
        int failures = 0;
        steady_time last_refresh{};
        while (!stopping()) {
            const steady_time now = rt_.now();
            const bool due = metadata_wanted_ || now >= last_refresh + config_.metadata_max_age;
            if (due && now >= metadata_retry_at_) {
                metadata_wanted_ = false;
                auto r = co_await refresh_metadata();
                if (stopping()) break;
                if (r) {
                    failures = 0;
                    cluster_unreachable_ = false;
                    last_refresh = rt_.now();
                    ++stats_.metadata_refreshes;
                    fail_unknown_topics();
                    if (needs_more_metadata()) metadata_retry_at_ = rt_.now() + config_.retry_backoff;
                } else {
                    ++failures;
                    cluster_unreachable_ = true;
                    last_error_ = std::move(r).err();
                    metadata_wanted_ = true;
                    metadata_retry_at_ = rt_.now() + backoff(failures, config_.retry_backoff, config_.retry_backoff_max);
                }
                retry_parked();
                notify_all_senders_only();
                notify_metadata_waiters();
            }
            expire_parked(rt_.now());
            expire_queued(-2, rt_.now());
            // Never in the past: before the first successful refresh last_refresh is the epoch.
            steady_time next = std::max(last_refresh + config_.metadata_max_age, std::max(metadata_retry_at_, rt_.now() + std::chrono::milliseconds(10)));
            if (metadata_wanted_ || needs_more_metadata()) next = std::min(next, std::max(metadata_retry_at_, rt_.now() + std::chrono::milliseconds(10)));
            if (!parked_.empty()) next = std::min(next, rt_.now() + std::chrono::milliseconds(100));
            if (needs_more_metadata()) metadata_wanted_ = true;
            co_await metadata_wake_.wait_until(std::min(next, rt_.now() + std::chrono::seconds(1)));
        }
        notify_metadata_waiters();  // they see the producer closing
        coroutine_ended();
    }

    void notify_all_senders_only() {
        for (auto& [id, b] : brokers_) b->wake.notify();
    }

    // Sends parked for a topic's metadata, or queued records whose partition has no leader (or
    // whose topic has no metadata any more). A topic nothing waits for is not asked about again.
    bool needs_more_metadata() const {
        if (parked_.any_waiting_for_metadata()) return true;
        for (auto& [name, ts] : accumulator_.topics()) {
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
        if (config_.unknown_topic_retries <= 0) return;
        std::vector<topic_state*> missing;
        for (auto& [name, ts] : accumulator_.topics())
            if (ts->unknown_answers >= config_.unknown_topic_retries) missing.push_back(ts.get());
        for (topic_state* ts : missing) {
            const error why(errc::unknown_topic_or_partition,
                            "topic '" + ts->name + "': the broker said " + std::to_string(ts->unknown_answers) +
                                " times in a row that it does not exist (unknown_topic_retries)");
            ts->unknown_answers = 0;
            parked_.fail_topic(ts->name, why);
            for (std::size_t p = 0; p < ts->partitions.size(); ++p) {
                partition_state& ps = ts->partitions[p];
                while (!ps.queue.empty()) {
                    producer_batch* b = accumulator_.take(ps);
                    // A batch given up after it got a sequence leaves a gap the broker would reject.
                    identity_.gave_up(*b);
                    fail_batch(b, why);
                }
            }
        }
    }

    task<result<void>> refresh_metadata() {
        broker_connection<Runtime>* conn = any_ready_connection();
        if (conn == nullptr) {
            // Bootstrap: try each address in turn.
            if (bootstrap_conn_) {
                retired_bootstrap_.push_back(std::move(bootstrap_conn_));
            }
            std::erase_if(retired_bootstrap_, [](const auto& c) { return !c->busy(); });
            const std::size_t index = bootstrap_next_++ % bootstrap_.size();
            const broker_address& a = bootstrap_[index];
            bootstrap_conn_ = std::make_unique<broker_connection<Runtime>>(rt_, a.host, a.port, config_, &background_);
            ++stats_.connection_attempts;
            auto c = co_await bootstrap_conn_->connect(config_.socket_connection_setup_timeout, config_.request_timeout);
            if (!c) {
                ++stats_.connection_failures;
                co_return std::move(c).err();
            }
            if (bootstrap_connected_.size() < bootstrap_.size()) bootstrap_connected_.resize(bootstrap_.size());
            if (bootstrap_connected_[index]) ++stats_.reconnects;
            bootstrap_connected_[index] = true;
            conn = bootstrap_conn_.get();
        }
        std::vector<metadata_request_topic> names;
        for (auto& [name, ts] : accumulator_.topics()) names.push_back({.name = ts->name});
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
            std::vector<partition_leader> parts(static_cast<std::size_t>(count));
            for (const auto& p : t.partitions) {
                auto& pl = parts[static_cast<std::size_t>(p.partition_index)];
                pl.leader = p.error_code == errc::leader_not_available ? -1 : p.leader_id;
                pl.leader_epoch = p.leader_epoch;
                pl.error = p.error_code;
            }
            metadata_.update_topic(*t.name, t.error_code, std::move(parts));
            if (auto it = accumulator_.topics().find(*t.name); it != accumulator_.topics().end()) {
                topic_state& ts = *it->second;
                if (t.error_code == errc::unknown_topic_or_partition) ++ts.unknown_answers;
                else ts.unknown_answers = 0;
            }
            for (const auto& p : t.partitions)
                if (p.leader_id >= 0) (void)broker(p.leader_id);
        }
        co_return ok();
    }

    Runtime rt_;
    producer_config config_;
    std::vector<broker_address> bootstrap_;
    std::size_t bootstrap_next_ = 0;

    cluster_metadata metadata_;
    std::map<std::int32_t, std::unique_ptr<broker_state>> brokers_;
    std::unique_ptr<broker_connection<Runtime>> bootstrap_conn_;
    std::vector<std::unique_ptr<broker_connection<Runtime>>> retired_bootstrap_;

    record_accumulator accumulator_{config_};
    delivery_reporter reporter_;
    std::function<void(std::coroutine_handle<>)> rt_post_;
    error last_enqueue_error_;

    parked_sends parked_;

    detail::wake_signal<Runtime> metadata_wake_;
    detail::wake_signal<Runtime> idempotence_wake_;
    std::vector<detail::wake_signal<Runtime>*> idle_waiters_;
    std::vector<detail::wake_signal<Runtime>*> metadata_waiters_;
    bool metadata_wanted_ = true;
    steady_time metadata_retry_at_{};

    producer_identity identity_;
    std::optional<error> fatal_error_;

    int flushing_ = 0;
    lifecycle state_ = lifecycle::open;
    error last_error_;                   // see last_error()
    bool cluster_unreachable_ = false;   // the last metadata attempt failed
    std::vector<bool> bootstrap_connected_;  // per bootstrap address: connected at least once
    int live_coroutines_ = 0;
    mutable producer_stats stats_;
    detail::detached_scope background_;
};

KCORO_NAMESPACE_END
