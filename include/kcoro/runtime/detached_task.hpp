// detached_task: a coroutine that runs on its own once posted and frees its frame when it ends;
// detached_scope: the ones of one owner, destroyed with the runtime they are suspended on.
#pragma once

#include "../detail/prelude.hpp"
#include "runtime_concepts.hpp"

#include <coroutine>
#include <cstddef>
#include <exception>
#include <utility>

KCORO_NAMESPACE_BEGIN

namespace detail {

class detached_scope;

// A coroutine that runs on its own once posted and frees its frame when it ends. The engine's
// background work (sender loops, metadata refresh, one coroutine per in-flight request) is made of
// these, and so are the tasks event_loop's spawn() starts; the producer counts its own so close()
// can wait until none is left. One started into a detached_scope belongs to it from its start
// until its frame is gone.
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

// The detached coroutines of one owner (a producer with its connections, an event loop with what
// spawn() started), and the places that keep it alive while they run (a flush() or close() in progress). An owner destroyed while
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

template <executor E>
void start_detached(E& ex, detached_task t) {
    ex.post(t.handle);
}

// Starts the coroutine as one of the scope's.
template <executor E>
void start_detached(E& ex, detached_scope& scope, detached_task t) {
    scope.adopt(t.handle.promise());
    ex.post(t.handle);
}

}  // namespace detail

KCORO_NAMESPACE_END
