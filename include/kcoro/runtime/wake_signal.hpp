// wake_signal: one waiter sleeps until a deadline or until notify(), on any runtime's timer.
#pragma once

#include "../detail/prelude.hpp"
#include "runtime_concepts.hpp"

#include <utility>

KCORO_NAMESPACE_BEGIN

namespace detail {

// One waiter sleeps until a deadline or until notify(), whichever comes first. A notify() with no
// waiter is remembered, so a wake-up that races ahead of the wait is never lost.
template <runtime_make_timer R>
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
