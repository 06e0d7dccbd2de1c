// The producer's front: the three sending styles on typed records. It serializes the key, picks the
// partition and hands the record to the engine (producer_engine.hpp), whose batch the value is
// serialized into. Everything past that point is instantiated once per runtime, whatever the key,
// value and partitioner types.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../partition/partition.hpp"
#include "../result.hpp"
#include "../runtime/runtime.hpp"
#include "../serde/serde.hpp"
#include "cluster_metadata.hpp"
#include "consumer_group_metadata.hpp"
#include "delivery.hpp"
#include "delivery_handle.hpp"
#include "delivery_reporter.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "parked_sends.hpp"
#include "producer_batch.hpp"
#include "producer_config.hpp"
#include "producer_engine.hpp"
#include "producer_record.hpp"
#include "producer_stats.hpp"
#include "record_accumulator.hpp"
#include "topic_partition_offset.hpp"

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <engine_runtime Runtime, class Key, class Value, class Partitioner, class KeySerializer, class ValueSerializer>
class basic_producer {
    static_assert(require_serializer<KeySerializer, Key>(), "kcoro: the key's serializer: see the message above");
    static_assert(require_serializer<ValueSerializer, Value>(), "kcoro: the value's serializer: see the message above");
    // Views only, so that g++ 12 has no destructor to run twice on a braced record (field_view.hpp).
    static_assert(std::is_trivially_destructible_v<producer_record<Key, Value>>);

public:
    using record_type = producer_record<Key, Value>;
    using runtime_type = Runtime;

    // Validates the configuration; the producer starts connecting on its runtime at once.
    static result<std::unique_ptr<basic_producer>> create(Runtime rt, producer_config config,
                                                          KeySerializer key_serializer = {},
                                                          ValueSerializer value_serializer = {},
                                                          Partitioner partitioner = {}) {
        KCORO_TRY(validate(config));
        auto servers = parse_bootstrap_servers(config.bootstrap_servers);
        if (!servers) return std::move(servers).err();
        // Raw memory and placement new, because the destroying operator delete below must never
        // see a half-constructed producer (a throwing constructor frees just the memory).
        struct raw_memory {
            void* p = ::operator new(sizeof(basic_producer));
            ~raw_memory() {
                if (p) ::operator delete(p);
            }
        } memory;
        std::unique_ptr<basic_producer> p(::new (memory.p) basic_producer(std::move(rt), std::move(config), std::move(*servers),
                                                                        std::move(key_serializer), std::move(value_serializer),
                                                                        std::move(partitioner)));
        memory.p = nullptr;
        p->engine_.start();
        return p;
    }

    basic_producer(const basic_producer&) = delete;
    basic_producer& operator=(const basic_producer&) = delete;

    // Destroying a producer that is still running (not closed) never aborts: every record not yet
    // acknowledged completes now with errc::producer_destroyed (callbacks run, awaiting senders and
    // delivery handles are resumed through the runtime), flush() and close() in progress return,
    // and the connections close. The producer's memory is released once its coroutines, woken
    // with the error, have ended on the runtime: within a few turns of a running loop. A runtime
    // destroyed before that (kcoro's event_loop, Asio's execution context) destroys them instead.
    // An open transaction whose records reached the broker is aborted at its coordinator, if the
    // connection to it is up, within one round trip (the memory waits for its answer); otherwise
    // the coordinator aborts it once transaction_timeout has passed. close() is the way to know
    // the outcome. Do not destroy a producer from inside one of its own delivery callbacks.
    static void operator delete(basic_producer* p, std::destroying_delete_t) noexcept {
        p->engine_.abandon();
        if (p->engine_.background().live() == 0) {
            release(p);
            return;
        }
        p->engine_.background().on_last_gone([](void* self) noexcept { release(static_cast<basic_producer*>(self)); }, p);
        if constexpr (requires(Runtime& r, teardown_list::hook& h) { r.at_teardown(h); }) {
            p->teardown_hook_.owner = p;
            p->teardown_hook_.run = [](teardown_list::hook& h) noexcept {
                // The runtime is going away with the producer's coroutines still suspended on it.
                static_cast<teardown_hook&>(h).owner->engine_.background().destroy_suspended();
            };
            p->engine_.runtime().at_teardown(p->teardown_hook_);
        }
    }

    // ---- the three sending styles -------------------------------------------------------------

    // co_await send(rec): resumes with the record's metadata once acknowledged, or its error.
    auto send(const record_type& rec) { return send_awaiter<await_mode::delivery>(*this, rec); }

    // co_await send(rec, callback): resumes once the record is enqueued (suspending only while the
    // buffer is full); callback(delivery_result) runs later on the producer's executor.
    template <class Callback>
        requires std::is_invocable_v<Callback&, delivery_result&&>
    auto send(const record_type& rec, Callback&& cb) {
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
        // Like a braced record's members, a temporary lambda's captures in a co_await are destroyed
        // twice by g++ 12 (GCC bugs 100611, 101367): refused here rather than freed twice.
        static_assert(std::is_lvalue_reference_v<Callback> || std::is_trivially_destructible_v<std::remove_cvref_t<Callback>>,
                      "kcoro: with g++ 12, a callback passed as a temporary to co_await send(rec, callback) may only "
                      "capture by reference (or hold nothing that needs destroying): g++ 12 destroys the captures of "
                      "such a temporary twice; pass a named callback instead");
#endif
        send_awaiter<await_mode::callback> a(*this, rec);
        a.callback = detail::delivery_callback(std::forward<Callback>(cb));
        return a;
    }

    // co_await enqueue(rec): resumes once enqueued with a handle to co_await for the outcome later.
    auto enqueue(const record_type& rec) { return send_awaiter<await_mode::handle>(*this, rec); }

    // co_await send_and_forget(rec): resumes once enqueued; failures only count in stats() and
    // reach the error handler, if one is set.
    auto send_and_forget(const record_type& rec) { return send_awaiter<await_mode::forget>(*this, rec); }

    // Never suspends: for loops that cannot co_await. A full buffer or missing metadata is an
    // error now instead of a wait: buffer_exhausted, or why the topic has no metadata yet (what
    // the broker said of it, or what last went wrong reaching the cluster).
    result<void> try_send(const record_type& rec, detail::delivery_callback cb = {}) {
        delivery_slot slot;
        slot.how = cb ? delivery_slot::kind::callback : delivery_slot::kind::forget;
        slot.callback = std::move(cb);
        auto st = try_enqueue(rec, slot, false);
        switch (st) {
            case enqueue_status::enqueued: return ok();
            case enqueue_status::failed: return std::move(engine_.last_enqueue_error());
            case enqueue_status::blocked_memory:
                return error(errc::buffer_exhausted, "buffer_memory (" + std::to_string(engine_.config().buffer_memory) +
                                                         " bytes) is full and try_send does not wait: try again once the "
                                                         "runtime has run and batches have drained");
            case enqueue_status::blocked_metadata:
                engine_.request_metadata();
                return engine_.metadata_missing(rec.topic, "no metadata yet for topic '" + std::string(rec.topic) + "'", errc::leader_not_available);
        }
        return ok();
    }

    // ---- metadata before the first send --------------------------------------------------------

    // True once the topic's partitions are known, so that try_send to it is not refused for want
    // of metadata (leader_not_available).
    bool has_metadata(std::string_view topic_name) const noexcept { return engine_.has_metadata(topic_name); }

    // Looks the topics up now, without sending, and resumes once every one has_metadata(): ok, the
    // broker's error for a topic it refuses (an invalid name, no authorization), or timed_out
    // naming the topics still unknown after `timeout`. A game loop warms up before its first frame
    // with run_until_complete(loop, producer.wait_for_metadata({"events"}, 10s)); the names are
    // copied, so the list need not outlive the call.
    task<result<void>> wait_for_metadata(std::initializer_list<std::string_view> topics, std::chrono::milliseconds timeout) {
        return engine_.wait_for_metadata(topics, timeout);
    }
    task<result<void>> wait_for_metadata(std::span<const std::string_view> topics, std::chrono::milliseconds timeout) {
        return engine_.wait_for_metadata(topics, timeout);
    }

    // Records whose outcome nobody awaits (send_and_forget, try_send without callback) report
    // failures here.
    void set_error_handler(std::function<void(const record_metadata&, const error&)> h) { engine_.set_error_handler(std::move(h)); }

    // What the producer has to say goes to `h`, from `least` up: connections made and lost, retries,
    // throttling, leaders that moved, new producer epochs, transactions that failed (log_record.hpp
    // has the fields). Nothing is logged without a handler. It runs on the producer's executor and
    // must not block or throw. Set it before the executor first runs to see the first connection:
    // make_producer() only schedules that.
    void set_log_handler(std::function<void(const log_record&)> h, log_level least = log_level::info) {
        engine_.set_log_handler(std::move(h), least);
    }

    // ---- flush and close ----------------------------------------------------------------------

    // Sends everything buffered now, ignoring linger, and resumes when every record enqueued before
    // the call has been acknowledged or has failed (not those sent while it waits).
    task<void> flush() { return engine_.flush(); }

    // Stops accepting records, delivers what it can within `timeout`, fails the rest with
    // errc::timed_out, closes every connection and returns once no background work is left.
    // Sends parked before close() (waiting for metadata or buffer memory) still go out if they
    // can within the timeout; those that cannot fail with errc::producer_closed, saying close()
    // interrupted them. Ok only if every record accepted or parked before close() was delivered;
    // otherwise the first failure, with how many there were.
    task<result<void>> close(std::chrono::milliseconds timeout) { return engine_.close(timeout); }

    // ---- transactions (transactional_id set) --------------------------------------------------
    //
    //   co_await p.init_transactions(30s);                 // once; begin does not do it
    //   p.begin_transaction();
    //   co_await p.send(...); p.send_and_forget(...);      // every sending style
    //   co_await p.send_offsets_to_transaction(offsets, group_metadata, 30s);  // consume-transform-produce
    //   auto c = co_await p.commit_transaction(30s);       // or abort_transaction(30s)
    //
    // Each returns within its timeout, errors as values. A commit fails with a record's error when
    // one was not delivered (then abort); errc::producer_fenced means another producer with the
    // same transactional_id took over, and this one can do no more work. A timed-out commit or
    // abort is resumed by calling it again. close() aborts an open transaction.

    // Finds the coordinator and gets the producer id of the transactional id, fencing older
    // producers with the same id.
    task<result<void>> init_transactions(std::chrono::milliseconds timeout) { return engine_.init_transactions(timeout); }
    // Opens a transaction; nothing to wait for (partitions join it with their first Produce).
    result<void> begin_transaction() { return engine_.begin_transaction(); }
    // Commits the consumer group's offsets (the next offset to consume, for each partition) inside
    // the transaction: the group sees them only if it commits. The full group metadata lets the
    // coordinator refuse a consumer the group has rebalanced away from (then abort); the group id
    // alone does not. The arguments are copied.
    task<result<void>> send_offsets_to_transaction(std::span<const topic_partition_offset> offsets,
                                                   const consumer_group_metadata& group, std::chrono::milliseconds timeout) {
        return engine_.send_offsets_to_transaction(offsets, group, timeout);
    }
    task<result<void>> send_offsets_to_transaction(std::span<const topic_partition_offset> offsets, std::string_view group_id,
                                                   std::chrono::milliseconds timeout) {
        return engine_.send_offsets_to_transaction(offsets, group_id, timeout);
    }
    // Waits for every record of the transaction, then commits it.
    task<result<void>> commit_transaction(std::chrono::milliseconds timeout) { return engine_.commit_transaction(timeout); }
    // Fails the records not yet sent, waits for those in flight, then aborts it.
    task<result<void>> abort_transaction(std::chrono::milliseconds timeout) { return engine_.abort_transaction(timeout); }
    // Where the producer's transactions stand (uninitialized for a producer without transactional_id).
    transaction_phase transaction() const noexcept { return engine_.transaction(); }

    // What the producer has done and holds (producer_stats.hpp): a snapshot, valid until the next
    // call; copy it to keep it. to_prometheus() and to_json() write it out.
    const producer_stats& stats() const { return engine_.stats(); }
    const producer_config& config() const noexcept { return engine_.config(); }
    const cluster_metadata& metadata() const noexcept { return engine_.metadata(); }
    // What last went wrong reaching the cluster (a connect, a name lookup, a broker that hung up),
    // saying where; empty until something did.
    const error& last_error() const noexcept { return engine_.last_error(); }
    std::int64_t producer_id() const noexcept { return engine_.producer_id(); }
    std::int16_t producer_epoch() const noexcept { return engine_.producer_epoch(); }
    Runtime& runtime() noexcept { return engine_.runtime(); }
    // The producer's background coroutines. An adapter that starts coroutines of its own around
    // the producer starts them here, so that they are counted and torn down with the producer's.
    detail::detached_scope& background() noexcept { return engine_.background(); }

private:
    using engine_type = producer_engine<Runtime>;
    using enqueue_status = typename engine_type::enqueue_status;

    struct teardown_hook : teardown_list::hook {
        basic_producer* owner = nullptr;
    };

    static void release(basic_producer* p) noexcept {
        p->teardown_hook_.unlink();
        p->~basic_producer();
        ::operator delete(p);
    }

    // ---- sending ------------------------------------------------------------------------------

    enum class await_mode { delivery, callback, handle, forget };

    template <await_mode Mode>
    struct send_awaiter : parked_send, delivery_waiter {
        using result_type = std::conditional_t<
            Mode == await_mode::delivery, delivery_result,
            std::conditional_t<Mode == await_mode::handle, result<delivery_handle>, result<void>>>;

        basic_producer* p;
        const record_type& record;
        detail::delivery_callback callback;
        std::optional<result_type> out;
        bool waiting_for_delivery = false;

        send_awaiter(basic_producer& prod, const record_type& r) : p(&prod), record(r) {}
        send_awaiter(send_awaiter&& o) noexcept
            : parked_send(o), delivery_waiter(), p(o.p), record(o.record), callback(std::move(o.callback)) {}

        bool await_ready() {
            this->topic = record.topic;
            return attempt();
        }
        void await_suspend(std::coroutine_handle<> h) {
            handle = h;
            if (!waiting_for_delivery) {
                // Blocked: park until memory or metadata arrives, or max_block passes.
                this->deadline = p->engine_.runtime().now() + p->engine_.config().max_block;
                this->retry = [](parked_send* s) {
                    auto* self = static_cast<send_awaiter*>(s);
                    if (!self->attempt()) return self->waiting_for_delivery;  // still blocked: false
                    self->p->engine_.runtime().post(self->handle);
                    return true;
                };
                this->fail = [](parked_send* s, error&& e) {
                    auto* self = static_cast<send_awaiter*>(s);
                    self->p->engine_.note_if_closing(e);
                    self->out.emplace(std::move(e));
                    self->p->engine_.runtime().post(self->handle);
                };
                p->engine_.park(this);
            }
        }
        result_type await_resume() {
            if constexpr (Mode == await_mode::delivery) {
                if (out) return std::move(*out);
                return std::move(delivered);
            } else {
                return std::move(*out);
            }
        }

        // Tries to enqueue; true when the co_await can complete now. When the record is enqueued
        // and the caller awaits delivery, waiting_for_delivery is set and false returned.
        bool attempt() {
            delivery_slot slot;
            delivery_state_ref_ = nullptr;
            if constexpr (Mode == await_mode::delivery) {
                // The awaiter outlives the slot: it stays suspended until the slot completes it.
                slot.how = delivery_slot::kind::awaiter;
                slot.waiter_owner = static_cast<delivery_waiter*>(this);
            } else if constexpr (Mode == await_mode::callback) {
                slot.how = delivery_slot::kind::callback;
                slot.callback = std::move(callback);
            } else if constexpr (Mode == await_mode::handle) {
                slot.how = delivery_slot::kind::handle;
                delivery_state_ref_ = p->engine_.handle_states().acquire();
                slot.state = delivery_state_ref_;
            } else {
                slot.how = delivery_slot::kind::forget;
            }
            auto st = p->try_enqueue(record, slot, this->parked);
            switch (st) {
                case enqueue_status::enqueued:
                    if constexpr (Mode == await_mode::delivery) {
                        waiting_for_delivery = true;
                        return false;
                    } else if constexpr (Mode == await_mode::handle) {
                        out.emplace(delivery_handle(delivery_state_ref_, &p->engine_.handle_states(), p->engine_.handle_post()));
                        return true;
                    } else {
                        out.emplace(ok());
                        return true;
                    }
                case enqueue_status::failed:
                    if constexpr (Mode == await_mode::handle) p->engine_.handle_states().release(delivery_state_ref_);
                    if (this->parked) p->engine_.note_if_closing(p->engine_.last_enqueue_error());
                    out.emplace(std::move(p->engine_.last_enqueue_error()));
                    return true;
                case enqueue_status::blocked_memory:
                case enqueue_status::blocked_metadata:
                    if constexpr (Mode == await_mode::handle) p->engine_.handle_states().release(delivery_state_ref_);
                    if constexpr (Mode == await_mode::callback) callback = std::move(slot.callback);
                    this->reason = st == enqueue_status::blocked_memory ? park_reason::memory : park_reason::metadata;
                    return false;
            }
            return true;
        }

        detail::delivery_state* delivery_state_ref_ = nullptr;
    };

    basic_producer(Runtime rt, producer_config config, std::vector<broker_address> bootstrap, KeySerializer ks,
                   ValueSerializer vs, Partitioner part)
        : engine_(std::move(rt), std::move(config), std::move(bootstrap)),
          key_serializer_(std::move(ks)),
          value_serializer_(std::move(vs)),
          partitioner_(std::move(part)) {}

    // Serializes the record's key, picks its partition and hands both to the engine, whose batch
    // the value is serialized into. The slot says how to report it. A send parked before close()
    // is still taken while close() runs.
    enqueue_status try_enqueue(const record_type& rec, delivery_slot& slot, bool parked_before_close) {
        const auto admitted = engine_.admit(rec.topic, parked_before_close);
        if (admitted.status != enqueue_status::enqueued) return admitted.status;
        topic_state& ts = *admitted.topic;
        const topic_metadata* md = admitted.metadata;

        // The key's bytes, which the partitioner hashes and the batch copies: the key's own when its
        // serializer says they are its serialized form, else serialized once into scratch space.
        // The value goes straight into the batch.
        bytes_view key_bytes{};
        const bool has_key = rec.key.has_value();
        if (has_key) {
            if constexpr (fallible_serializer_for<KeySerializer, Key>) {
                key_scratch_.clear();
                buffer_sink ks{key_scratch_};
                if (auto r = key_serializer_.serialize(*rec.key, ks); !r) return refused_by_serializer("key", rec.topic, r.err());
                key_bytes = key_scratch_.view();
            } else if constexpr (requires { { key_serializer_.bytes_of(*rec.key) } -> std::convertible_to<bytes_view>; }) {
                key_bytes = key_serializer_.bytes_of(*rec.key);
            } else {
                key_scratch_.clear();
                buffer_sink ks{key_scratch_};
                key_serializer_.serialize(*rec.key, ks);
                key_bytes = key_scratch_.view();
            }
        }
        // A value serializer that may refuse the value writes it aside first, before the partitioner
        // is asked: a refused record then leaves no trace, not even in the partitioner's state. The
        // batch copies the bytes; infallible serializers keep writing straight into it.
        if constexpr (fallible_serializer_for<ValueSerializer, Value>) {
            if (rec.value) {
                value_scratch_.clear();
                buffer_sink vs{value_scratch_};
                if (auto r = value_serializer_.serialize(*rec.value, vs); !r) return refused_by_serializer("value", rec.topic, r.err());
            }
        }

        std::int32_t partition;
        if (rec.partition) {
            partition = *rec.partition;
            if (partition < 0 || partition >= md->partition_count()) {
                engine_.last_enqueue_error() = error(errc::unknown_partition, "topic '" + std::string(rec.topic) + "' has " +
                                                                                 std::to_string(md->partition_count()) +
                                                                                 " partitions; partition " + std::to_string(partition) +
                                                                                 " does not exist");
                return enqueue_status::failed;
            }
        } else {
            partition = choose_partition(ts, *md, has_key && !engine_.config().partitioner_ignore_keys, key_bytes);
            if (partition < 0 || partition >= md->partition_count()) {
                engine_.last_enqueue_error() =
                    error(errc::unknown_partition, "the partitioner chose partition " + std::to_string(partition) + " of topic '" +
                                                       std::string(rec.topic) + "', which has " +
                                                       std::to_string(md->partition_count()) + " partitions");
                return enqueue_status::failed;
            }
        }
        const std::int64_t timestamp = rec.timestamp ? *rec.timestamp : engine_.timestamp_now();

        // The key is already bytes; the value is written by its serializer straight into the batch,
        // once, when the serializer can tell its size first.
        bytes_view key_writer = key_bytes;
        [[maybe_unused]] auto write_value = [&](auto& sink) { value_serializer_.serialize(*rec.value, sink); };
        auto value_writer = [&] {
            if constexpr (fallible_serializer_for<ValueSerializer, Value>)
                return value_scratch_.view();
            else if constexpr (requires { value_serializer_.serialized_size(*rec.value); })
                return sized_record_field{rec.value ? value_serializer_.serialized_size(*rec.value) : 0, write_value};
            else
                return write_value;
        }();

        const auto a = engine_.append(ts, partition, timestamp, has_key, key_writer, rec.value.has_value(), value_writer,
                                      rec.headers, slot);
        switch (a.status) {
            case record_accumulator::append_outcome::blocked_memory: return enqueue_status::blocked_memory;
            case record_accumulator::append_outcome::too_large: return enqueue_status::failed;
            case record_accumulator::append_outcome::opened:
                partitioner_.on_new_batch(ts.name, partition);
                [[fallthrough]];
            case record_accumulator::append_outcome::appended: break;
        }
        partitioner_.on_append(ts.name, partition, a.batch->builder.size_bytes());
        engine_.appended(ts, partition, a);
        return enqueue_status::enqueued;
    }

    // The record fails alone with the serializer's own error code; the detail says which part of
    // which topic's record it refused.
    enqueue_status refused_by_serializer(std::string_view part, std::string_view topic, const error& why) {
        engine_.last_enqueue_error() =
            error(why.code(), "the " + std::string(part) + " serializer refused a record for topic '" + std::string(topic) + "'" +
                                  (why.detail().empty() ? std::string() : ": " + why.detail()));
        return enqueue_status::failed;
    }

    // ---- partitioning -------------------------------------------------------------------------

    std::int32_t choose_partition(topic_state& ts, const topic_metadata& md, bool keyed, bytes_view key) {
        partition_context ctx;
        ctx.topic = ts.name;
        ctx.key = keyed ? std::optional<bytes_view>(key) : std::nullopt;
        ctx.partition_count = md.partition_count();
        ctx.available_partitions = std::span<const std::int32_t>(md.available);
        if (engine_.config().partitioner_adaptive_partitioning)
            ctx.queue_sizes = std::span<const std::size_t>(ts.queued_bytes).first(std::min(ts.queued_bytes.size(), md.partitions.size()));
        ctx.batch_size = engine_.config().batch_size;
        return partitioner_.partition(ctx);  // checked by the caller
    }
    engine_type engine_;
    [[no_unique_address]] KeySerializer key_serializer_;
    [[no_unique_address]] ValueSerializer value_serializer_;
    Partitioner partitioner_;
    byte_buffer key_scratch_;
    byte_buffer value_scratch_;  // a fallible value serializer's bytes, until the batch copies them
    teardown_hook teardown_hook_;
};

KCORO_NAMESPACE_END
