// Starting coroutines: spawn() runs a task<void> detached on an executor (its frame frees itself
// when it ends), run_until_complete() drives an event loop until one task finishes (for main()
// and tests).
#pragma once

#include "../detail/prelude.hpp"
#include "event_loop.hpp"
#include "executor.hpp"
#include "task.hpp"

#include <coroutine>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

KCORO_NAMESPACE_BEGIN

namespace detail {

// A coroutine that starts when its handle is posted and destroys its own frame at the end.
struct self_destroying_coroutine {
    struct promise_type {
        self_destroying_coroutine get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
    std::coroutine_handle<promise_type> handle;
};

inline self_destroying_coroutine run_detached(task<void> t) { co_await std::move(t); }

template <class T>
using stored_result_t = std::conditional_t<std::is_void_v<T>, bool, T>;

template <class T>
self_destroying_coroutine run_and_store(task<T> t, std::optional<stored_result_t<T>>* out, event_loop* loop) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(t);
        out->emplace(true);
    } else {
        out->emplace(co_await std::move(t));
    }
    loop->stop();
}

}  // namespace detail

// Runs t on ex, starting on ex's next turn; t's frame (and the wrapper's) are freed when it ends.
// The task must end by itself: nothing can await or cancel it any more.
template <executor E>
void spawn(E& ex, task<void> t) {
    ex.post(detail::run_detached(std::move(t)).handle);
}

// Runs the loop until t completes and returns its value. Aborts if the loop runs out of work
// first (the task waits for something nobody will ever do). Other coroutines on the loop run too;
// stop() from one of them is ignored until t completes.
template <class T>
auto run_until_complete(event_loop& loop, task<T> t) {
    std::optional<detail::stored_result_t<T>> out;
    loop.post(detail::run_and_store(std::move(t), &out, &loop).handle);
    while (!out) {
        loop.run();
        if (!out && !loop.stopped()) {
            std::fprintf(stderr, "kcoro: run_until_complete: the loop ran out of work before the task finished\n");
            std::abort();
        }
    }
    if constexpr (!std::is_void_v<T>) return std::move(*out);
}

KCORO_NAMESPACE_END
