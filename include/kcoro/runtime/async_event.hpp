// async_event: a flag coroutines wait on. set() wakes every waiter (each resumed through the
// executor, in the order they began waiting) and stays set until reset(); waiting on a set event
// does not suspend. Single-threaded: everything on the runtime's thread. No allocation per wait.
#pragma once

#include "../detail/prelude.hpp"
#include "executor.hpp"
#include "steady_time.hpp"
#include "waiter_queue.hpp"

#include <cstddef>

KCORO_NAMESPACE_BEGIN

// Runtime: an executor; wait_until() also needs make_timer() and now() (a timer_service).
template <executor Runtime>
class async_event {
public:
    explicit async_event(Runtime& rt, bool initially_set = false) noexcept : rt_(&rt), set_(initially_set) {}
    async_event(const async_event&) = delete;
    async_event& operator=(const async_event&) = delete;

    bool is_set() const noexcept { return set_; }
    std::size_t waiters() const noexcept { return queue_.size(); }

    void set() {
        set_ = true;
        while (detail::waiter_node* n = queue_.front()) detail::waiter_queue::wake(queue_, *n);
    }
    void reset() noexcept { set_ = false; }

    // `co_await ev.wait()`: until the event is set.
    auto wait() noexcept { return detail::queue_awaiter<async_event, Runtime>(*this, *rt_, 0); }
    // `co_await ev.wait_until(tp)` -> bool: true once set, false if tp passes first.
    auto wait_until(steady_time deadline) {
        return detail::deadline_awaiter<async_event, Runtime>(*this, *rt_, 0, deadline);
    }

private:
    template <class, class>
    friend class detail::queue_awaiter;
    template <class, class>
    friend class detail::deadline_awaiter;

    bool try_now(detail::waiter_node&) const noexcept { return set_; }
    void enqueue(detail::waiter_node& n) noexcept { queue_.push_back(n); }
    void dequeue(detail::waiter_node& n) noexcept { queue_.remove(n); }

    Runtime* rt_;
    detail::waiter_queue queue_;
    bool set_;
};

KCORO_NAMESPACE_END
