// The executor concept: where coroutines run. kcoro's engine touches its state only on one
// executor and resumes its coroutines only through post(), so any single-threaded scheduler
// (kcoro's event_loop, an Asio strand, a game loop, a simulated network) can host it.
#pragma once

#include "../detail/prelude.hpp"

#include <coroutine>

KCORO_NAMESPACE_BEGIN

// E::post(h) resumes the coroutine h later, on the executor's thread, never inline inside post()
// (so a caller may post and then keep touching its own state). It must not allocate in steady
// state: the engine posts once per completed I/O and per woken waiter.
template <class E>
concept executor = requires(E& ex, std::coroutine_handle<> h) { ex.post(h); };

KCORO_NAMESPACE_END
