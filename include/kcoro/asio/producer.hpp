// asio_producer: the producer engine on an asio_runtime, with sends, flush, close and the
// transactional calls as Asio asynchronous operations that take any completion token (callbacks,
// use_awaitable, deferred, use_future).
#pragma once

#include "../detail/prelude.hpp"
#include "../kcoro.hpp"
#include "../runtime/wake_signal.hpp"
#include "runtime.hpp"
#include "send_operation.hpp"

#include <asio.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

namespace detail {
// An Asio operation that ends with what an engine call's task<T> returns completes with void(T);
// one that ends with a task<void>, with void().
template <class Task>
struct asio_completion_of;
template <class T>
struct asio_completion_of<task<T>> {
    using value_type = T;
    using signature = void(T);
};
template <>
struct asio_completion_of<task<void>> {
    using value_type = void;
    using signature = void();
};
}  // namespace detail

// A producer on an Asio executor. Everything of kcoro::basic_producer is reachable with `->`;
// the async_ functions are Asio asynchronous operations taking any completion token.
template <class Key = std::string_view, class Value = std::string_view, class Partitioner = default_partitioner,
          class KeySerializer = default_serializer<Key>, class ValueSerializer = default_serializer<Value>>
class asio_producer {
public:
    using engine_type = basic_producer<asio_runtime, Key, Value, Partitioner, KeySerializer, ValueSerializer>;
    using record_type = typename engine_type::record_type;

    static result<asio_producer> create(asio::any_io_executor ex, producer_config config, KeySerializer key_serializer = {},
                                        ValueSerializer value_serializer = {}, Partitioner partitioner = {}) {
        auto p = engine_type::create(asio_runtime(ex), std::move(config), std::move(key_serializer),
                                     std::move(value_serializer), std::move(partitioner));
        if (!p) return std::move(p).err();
        return asio_producer(std::move(*p));
    }

    engine_type* operator->() noexcept { return engine_.get(); }
    engine_type& engine() noexcept { return *engine_; }

    // Completes with the record's delivery_result once the broker has acknowledged it (or it
    // failed). The record itself is copied (it is a handful of views), so a temporary is fine even
    // with callbacks or asio::deferred; the key, value and bytes it refers to must stay valid until
    // the operation completes. Call it on the producer's executor.
    //
    // A record that finds room in the buffer is enqueued before async_send returns, with the
    // handler kept in a pooled block: nothing is allocated per record once the pool has grown to
    // the number of sends in flight. The handler runs when the engine reports the delivery, on the
    // handler's associated executor (inline when that is the producer's). A record that finds the
    // buffer full, or its topic without metadata, waits in a coroutine of its own (one frame per
    // waiting record) for at most max_block, and every later send queues behind it.
    template <class CompletionToken>
    auto async_send(const record_type& rec, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(delivery_result)>(
            [this](auto handler, const record_type& r) { this->initiate_send(r, std::move(handler)); }, token, rec);
    }

    // Completes once every record so far is acknowledged or failed.
    template <class CompletionToken>
    auto async_flush(CompletionToken&& token) {
        return async_engine_call(std::forward<CompletionToken>(token), [](engine_type& p) { return p.flush(); });
    }

    // Delivers or fails every record within `timeout`, then completes with the close result.
    template <class CompletionToken>
    auto async_close(std::chrono::milliseconds timeout, CompletionToken&& token) {
        return async_engine_call(std::forward<CompletionToken>(token), [timeout](engine_type& p) { return p.close(timeout); });
    }

    // The transactional calls of basic_producer, each completing with its result<void> within
    // `timeout` (begin_transaction() has nothing to wait for: call it through `->`):
    //
    //   co_await p.async_init_transactions(30s, asio::use_awaitable);   // once
    //   p->begin_transaction();
    //   co_await p.async_send(..., asio::use_awaitable);                 // any send style
    //   auto c = co_await p.async_commit_transaction(30s, asio::use_awaitable);
    template <class CompletionToken>
    auto async_init_transactions(std::chrono::milliseconds timeout, CompletionToken&& token) {
        return async_engine_call(std::forward<CompletionToken>(token), [timeout](engine_type& p) { return p.init_transactions(timeout); });
    }
    // The commit comes after every record async_send took before it, also one still waiting for
    // its topic's metadata or for buffer space, all within `timeout`.
    template <class CompletionToken>
    auto async_commit_transaction(std::chrono::milliseconds timeout, CompletionToken&& token) {
        return async_engine_call(std::forward<CompletionToken>(token),
                                 [pool = detail::asio_send_pool_ref(pool_.get()), timeout](engine_type& p) {
                                     return commit_after_waiting_sends(p, pool.get(), timeout);
                                 });
    }
    // The consumer group's offsets, committed with the transaction (basic_producer's
    // send_offsets_to_transaction). The offsets and the group are copied before this returns.
    template <class CompletionToken>
    auto async_send_offsets_to_transaction(std::span<const topic_partition_offset> offsets, consumer_group_metadata group,
                                           std::chrono::milliseconds timeout, CompletionToken&& token) {
        return async_engine_call(std::forward<CompletionToken>(token),
                                 [o = std::vector<topic_partition_offset>(offsets.begin(), offsets.end()), g = std::move(group),
                                  timeout](engine_type& p) { return p.send_offsets_to_transaction(o, g, timeout); });
    }
    template <class CompletionToken>
    auto async_send_offsets_to_transaction(std::span<const topic_partition_offset> offsets, std::string_view group_id,
                                           std::chrono::milliseconds timeout, CompletionToken&& token) {
        return async_send_offsets_to_transaction(offsets, consumer_group_metadata::from_group_id(group_id), timeout,
                                                 std::forward<CompletionToken>(token));
    }
    template <class CompletionToken>
    auto async_abort_transaction(std::chrono::milliseconds timeout, CompletionToken&& token) {
        return async_engine_call(std::forward<CompletionToken>(token), [timeout](engine_type& p) { return p.abort_transaction(timeout); });
    }

private:
    explicit asio_producer(std::unique_ptr<engine_type> e) : pool_(new detail::asio_send_pool), engine_(std::move(e)) {}

    template <class Handler>
    void initiate_send(const record_type& r, Handler handler) {
        using executor_type = asio::associated_executor_t<Handler, asio::any_io_executor>;
        using op_type = detail::asio_send_op<Handler, executor_type>;
        if (!pool_->has_waiting()) {
            executor_type ex = asio::get_associated_executor(handler, engine_->runtime().executor());
            op_type* op = op_type::make(*pool_, std::move(handler), std::move(ex));
            // Driven by hand: a callback send that finds room completes at await_ready, with no
            // coroutine to suspend.
            auto enqueue = engine_->send(r, detail::asio_send_completion{op});
            if (enqueue.await_ready()) {
                if (auto q = enqueue.await_resume(); !q) op->fail(std::move(q).err());
                return;
            }
            wait_for_room(r, op_type::reclaim(op));
            return;
        }
        wait_for_room(r, std::move(handler));
    }
    template <class Handler>
    void wait_for_room(const record_type& r, Handler handler) {
        pool_->begin_wait();
        detail::start_detached(engine_->runtime(), engine_->background(),
                               send_when_room(*engine_, pool_.get(), r, std::move(handler)));
    }

    // Each reads what it needs of the engine before its co_await: a destroyed engine resumes it
    // with an error and may be gone once it has.
    // Ends the wait of one queued send when it goes, however its coroutine ends.
    struct waiting_send {
        detail::asio_send_pool* pool;
        explicit waiting_send(detail::asio_send_pool* p) noexcept : pool(p) {}
        waiting_send(const waiting_send&) = delete;
        waiting_send& operator=(const waiting_send&) = delete;
        ~waiting_send() { end(); }
        void end() noexcept {
            if (pool != nullptr) std::exchange(pool, nullptr)->end_wait();
        }
    };
    template <class Handler>
    static detail::detached_task send_when_room(engine_type& p, detail::asio_send_pool* pool, record_type rec, Handler handler) {
        waiting_send wait(pool);
        auto ex = asio::get_associated_executor(handler, p.runtime().executor());
        auto enqueued = co_await p.enqueue(rec);
        wait.end();
        delivery_result r = error(errc::none);
        if (enqueued) r = co_await std::move(*enqueued);
        else r = std::move(enqueued).err();
        asio::dispatch(ex, [h = std::move(handler), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
    }
    template <class Call>
    using call_task = std::invoke_result_t<Call&, engine_type&>;

    // Every async_ operation but async_send: `call(engine)` makes the engine's task, run as one of
    // the producer's background coroutines, and the handler gets what it returns. The call is kept
    // in that coroutine's frame until the task ends, so what it captured by value outlives the
    // engine's use of it.
    template <class CompletionToken, class Call>
    auto async_engine_call(CompletionToken&& token, Call call) {
        return asio::async_initiate<CompletionToken, typename detail::asio_completion_of<call_task<Call>>::signature>(
            [this](auto handler, Call c) {
                detail::start_detached(engine_->runtime(), engine_->background(),
                                       call_then_complete(*engine_, std::move(c), std::move(handler)));
            },
            token, std::move(call));
    }
    template <class Call, class Handler>
    static detail::detached_task call_then_complete(engine_type& p, Call call, Handler handler) {
        auto ex = asio::get_associated_executor(handler, p.runtime().executor());
        if constexpr (std::is_void_v<typename detail::asio_completion_of<call_task<Call>>::value_type>) {
            co_await call(p);
            asio::dispatch(ex, [h = std::move(handler)]() mutable { std::move(h)(); });
        } else {
            auto r = co_await call(p);
            asio::dispatch(ex, [h = std::move(handler), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
        }
    }

    // A record async_send could not enqueue at once waits in a coroutine of its own (send_when_room);
    // a commit that began before it joined the transaction would have the engine refuse it, as a
    // record sent during the commit. So the commit first waits until no send waits, within its
    // timeout. Sends made meanwhile queue behind the waiting ones and join the transaction too.
    struct sends_watch {
        detail::asio_send_pool* pool;
        sends_watch(detail::asio_send_pool* p, detail::wake_signal<asio_runtime>& drained) : pool(p) {
            pool->watch({[](void* s) noexcept { static_cast<detail::wake_signal<asio_runtime>*>(s)->notify(); }, &drained});
            self = &drained;
        }
        sends_watch(const sends_watch&) = delete;
        sends_watch& operator=(const sends_watch&) = delete;
        ~sends_watch() { pool->unwatch(self); }
        void* self = nullptr;
    };
    static task<result<void>> commit_after_waiting_sends(engine_type& p, detail::asio_send_pool* pool, std::chrono::milliseconds timeout) {
        const steady_time deadline = p.runtime().now() + timeout;
        if (pool->has_waiting()) {
            detail::wake_signal<asio_runtime> drained(p.runtime());
            sends_watch watch(pool, drained);
            while (pool->has_waiting() && p.runtime().now() < deadline) co_await drained.wait_until(deadline);
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - p.runtime().now());
        co_return co_await p.commit_transaction(std::max(left, std::chrono::milliseconds(0)));
    }

    // Before the engine: destroying the engine completes the sends still pending, whose state
    // is in the pool.
    std::unique_ptr<detail::asio_send_pool, detail::asio_send_pool_orphan> pool_;
    std::unique_ptr<engine_type> engine_;
};

KCORO_NAMESPACE_END

// Built with KCORO_SEPARATE_COMPILATION, a file only declares the engine for asio_runtime; the one
// file that includes <kcoro/asio/impl/src.hpp> compiles it (producer/engine_instances.hpp).
#ifdef KCORO_SEPARATE_COMPILATION
KCORO_DECLARE_ENGINE(::kcoro::asio_runtime);
#endif
