// The timer_service concept: the clock and the timers a runtime supplies. Everything in kcoro that
// measures time takes it from here, never from std::chrono::steady_clock directly, so a simulated
// runtime with virtual time can drive the engine deterministically.
#pragma once

#include "../detail/prelude.hpp"
#include "awaitable.hpp"
#include "steady_time.hpp"

#include <chrono>
#include <concepts>

KCORO_NAMESPACE_BEGIN

// A cancellable one-shot timer: `co_await t.wait_until(tp)` yields true when tp passes, false when
// t.cancel() is called first (the waiter is resumed through the executor, never inside cancel()).
// One wait at a time per timer.
template <class T>
concept cancellable_timer = requires(T& t, steady_time tp) {
    { t.wait_until(tp) } -> awaitable_of<bool>;
    t.cancel();
};

// S::now() on a steady clock; `co_await s.sleep_until(tp)` / `s.sleep_for(d)` suspend until then;
// s.make_timer() gives a cancellable_timer for waits that something else may cut short.
template <class S>
concept timer_service = requires(S& s, steady_time tp, std::chrono::steady_clock::duration d) {
    { s.now() } -> std::same_as<steady_time>;
    { s.sleep_until(tp) } -> awaitable;
    { s.sleep_for(d) } -> awaitable;
    { s.make_timer() } -> cancellable_timer;
};

KCORO_NAMESPACE_END
