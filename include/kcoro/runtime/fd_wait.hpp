// Waiting for a socket that is not registered with the loop (a pending connect, a DNS query):
// a zero-timeout poll() at growing intervals (0.1 ms doubling to 10 ms) between timer waits.
// These waits are rare and short, and this keeps one coroutine and one timer with no wake-up races.
#pragma once

#include "../detail/prelude.hpp"
#include "event_loop.hpp"
#include "task.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>

KCORO_NAMESPACE_BEGIN

namespace detail {
// True once `fd` is ready for `events` (POLLIN, POLLOUT), false when `until` passes first.
inline task<bool> poll_fd_until(event_loop& loop, int fd, short events, std::chrono::steady_clock::time_point until) {
    loop_timer timer(loop);
    auto wait = std::chrono::microseconds(100);
    for (;;) {
        pollfd pfd{fd, events, 0};
        if (::poll(&pfd, 1, 0) > 0) co_return true;
        if (loop.now() >= until) co_return false;
        co_await timer.wait_until(std::min(until, loop.now() + wait));
        wait = std::min<std::chrono::microseconds>(wait * 2, std::chrono::milliseconds(10));
    }
}
}  // namespace detail

KCORO_NAMESPACE_END
