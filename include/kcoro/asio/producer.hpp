// asio_producer: the producer engine on an asio_runtime, with sends, flush and close as Asio
// asynchronous operations that take any completion token (callbacks, use_awaitable, deferred,
// use_future).
#pragma once

#include "../detail/prelude.hpp"
#include "../kcoro.hpp"
#include "runtime.hpp"
#include "send_operation.hpp"

#include <asio.hpp>

#include <chrono>
#include <memory>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

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
        return asio::async_initiate<CompletionToken, void()>(
            [this](auto handler) {
                detail::start_detached(engine_->runtime(), engine_->background(), flush_then_complete(*engine_, std::move(handler)));
            },
            token);
    }

    // Delivers or fails every record within `timeout`, then completes with the close result.
    template <class CompletionToken>
    auto async_close(std::chrono::milliseconds timeout, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(result<void>)>(
            [this, timeout](auto handler) {
                detail::start_detached(engine_->runtime(), engine_->background(),
                                       close_then_complete(*engine_, timeout, std::move(handler)));
            },
            token);
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
    template <class Handler>
    static detail::detached_task flush_then_complete(engine_type& p, Handler handler) {
        auto ex = asio::get_associated_executor(handler, p.runtime().executor());
        co_await p.flush();
        asio::dispatch(ex, [h = std::move(handler)]() mutable { std::move(h)(); });
    }
    template <class Handler>
    static detail::detached_task close_then_complete(engine_type& p, std::chrono::milliseconds timeout, Handler handler) {
        auto ex = asio::get_associated_executor(handler, p.runtime().executor());
        auto r = co_await p.close(timeout);
        asio::dispatch(ex, [h = std::move(handler), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
    }

    // Before the engine: destroying the engine completes the sends still pending, whose state
    // is in the pool.
    std::unique_ptr<detail::asio_send_pool, detail::asio_send_pool_orphan> pool_;
    std::unique_ptr<engine_type> engine_;
};

KCORO_NAMESPACE_END
