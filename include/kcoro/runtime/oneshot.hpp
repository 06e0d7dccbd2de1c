// oneshot<T>: a completion cell. A producer of the value calls set() once; the consumer either
// awaits it once (`T v = co_await cell;`, resumed through the executor, never inside set()) or
// registers a callback that set() calls with the value. Single-threaded, no allocation: the cell
// lives where its owner puts it (in a request, a delivery record) and must outlive its consumer.
#pragma once

#include "../detail/prelude.hpp"
#include "executor.hpp"

#include <coroutine>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

KCORO_NAMESPACE_BEGIN

template <class T, executor Executor>
class oneshot {
public:
    using callback = void (*)(void* context, T& value);

    explicit oneshot(Executor& ex) noexcept : ex_(&ex) {}
    oneshot(const oneshot&) = delete;
    oneshot& operator=(const oneshot&) = delete;

    bool ready() const noexcept { return value_.has_value(); }

    // Stores the value and wakes the consumer; false (and nothing changes) when already set.
    template <class... Args>
    bool set(Args&&... args) {
        if (value_) return false;
        value_.emplace(std::forward<Args>(args)...);
        if (fn_ != nullptr) fn_(context_, *value_);
        else if (waiter_) ex_->post(std::exchange(waiter_, {}));
        return true;
    }

    // fn(context, value) runs inside set(), or here at once when the value is already there.
    // Instead of awaiting, not in addition.
    void on_ready(callback fn, void* context) {
        if (waiter_) misuse("on_ready() on a oneshot that is being awaited");
        fn_ = fn;
        context_ = context;
        if (value_) fn_(context_, *value_);
    }

    struct awaiter {
        oneshot* cell;
        bool await_ready() const noexcept { return cell->value_.has_value(); }
        void await_suspend(std::coroutine_handle<> h) {
            if (cell->waiter_ || cell->fn_ != nullptr) misuse("a oneshot awaited twice or also given a callback");
            cell->waiter_ = h;
        }
        // The value moves out to the awaiter: await once.
        T await_resume() { return std::move(*cell->value_); }
    };
    awaiter operator co_await() noexcept { return awaiter{this}; }

private:
    [[noreturn]] static void misuse(const char* what) noexcept {
        std::fprintf(stderr, "kcoro: oneshot: %s\n", what);
        std::abort();
    }

    Executor* ex_;
    std::optional<T> value_;
    std::coroutine_handle<> waiter_;
    callback fn_ = nullptr;
    void* context_ = nullptr;
};

KCORO_NAMESPACE_END
