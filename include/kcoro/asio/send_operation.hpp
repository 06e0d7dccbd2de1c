// The state of one asio_producer::async_send between its initiation and its completion: the
// completion handler and the executor it completes on, kept in a block of a pool the producer
// owns. A record's delivery slot in the engine holds one pointer to it (an 8-byte callback,
// stored inline), so a send that finds room in the buffer allocates nothing once the pool has
// grown to the number of sends in flight.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../producer/delivery.hpp"

#include <asio.hpp>

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace detail {

class asio_send_pool;

// What the engine and the pool know of an operation, whatever its handler type.
struct asio_send_op_base {
    struct ops {
        // Completes with r: dispatched (inline when already on the handler's executor, which is
        // how the engine reports deliveries) or, for an error found while initiating, posted.
        void (*complete)(asio_send_op_base*, delivery_result&&, bool post);
    };
    const ops* fns;
    asio_send_pool* pool;  // null: the operation did not fit a block and lives on the heap

    void complete(delivery_result&& r) { fns->complete(this, std::move(r), false); }
    // For an outcome known while async_send is still running: the handler must not run inside it.
    void fail(error&& e) { fns->complete(this, delivery_result(std::move(e)), true); }
};

// Fixed-size blocks, reused through a free list; it grows to the largest number of sends in flight
// at once and never shrinks. The producer owns it until it is destroyed (orphan()); sends still
// waiting for buffer space then keep it alive until the last of them completes.
class asio_send_pool {
public:
    static constexpr std::size_t block_size = 192;

    asio_send_pool() = default;
    asio_send_pool(const asio_send_pool&) = delete;
    asio_send_pool& operator=(const asio_send_pool&) = delete;

    void* acquire() {
        if (free_ == nullptr) grow();
        block* b = free_;
        free_ = b->next;
        ++live_;
        return b;
    }
    void release(void* p) noexcept {
        auto* b = static_cast<block*>(p);
        b->next = free_;
        free_ = b;
        --live_;
        delete_if_unused();
    }
    static void orphan(asio_send_pool* p) noexcept {
        p->orphaned_ = true;
        p->delete_if_unused();
    }

    // Sends that found the buffer full (or no metadata yet) and wait in the engine to be enqueued;
    // while any does, later sends queue behind them, so that records keep the order they were
    // sent in.
    bool has_waiting() const noexcept { return waiting_ != 0; }
    void begin_wait() noexcept { ++waiting_; }
    void end_wait() noexcept {
        if (--waiting_ == 0)
            for (const auto& w : watchers_) w.wake(w.self);
        delete_if_unused();
    }

    // An operation that must come after the sends waiting now (a commit, which would otherwise
    // begin before they join the transaction) is woken when none waits any more. It stays
    // registered, and keeps the pool alive, until it unwatches.
    struct watcher {
        void (*wake)(void*) noexcept;
        void* self;
    };
    void watch(watcher w) { watchers_.push_back(w); }
    void unwatch(void* self) noexcept { std::erase_if(watchers_, [self](const watcher& w) { return w.self == self; }); }

    // Held by an operation that refers to the pool (asio_send_pool_ref), which may outlive the
    // producer.
    void retain() noexcept { ++refs_; }
    void release_ref() noexcept {
        --refs_;
        delete_if_unused();
    }

private:
    void delete_if_unused() noexcept {
        if (orphaned_) delete_if_last_gone();
    }
    // Not inlined: g++ 12 at -O3 follows an inlined `delete this` into the sends that release a
    // block and warns of a use after free in a user's loop of async_send calls, on the path where
    // the pool is orphaned, which no send takes while the producer lives.
    [[gnu::noinline]] void delete_if_last_gone() noexcept {
        if (live_ == 0 && waiting_ == 0 && refs_ == 0) delete this;
    }

    union block {
        block* next;
        alignas(std::max_align_t) unsigned char bytes[block_size];
    };
    void grow() {
        const std::size_t n = chunks_.empty() ? 64 : 2 * chunk_sizes_.back();
        chunks_.push_back(std::make_unique<block[]>(n));
        chunk_sizes_.push_back(n);
        for (std::size_t i = n; i-- > 0;) {
            chunks_.back()[i].next = free_;
            free_ = &chunks_.back()[i];
        }
    }

    std::vector<std::unique_ptr<block[]>> chunks_;
    std::vector<std::size_t> chunk_sizes_;
    block* free_ = nullptr;
    std::size_t live_ = 0;
    std::size_t waiting_ = 0;
    std::vector<watcher> watchers_;
    std::size_t refs_ = 0;
    bool orphaned_ = false;
};

// The pool, kept alive for as long as this lives.
class asio_send_pool_ref {
public:
    explicit asio_send_pool_ref(asio_send_pool* p) noexcept : p_(p) { p_->retain(); }
    asio_send_pool_ref(const asio_send_pool_ref& o) noexcept : p_(o.p_) { p_->retain(); }
    asio_send_pool_ref& operator=(const asio_send_pool_ref&) = delete;
    ~asio_send_pool_ref() { p_->release_ref(); }
    asio_send_pool* get() const noexcept { return p_; }

private:
    asio_send_pool* p_;
};

struct asio_send_pool_orphan {
    void operator()(asio_send_pool* p) const noexcept { asio_send_pool::orphan(p); }
};

template <class Handler, class Executor>
struct asio_send_op final : asio_send_op_base {
    Handler handler;
    Executor ex;

    asio_send_op(asio_send_pool* p, Handler&& h, Executor e) : asio_send_op_base{&fns_, p}, handler(std::move(h)), ex(std::move(e)) {}

    static asio_send_op* make(asio_send_pool& pool, Handler&& h, Executor e) {
        if constexpr (sizeof(asio_send_op) <= asio_send_pool::block_size && alignof(asio_send_op) <= alignof(std::max_align_t)) {
            return ::new (pool.acquire()) asio_send_op(&pool, std::move(h), std::move(e));
        } else {
            return new asio_send_op(nullptr, std::move(h), std::move(e));
        }
    }

    // Ends the operation without completing it and gives its handler back.
    static Handler reclaim(asio_send_op* self) {
        Handler h = std::move(self->handler);
        free(self);
        return h;
    }

private:
    static void free(asio_send_op* self) noexcept {
        if (asio_send_pool* pool = self->pool) {
            self->~asio_send_op();
            pool->release(self);
        } else {
            delete self;
        }
    }
    // The operation's memory goes back before the handler runs, as Asio's own operations do, so
    // that a handler starting the next send reuses it.
    static void complete_op(asio_send_op_base* b, delivery_result&& r, bool post) {
        auto* self = static_cast<asio_send_op*>(b);
        auto fn = [h = std::move(self->handler), r = std::move(r)]() mutable { std::move(h)(std::move(r)); };
        Executor ex = std::move(self->ex);
        free(self);
        if (post) asio::post(ex, std::move(fn));
        else asio::dispatch(ex, std::move(fn));
    }
    static constexpr ops fns_{&complete_op};
};

// The engine's per-record callback: one pointer, trivially destructible. The engine calls every
// callback of an enqueued record exactly once (with producer_destroyed if it is destroyed first).
struct asio_send_completion {
    asio_send_op_base* op;
    void operator()(delivery_result&& r) const { op->complete(std::move(r)); }
};
static_assert(std::is_trivially_destructible_v<asio_send_completion>);
static_assert(sizeof(asio_send_completion) <= delivery_callback::inline_size);

}  // namespace detail
KCORO_NAMESPACE_END
