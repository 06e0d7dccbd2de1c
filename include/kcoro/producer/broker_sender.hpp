// One broker's sender: its connection (made again after a loss, with backoff), the drain of the
// partitions it leads into Produce requests, one coroutine per request in flight, the answers taken
// strictly in the order of each request's partitions, throttling, and what a failed batch means
// (retry_policy.hpp decides; the sender requeues, splits or fails). The engine makes one per broker
// that leads a partition and owns them; what the sender cannot decide alone (the lifecycle, where a
// finished batch's outcome goes, the producer id loop) it asks the engine through `host`.
#pragma once

#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "../result.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/wake_signal.hpp"
#include "broker_connection.hpp"
#include "broker_stats.hpp"
#include "led_partitions.hpp"
#include "metadata_refresher.hpp"
#include "produce_request_builder.hpp"
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
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <engine_runtime Runtime>
class broker_sender {
public:
    // What the sender asks of the engine that holds it.
    class host {
    public:
        virtual bool stopping() const noexcept = 0;             // background work ends
        virtual bool destroyed() const noexcept = 0;            // outcomes were reported already
        virtual bool sending_everything() const noexcept = 0;   // flush() or close(): linger is over
        virtual void broker_connected() = 0;                    // the producer id and metadata may proceed
        virtual void request_answered() = 0;                    // in-flight counts changed
        virtual void wake_leader(std::string_view topic, std::int32_t partition) = 0;
        virtual void complete_batch(producer_batch* b, std::int64_t base_offset, std::int64_t log_append_time) = 0;
        virtual void fail_batch(producer_batch* b, const error& e) = 0;
        virtual void release_batch(producer_batch* b) = 0;      // already reported
        virtual void coroutine_started() = 0;
        virtual void coroutine_ended() = 0;

    protected:
        ~host() = default;
    };

    // The engine's parts the sender works on; they outlive it.
    struct parts {
        Runtime& rt;
        const producer_config& config;
        shared_tls_context& tls;
        record_accumulator& accumulator;
        producer_identity& identity;
        metadata_refresher<Runtime>& metadata;
        producer_stats& stats;
        producer_log& log;
        detail::detached_scope& background;
        host& engine;
    };

    broker_sender(parts p, std::int32_t id) : p_(p), id_(id), wake_(p.rt) {}
    broker_sender(const broker_sender&) = delete;
    broker_sender& operator=(const broker_sender&) = delete;

    std::int32_t id() const noexcept { return id_; }
    int in_flight() const noexcept { return in_flight_; }
    // What stats() says of this broker, into `out`.
    void snapshot(broker_stats& out) const {
        out = stats_;
        out.id = id_;
        if (const broker_node* node = p_.metadata.metadata().broker(id_)) out.address = node->host + ":" + std::to_string(node->port);
        else if (conn_) out.address = conn_->where();
        out.connected = ready();
        out.requests_in_flight = static_cast<std::uint64_t>(in_flight_);
    }
    broker_connection<Runtime>* connection() const noexcept { return conn_.get(); }
    bool ready() const noexcept { return conn_ && conn_->ready(); }
    // A connection of this broker's still has coroutines or requests of its own.
    bool busy() const noexcept {
        if (conn_ && conn_->busy()) return true;
        return std::any_of(retired_.begin(), retired_.end(), [](const auto& c) { return c->busy(); });
    }

    // Starts the sender's loop unless it runs.
    void start() {
        if (running_ || p_.engine.stopping()) return;
        running_ = true;
        p_.engine.coroutine_started();
        detail::start_detached(p_.rt, p_.background, loop());
    }
    void notify() noexcept { wake_.notify(); }
    // Wakes the sender if it would sleep past `when` (a new batch's linger deadline).
    void notify_by(steady_time when) noexcept {
        if (sleeps_until_ > when) wake_.notify();
    }

    // Closes the connection (`retired` too: those closed before and still busy); the loop sees the
    // lifecycle and ends.
    void close(const error& why, bool retired) {
        if (conn_) conn_->close(why);
        if (retired)
            for (auto& r : retired_) r->close(why);
        wake_.notify();
    }
    // Every batch in flight, to `f`.
    template <class F>
    void for_each_in_flight(F&& f) {
        for (auto& request : requests_)
            for (auto* batch : request) f(batch);
    }

    // Queued batches of the partitions this broker leads past their delivery timeout fail;
    // in-flight ones are judged on their answer. `next`: lowered to the next such timeout.
    void expire_queued(steady_time now, steady_time& next) {
        refresh_led();
        for (const auto& e : led_.entries()) expire_partition(p_, *e.topic, e.partition, now, next);
    }
    // The same for one partition, whoever leads it (the metadata loop runs it for every partition).
    static void expire_partition(const parts& p, topic_state& ts, std::int32_t partition, steady_time now, steady_time& next) {
        partition_state& ps = ts.partitions[static_cast<std::size_t>(partition)];
        while (!ps.queue.empty() && now >= ps.queue.front()->deadline &&
               !(p.identity.idempotent() && ps.queue.front()->base_sequence >= 0 && ps.in_flight > 0)) {
            producer_batch* b = p.accumulator.take(ps);
            // A batch that got a sequence and was given up leaves a gap the broker would reject.
            p.identity.gave_up(*b);
            p.engine.fail_batch(b, error(errc::delivery_timeout, "topic '" + ts.name + "' partition " + std::to_string(partition) +
                                                                     ": not acknowledged within delivery_timeout (" +
                                                                     std::to_string(p.config.delivery_timeout.count()) + " ms)"));
        }
        // A front batch kept past its deadline waits for its partition's answer, not for a time.
        if (!ps.queue.empty() && ps.queue.front()->deadline > now) next = std::min(next, ps.queue.front()->deadline);
    }

private:
    bool stopping() const noexcept { return p_.engine.stopping(); }
    std::chrono::milliseconds backoff(int attempts, std::chrono::milliseconds base, std::chrono::milliseconds cap) {
        return retry_backoff(attempts, base, cap, p_.rt.random());
    }

    void refresh_led() {
        const std::uint64_t v = p_.metadata.routing_version();
        if (!led_.current(v)) led_.rebuild(id_, p_.accumulator.topics(), p_.metadata.metadata(), v);
    }

    detail::detached_task loop() {
        while (!stopping()) {
            const steady_time now = p_.rt.now();
            // Connections that closed and have no work left are freed here.
            std::erase_if(retired_, [](const auto& c) { return !c->busy(); });
            if (!ready()) {
                if (up_) connection_lost();
                if (now < reconnect_at_) {
                    co_await wake_.wait_until(reconnect_at_);
                    continue;
                }
                const broker_node* node = p_.metadata.metadata().broker(id_);
                if (node == nullptr) {
                    co_await wake_.wait_until(steady_time::max());  // every metadata answer wakes every sender
                    continue;
                }
                if (conn_) retired_.push_back(std::move(conn_));
                conn_ = std::make_unique<broker_connection<Runtime>>(p_.rt, node->host, node->port, p_.config, &p_.background, &p_.tls);
                ++p_.stats.connection_attempts;
                auto r = co_await conn_->connect(p_.config.socket_connection_setup_timeout, p_.config.request_timeout);
                if (stopping()) break;
                if (!r) {
                    ++p_.stats.connection_failures;
                    ++reconnect_failures_;
                    const auto wait = backoff(reconnect_failures_, p_.config.reconnect_backoff, p_.config.reconnect_backoff_max);
                    reconnect_at_ = p_.rt.now() + wait;
                    if (p_.log.enabled(log_level::warning))
                        p_.log.broker(log_level::warning, id_, conn_->where(), r.err().kind(),
                                      "could not connect to broker " + std::to_string(id_) + ": " + r.err().message() +
                                          "; next attempt in " + std::to_string(wait.count()) + " ms");
                    p_.metadata.connection_failed(std::move(r).err());
                    continue;
                }
                if (connected_before_) {
                    ++p_.stats.reconnects;
                    ++stats_.reconnects;
                }
                if (p_.log.enabled(log_level::info)) connected();
                up_ = true;
                connected_before_ = true;
                reconnect_failures_ = 0;
                p_.engine.broker_connected();
            }
            if (!p_.identity.ready()) {
                co_await wake_.wait_until(steady_time::max());  // a producer id or a new epoch wakes every sender
                continue;
            }
            // Asleep, the sender is woken for what it cannot foresee (a record appended, a partition
            // freed by another broker's answer, new metadata or a producer id, flush or close) and
            // wakes by itself for what it can: a linger or a backoff ending, a throttle lifted, a
            // queued batch's delivery timeout.
            steady_time next = steady_time::max();
            expire_queued(now, next);
            if (in_flight_ < p_.config.max_in_flight && now >= throttled_until_) {
                drained_.clear();
                drain(now, next);
                if (!drained_.empty()) {
                    ++in_flight_;
                    p_.engine.coroutine_started();
                    detail::start_detached(p_.rt, p_.background, produce(start_request()));
                    continue;
                }
            } else if (now < throttled_until_) {
                next = std::min(next, throttled_until_);
            }
            sleeps_until_ = next;
            co_await wake_.wait_until(next);
            sleeps_until_ = steady_time::min();
        }
        running_ = false;
        p_.engine.coroutine_ended();
    }

    // Takes the ready front batch of each partition this broker leads, as many as one request
    // holds, in fair rotation (led_partitions).
    void drain(steady_time now, steady_time& next) {
        refresh_led();
        std::size_t size = 128;
        const bool everything = p_.engine.sending_everything();
        left_behind_ = false;
        led_.drain([&](const led_partitions::entry& e) {
            partition_state& ps = e.state();
            if (ps.queue.empty()) return led_partitions::visit::passed;
            const led_partitions::visit v = drain_partition(e, ps, now, everything, size, next);
            if (!ps.queue.empty()) left_behind_ = true;
            return v;
        });
    }
    led_partitions::visit drain_partition(const led_partitions::entry& e, partition_state& ps, steady_time now, bool everything,
                                          std::size_t& size, steady_time& next) {
        if (!ps.may_send_to(id_) || !p_.identity.may_drain(ps)) return led_partitions::visit::passed;
        if (!p_.accumulator.ready(ps, now, everything, next)) return led_partitions::visit::passed;
        producer_batch* batch = ps.queue.front();
        if (!seal_for_send(ps, *batch)) return led_partitions::visit::passed;
        const std::size_t cost = batch->wire.size() + e.topic->name.size() + 32;
        if (!drained_.empty() && size + cost > p_.config.max_request_size) return led_partitions::visit::no_room;
        p_.accumulator.take(ps);
        ++ps.in_flight;
        ps.in_flight_to = id_;
        size += cost;
        drained_.push_back(batch);
        return led_partitions::visit::taken;
    }

    // Assigns the batch's sequence (first send) and stamps producer id/epoch; false on a codec error
    // (the batch then failed).
    bool seal_for_send(partition_state& ps, producer_batch& batch) {
        batch.sealed = true;
        // The next batches of the topic get room for as many delivery slots at once.
        batch.topic->records_per_batch = static_cast<std::size_t>(batch.record_count());
        producer_identity& identity = p_.identity;
        identity.assign_sequence(ps, batch);
        const std::int64_t pid = identity.stamp_id();
        const std::int16_t epoch = identity.stamp_epoch();
        if (!batch.finished) {
            batch_finish_params params;
            params.producer_id = pid;
            params.producer_epoch = epoch;
            params.base_sequence = identity.stamp_sequence(batch);
            params.transactional = identity.transactional();
            params.codec = p_.config.compression;
            params.compression_level = p_.config.compression_level;
            if (auto w = p_.accumulator.finish(batch, params); !w) {
                ps.queue.pop_front();
                p_.engine.fail_batch(&batch, error(w.code(), "compressing a batch"));
                return false;
            }
        } else if (batch.producer_id != pid || batch.producer_epoch != epoch ||
                   batch.builder.base_sequence() != identity.stamp_sequence(batch)) {
            batch.wire = batch.builder.restamp(pid, epoch, identity.stamp_sequence(batch));
        }
        batch.producer_id = pid;
        batch.producer_epoch = epoch;
        return true;
    }

    // The batches of each request in flight, and emptied lists kept for the next requests: a
    // request's list is known from the drain on, so a producer destroyed before the request's
    // coroutine ran still reports its batches.
    using request_list = std::list<std::vector<producer_batch*>>;
    typename request_list::iterator start_request() {
        if (spare_requests_.empty()) spare_requests_.emplace_back();
        auto it = spare_requests_.begin();
        it->assign(drained_.begin(), drained_.end());
        requests_.splice(requests_.end(), spare_requests_, it);
        return it;
    }
    void end_request(typename request_list::iterator it) {
        it->clear();
        spare_requests_.splice(spare_requests_.end(), requests_, it);
        --in_flight_;
    }

    detail::detached_task produce(typename request_list::iterator request) {
        std::vector<producer_batch*>& batches = *request;
        produce_request_builder builder;
        const produce_request req = builder.build(batches, static_cast<std::int16_t>(p_.config.acks),
                                                  static_cast<std::int32_t>(p_.config.request_timeout.count()),
                                                  p_.config.transactional_id);
        count_sent(batches);

        broker_connection<Runtime>* conn = conn_.get();
        if (conn == nullptr || !conn->ready()) {
            for (auto* batch : batches) on_batch_failed(batch, error(errc::connection_lost));
        } else if (p_.config.acks == acks::none) {
            auto v = negotiate<produce_request>(conn->versions());
            // Not a conditional expression: g++ 12 mishandles co_await inside ?: (it destroys a
            // temporary of the branch not taken).
            result<void> w = error(errc::no_supported_version);
            if (v) w = co_await conn->send_only(req, *v);
            else w = std::move(v).err();
            if (p_.engine.destroyed()) {
                release_reported(request);
                co_return;
            }
            for (auto* batch : batches) {
                answered(*batch);
                if (w) p_.engine.complete_batch(batch, -1, -1);
                else on_batch_failed(batch, w.err(), false);
            }
        } else {
            const steady_time sent = p_.rt.now();
            auto r = co_await conn->request(req);
            if (p_.engine.destroyed()) {
                release_reported(request);
                co_return;
            }
            if (r) {
                const auto took = std::chrono::duration_cast<std::chrono::microseconds>(p_.rt.now() - sent);
                p_.stats.request_latency.record(took);
                stats_.request_latency.record(took);
            }
            if (!r) {
                for (auto* batch : batches) on_batch_failed(batch, r.err());
            } else {
                if (r->throttle_time_ms > 0) throttled(r->throttle_time_ms);
                produce_request_builder::match(
                    batches, *r, [&](producer_batch* batch, const produce_partition_response& pr) { on_partition_response(batch, pr); },
                    [&](producer_batch* batch) {
                        on_batch_failed(batch, error(errc::malformed_response, "the broker did not answer for a partition"));
                    });
            }
        }
        // A free request slot matters only if the last drain left something behind or every slot
        // was taken; otherwise the next append wakes the sender.
        if (left_behind_ || in_flight_ == p_.config.max_in_flight) wake_.notify();
        end_request(request);
        p_.engine.request_answered();
        p_.engine.coroutine_ended();
    }

    // A request's share of the counters: per request and per batch, never per record.
    void count_sent(const std::vector<producer_batch*>& batches) {
        producer_stats& s = p_.stats;
        ++s.requests_sent;
        ++stats_.requests_sent;
        s.batches_sent += batches.size();
        for (const producer_batch* b : batches) {
            s.records_sent += static_cast<std::uint64_t>(b->record_count());
            s.batch_bytes_sent += b->wire.size();
            s.batch_bytes_uncompressed += b->builder.size_bytes();
        }
    }

    // After the producer was destroyed: the request's batches were reported then; their memory
    // goes back now that the request is over.
    void release_reported(typename request_list::iterator request) {
        for (auto* batch : *request) p_.engine.release_batch(batch);
        end_request(request);
        p_.engine.coroutine_ended();
    }

    // The batch is no longer in flight. A partition whose leader moved while it was, held back from
    // the new leader until now (partition_state::may_send_to), may go there: its sender is woken.
    partition_state& answered(const producer_batch& batch) {
        partition_state& ps = partition_of(batch);
        if (--ps.in_flight == 0 && !ps.queue.empty()) p_.engine.wake_leader(batch.topic->name, batch.partition);
        return ps;
    }

    void on_partition_response(producer_batch* batch, const produce_partition_response& pr) {
        const errc e = pr.error_code;
        if (e == errc::none || e == errc::duplicate_sequence_number) {
            partition_state& ps = answered(*batch);
            if (ps.in_flight == 0) ps.resend_pending = false;
            p_.identity.acknowledged(ps, *batch);
            p_.engine.complete_batch(batch, e == errc::none ? pr.base_offset : -1, pr.log_append_time_ms);
            return;
        }
        std::string detail = "topic '" + batch->topic->name + "' partition " + std::to_string(batch->partition);
        if (pr.error_message && !pr.error_message->empty()) detail += ": " + std::string(*pr.error_message);
        on_batch_failed(batch, error(e, std::move(detail)));
    }

    void on_batch_failed(producer_batch* batch, const error& err, bool count_in_flight = true) {
        partition_state& ps = count_in_flight ? answered(*batch) : partition_of(*batch);
        const errc e = err.kind();
        p_.stats.count_batch_error(e);
        const steady_time now = p_.rt.now();
        batch_failure facts;
        facts.code = e;
        facts.retriable_error = err.retriable() || e == errc::connection_lost || e == errc::connection_failed;
        facts.record_count = batch->record_count();
        facts.stopping = stopping();
        facts.within_deadline = now < batch->deadline;
        p_.identity.describe(ps, *batch, facts);
        const failure_decision d = decide_failure(facts);
        if (d.action == batch_action::split) {
            split_and_requeue(ps, batch);
            return;
        }
        if (d.bump_epoch) p_.identity.need_bump();
        if (d.forget_leader) p_.metadata.forget_leader(batch->topic->name, batch->partition);
        if (d.refresh_metadata) p_.metadata.request();
        if (d.action == batch_action::retry) {
            ++batch->attempts;
            ++p_.stats.retries;
            ++ps.retries;
            const auto wait = backoff(batch->attempts, p_.config.retry_backoff, p_.config.retry_backoff_max);
            batch->retry_at = now + wait;
            if (p_.log.enabled(log_level::warning))
                p_.log.partition(log_level::warning, batch->topic->name, batch->partition, id_, e,
                                 "retrying a batch of " + std::to_string(batch->record_count()) + " records in " +
                                     std::to_string(wait.count()) + " ms (attempt " + std::to_string(batch->attempts + 1) +
                                     ") after: " + err.message());
            p_.accumulator.requeue(ps, batch);
            if (p_.identity.idempotent()) ps.resend_pending = ps.in_flight > 0;
            wake_.notify();
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
        p_.engine.fail_batch(batch, final);
    }

    // ---- what the log hears of the connection -------------------------------------------------

    void connected() {
        std::string m(connected_before_ ? "reconnected to broker " : "connected to broker ");
        m += std::to_string(id_);
        if (uses_sasl(p_.config.security_protocol)) {
            m += ", authenticated with SASL ";
            m += sasl_mechanism_name(p_.config.sasl_mechanism);
        }
        p_.log.broker(log_level::info, id_, conn_->where(), errc::none, m);
    }
    // The connection the loop had up has closed: said once, as it reconnects.
    void connection_lost() {
        up_ = false;
        if (!conn_ || !p_.log.enabled(log_level::warning)) return;
        const error& why = conn_->closed_because();
        p_.log.broker(log_level::warning, id_, conn_->where(), why.kind(),
                      "connection to broker " + std::to_string(id_) + " lost (" + why.message() + "); reconnecting");
    }
    // The broker's quota held this producer back: no request to it until the time is up. Said at
    // info when it starts, at debug while it goes on.
    void throttled(std::int32_t ms) {
        const steady_time now = p_.rt.now();
        const log_level level = now < throttled_until_ ? log_level::debug : log_level::info;
        throttled_until_ = now + std::chrono::milliseconds(ms);
        p_.stats.throttle_time_ms += static_cast<std::uint64_t>(ms);
        stats_.throttle_time_ms += static_cast<std::uint64_t>(ms);
        if (p_.log.enabled(level) && conn_)
            p_.log.broker(level, id_, conn_->where(), errc::none,
                          "broker " + std::to_string(id_) + " throttles this producer for " + std::to_string(ms) + " ms (its quota)");
    }

    // A batch the broker found too large goes back to its queue in parts (record_accumulator::split).
    void split_and_requeue(partition_state& ps, producer_batch* big) {
        if (auto r = p_.accumulator.split(ps, big); !r) {
            p_.engine.fail_batch(big, error(r.code(), "splitting a batch the broker found too large: " + r.err().detail()));
            return;
        }
        if (p_.identity.idempotent()) ps.resend_pending = ps.in_flight > 0;
        p_.engine.release_batch(big);
        wake_.notify();
    }

    parts p_;
    std::int32_t id_;
    std::unique_ptr<broker_connection<Runtime>> conn_;
    std::vector<std::unique_ptr<broker_connection<Runtime>>> retired_;  // closed, still busy
    detail::wake_signal<Runtime> wake_;
    led_partitions led_;
    int in_flight_ = 0;
    broker_stats stats_;  // its counters and latencies; the rest is filled in by snapshot()
    steady_time throttled_until_{};
    steady_time reconnect_at_{};
    int reconnect_failures_ = 0;
    bool running_ = false;
    bool connected_before_ = false;
    bool up_ = false;  // connected, and its loss not yet logged
    // When the loop, with nothing ready to drain, wakes next by itself; the earliest time while it
    // is awake. A batch whose linger ends before then wakes it.
    steady_time sleeps_until_ = steady_time::min();
    std::vector<producer_batch*> drained_;
    bool left_behind_ = false;  // the last drain left a partition with batches queued
    request_list requests_;
    request_list spare_requests_;
};

KCORO_NAMESPACE_END
