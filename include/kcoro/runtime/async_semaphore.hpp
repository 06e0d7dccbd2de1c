// async_semaphore: units (bytes of buffer memory, request slots) that coroutines acquire and
// release. Strictly first come, first served: a waiter asking for many units is not overtaken by
// later ones asking for few, so nobody starves; a waiter whose deadline passes leaves the queue
// and those behind it are served if they now fit. Granted units are reserved at release() time,
// so a deadline that fires in the same turn never loses them. Single-threaded; no allocation per
// wait.
#pragma once

#include "../detail/prelude.hpp"
#include "executor.hpp"
#include "steady_time.hpp"
#include "waiter_queue.hpp"

#include <cstddef>

KCORO_NAMESPACE_BEGIN

// Runtime: an executor; acquire_until() also needs make_timer() and now() (a timer_service).
template <executor Runtime>
class async_semaphore {
public:
    async_semaphore(Runtime& rt, std::size_t initial_units) noexcept : rt_(&rt), available_(initial_units) {}
    async_semaphore(const async_semaphore&) = delete;
    async_semaphore& operator=(const async_semaphore&) = delete;

    std::size_t available() const noexcept { return available_; }
    std::size_t waiters() const noexcept { return queue_.size(); }

    // Takes n units now if they are free and nobody is queued before us.
    bool try_acquire(std::size_t n = 1) noexcept {
        if (!queue_.empty() || available_ < n) return false;
        available_ -= n;
        return true;
    }
    // `co_await sem.acquire(n)`: until n units are granted.
    auto acquire(std::size_t n = 1) noexcept { return detail::queue_awaiter<async_semaphore, Runtime>(*this, *rt_, n); }
    // `co_await sem.acquire_until(n, tp)` -> bool: true with n units granted, false (and nothing
    // taken) if tp passes first.
    auto acquire_until(std::size_t n, steady_time deadline) {
        return detail::deadline_awaiter<async_semaphore, Runtime>(*this, *rt_, n, deadline);
    }

    void release(std::size_t n = 1) {
        available_ += n;
        grant();
    }

private:
    template <class, class>
    friend class detail::queue_awaiter;
    template <class, class>
    friend class detail::deadline_awaiter;

    bool try_now(detail::waiter_node& w) noexcept { return try_acquire(w.units); }
    void enqueue(detail::waiter_node& w) noexcept { queue_.push_back(w); }
    void dequeue(detail::waiter_node& w) {
        const bool was_front = queue_.front() == &w;
        queue_.remove(w);
        if (was_front) grant();  // the next one may fit where this one did not
    }
    void grant() {
        while (detail::waiter_node* w = queue_.front()) {
            if (w->units > available_) break;
            available_ -= w->units;
            detail::waiter_queue::wake(queue_, *w);
        }
    }

    Runtime* rt_;
    detail::waiter_queue queue_;
    std::size_t available_;
};

KCORO_NAMESPACE_END
