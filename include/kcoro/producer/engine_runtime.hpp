// What the producer engine needs from the runtime it is given, and two small tools it builds on
// top: detached coroutines started through the runtime, and a wake-up signal with a deadline.
//
// The engine never reaches for a global clock, socket or thread: everything comes through an
// `engine_runtime`. kcoro's own event loop provides one (runtime/event_loop_runtime.hpp), the Asio
// adapter another, and a simulated network with virtual time can provide a third.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"

#include <chrono>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

using steady_time = std::chrono::steady_clock::time_point;

// A runtime R offers:
//   R::stream_type: a connected byte stream with
//       s.read_some(mutable_bytes)          awaitable -> result<std::size_t>  (0 bytes never: EOF is an error)
//       s.write(std::span<const bytes_view>) awaitable -> result<void>       (all bytes, in order)
//       s.close()                           wakes pending reads/writes with an error
//   R::timer_type: a one-shot timer with
//       t.wait_until(steady_time)           awaitable -> bool (true: expired, false: cancelled)
//       t.cancel()                          resumes a pending wait with false
//   rt.now(), rt.wall_now() (system_clock, for record timestamps), rt.random() (64 random bits, for
//   jitter and seeds), rt.post(coroutine_handle<>) (runs it later on the runtime's thread, never inline),
//   rt.make_timer(), rt.connect(host, port, timeout) awaitable -> result<R::stream_type>.
template <class R>
concept engine_runtime = requires(R& rt, std::coroutine_handle<> h, std::string_view host, std::uint16_t port,
                                  std::chrono::milliseconds timeout) {
    typename R::stream_type;
    typename R::timer_type;
    { rt.now() } -> std::same_as<steady_time>;
    { std::as_const(rt).wall_now() } -> std::same_as<std::chrono::system_clock::time_point>;
    { rt.random() } -> std::same_as<std::uint64_t>;
    rt.post(h);
    { rt.make_timer() } -> std::same_as<typename R::timer_type>;
    rt.connect(host, port, timeout);
};

namespace detail {

class detached_scope;

// A coroutine that runs on its own once posted and frees its frame when it ends. The engine's
// background work (sender loops, metadata refresh, one coroutine per in-flight request) is made of
// these; the producer counts them so close() can wait until none is left. One started into a
// detached_scope belongs to it from its start until its frame is gone.
struct detached_task {
    struct promise_type {
        promise_type() = default;
        promise_type(const promise_type&) = delete;
        promise_type& operator=(const promise_type&) = delete;
        ~promise_type();

        detached_task get_return_object() noexcept {
            return detached_task{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        // The frame frees itself from its final suspend point. Not std::suspend_never: clang 16 at
        // -O1 and above never frees the frame of such a coroutine whose last statement co_awaits a task
        // (it leaked in a unit test under LeakSanitizer); destroying it from await_suspend does not.
        struct final_awaiter {
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<promise_type> h) const noexcept { h.destroy(); }
            void await_resume() const noexcept {}
        };
        final_awaiter final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }

        detached_scope* scope = nullptr;
        promise_type* prev = nullptr;
        promise_type* next = nullptr;
    };
    std::coroutine_handle<promise_type> handle;
};

// The detached coroutines of one owner (a producer with its connections), and the places that
// keep it alive while they run (a flush() or close() in progress). An owner destroyed while
// either remains is freed by whichever ends last (on_last_gone); a runtime destroyed before then
// destroys the coroutines still suspended on it (destroy_suspended), which ends them.
class detached_scope {
public:
    detached_scope() = default;
    detached_scope(const detached_scope&) = delete;
    detached_scope& operator=(const detached_scope&) = delete;

    // Keeps the owner alive while it lives: for a coroutine of the owner's that is not detached.
    class hold {
    public:
        explicit hold(detached_scope& s) noexcept : s_(&s) { ++s.holds_; }
        hold(hold&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
        hold& operator=(hold&&) = delete;
        hold(const hold&) = delete;
        ~hold() {
            if (s_ == nullptr) return;
            --s_->holds_;
            s_->maybe_last_gone();
        }

    private:
        detached_scope* s_;
    };

    void adopt(detached_task::promise_type& p) noexcept {
        p.scope = this;
        p.prev = nullptr;
        p.next = head_;
        if (head_) head_->prev = &p;
        head_ = &p;
        ++frames_;
    }
    void leave(detached_task::promise_type& p) noexcept {
        if (p.prev) p.prev->next = p.next;
        else head_ = p.next;
        if (p.next) p.next->prev = p.prev;
        p.scope = nullptr;
        --frames_;
        maybe_last_gone();
    }

    // Coroutines and holds still alive.
    std::size_t live() const noexcept { return frames_ + holds_; }

    // From now on, when live() drops to zero, fn(ctx) runs (once). It may destroy this scope.
    void on_last_gone(void (*fn)(void*), void* ctx) noexcept {
        last_gone_ = fn;
        last_gone_ctx_ = ctx;
    }

    // Destroys every coroutine of the scope that is suspended, as a runtime being destroyed must:
    // none of them may be running, and nothing may resume them afterwards. A coroutine's frame
    // runs its destructors (which may release resources of the owner), not its remaining code.
    void destroy_suspended() noexcept {
        draining_ = true;
        while (head_ != nullptr) std::coroutine_handle<detached_task::promise_type>::from_promise(*head_).destroy();
        draining_ = false;
        maybe_last_gone();  // last: it may free this scope
    }

private:
    void maybe_last_gone() noexcept {
        if (draining_ || live() != 0 || last_gone_ == nullptr) return;
        auto fn = std::exchange(last_gone_, nullptr);
        fn(last_gone_ctx_);
    }

    detached_task::promise_type* head_ = nullptr;
    std::size_t frames_ = 0;
    std::size_t holds_ = 0;
    bool draining_ = false;
    void (*last_gone_)(void*) = nullptr;
    void* last_gone_ctx_ = nullptr;
};

inline detached_task::promise_type::~promise_type() {
    if (scope != nullptr) scope->leave(*this);
}

template <class R>
void start_detached(R& rt, detached_task t) {
    rt.post(t.handle);
}

// Starts the coroutine as one of the scope's.
template <class R>
void start_detached(R& rt, detached_scope& scope, detached_task t) {
    scope.adopt(t.handle.promise());
    rt.post(t.handle);
}

// One waiter sleeps until a deadline or until notify(), whichever comes first. A notify() with no
// waiter is remembered, so a wake-up that races ahead of the wait is never lost.
template <class R>
class wake_signal {
public:
    explicit wake_signal(R& rt) : timer_(rt.make_timer()) {}

    void notify() noexcept {
        pending_ = true;
        if (waiting_) timer_.cancel();
    }

    // An awaitable usable as `co_await signal.wait_until(tp)`.
    auto wait_until(steady_time deadline) { return waiter{*this, deadline}; }

private:
    struct waiter {
        wake_signal& s;
        steady_time deadline;
        // Delegates to the timer's awaitable, consuming a pending notification first.
        struct awaiter {
            wake_signal& s;
            decltype(std::declval<typename R::timer_type&>().wait_until(steady_time{})) inner;
            bool await_ready() {
                if (s.pending_) return true;
                return inner.await_ready();
            }
            template <class H>
            auto await_suspend(H h) {
                s.waiting_ = true;
                return inner.await_suspend(h);
            }
            void await_resume() {
                if (!s.pending_) (void)inner.await_resume();
                s.waiting_ = false;
                s.pending_ = false;
            }
        };
        awaiter operator co_await() && { return awaiter{s, s.timer_.wait_until(deadline)}; }
    };

    typename R::timer_type timer_;
    bool pending_ = false;
    bool waiting_ = false;
};

}  // namespace detail

KCORO_NAMESPACE_END
