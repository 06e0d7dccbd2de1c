// The runtime side of the producer identity: the loop that asks a broker for a producer id
// (InitProducerId) before the first idempotent batch, and again for a new epoch when the identity
// says a bump is due (KIP-360: with the current id and epoch, from v3), with backoff after a
// retriable failure. The identity (producer_identity.hpp) keeps the id, the epoch and the rules. A
// transactional producer does not run this loop: init_transactions() and every EndTxn assign its
// id and epoch (transaction_manager.hpp).
#pragma once

#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "../result.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/wake_signal.hpp"
#include "broker_connection.hpp"
#include "producer_config.hpp"
#include "producer_identity.hpp"
#include "producer_log.hpp"
#include "producer_stats.hpp"
#include "record_accumulator.hpp"
#include "retry_policy.hpp"

#include <chrono>
#include <cstdint>
#include <utility>

KCORO_NAMESPACE_BEGIN

template <engine_runtime Runtime>
class producer_id_requester {
public:
    // What the requester asks of the engine that holds it.
    class host {
    public:
        virtual bool stopping() const noexcept = 0;
        virtual broker_connection<Runtime>* any_ready_connection() = 0;
        virtual void request_metadata() = 0;  // no connection is up: the refresh makes one
        virtual int requests_in_flight() const = 0;
        virtual void producer_id_assigned() = 0;       // the senders may drain
        virtual void producer_id_refused(const error& e) = 0;  // fatal: every pending send fails with it
        virtual void coroutine_ended() = 0;

    protected:
        ~host() = default;
    };

    struct parts {
        Runtime& rt;
        const producer_config& config;
        producer_identity& identity;
        record_accumulator& accumulator;
        producer_stats& stats;
        producer_log& log;
        host& engine;
    };

    explicit producer_id_requester(parts p) : p_(p), wake_(p.rt) {}
    producer_id_requester(const producer_id_requester&) = delete;
    producer_id_requester& operator=(const producer_id_requester&) = delete;

    void notify() noexcept { wake_.notify(); }

    detail::detached_task loop() {
        producer_identity& identity = p_.identity;
        int failures = 0;
        while (!p_.engine.stopping()) {
            const bool need_init = identity.needs_id();
            const bool need_bump = identity.bump_due(p_.engine.requests_in_flight());
            if (need_init || need_bump) {
                broker_connection<Runtime>* conn = p_.engine.any_ready_connection();
                if (conn == nullptr) {
                    p_.engine.request_metadata();
                    co_await wake_.wait_until(steady_time::max());  // a connection made wakes it
                    continue;
                }
                init_producer_id_request req;
                req.transaction_timeout_ms = static_cast<std::int32_t>(p_.config.transaction_timeout.count());
                auto v = negotiate<init_producer_id_request>(conn->versions());
                if (need_bump && v && *v >= 3) {
                    req.producer_id = identity.id();
                    req.producer_epoch = identity.epoch();
                }
                result<init_producer_id_response> r = error(errc::no_supported_version);
                if (v) r = co_await conn->request(req, *v);
                else r = std::move(v).err();
                if (p_.engine.stopping()) break;
                if (r && r->error_code == errc::none) {
                    identity.assign(r->producer_id, r->producer_epoch);
                    if (need_bump) {
                        ++p_.stats.epoch_bumps;
                        restart_sequences(p_.accumulator);
                    }
                    if (p_.log.enabled(log_level::info))
                        p_.log.producer(log_level::info, errc::none,
                                        (need_bump ? "new epoch " : "producer id assigned: epoch ") + std::to_string(r->producer_epoch) +
                                            " of producer id " + std::to_string(r->producer_id) +
                                            (need_bump ? ", after a batch was given up; every partition's sequence restarts at 0" : ""));
                    failures = 0;
                    p_.engine.producer_id_assigned();
                    continue;
                }
                error e = r ? error(r->error_code, "InitProducerId") : r.err();
                if (producer_identity::init_error_is_fatal(e)) {
                    if (p_.log.enabled(log_level::error))
                        p_.log.producer(log_level::error, e.kind(),
                                        "the cluster refused a producer id, so every send fails: " + e.message() +
                                            " (enable_idempotence = false sends without one)");
                    p_.engine.producer_id_refused(error(e.code(), "idempotent producer: " + e.message()));
                    break;
                }
                ++failures;
                co_await wake_.wait_until(p_.rt.now() + retry_backoff(failures, p_.config.retry_backoff, p_.config.retry_backoff_max, p_.rt.random()));
                continue;
            }
            // Woken when a batch's error makes a bump needed and a request ends.
            co_await wake_.wait_until(steady_time::max());
        }
        p_.engine.coroutine_ended();
    }

    // After an epoch bump (or, for a transactional producer, at each new transaction) every
    // partition starts again at sequence 0, in queue order.
    static void restart_sequences(record_accumulator& accumulator) {
        for (auto& [name, ts] : accumulator.topics())
            for (auto& ps : ts->partitions) producer_identity::restart(ps);
    }

private:

    parts p_;
    detail::wake_signal<Runtime> wake_;
};

KCORO_NAMESPACE_END
