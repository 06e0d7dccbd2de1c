// kcoro's built-in single-threaded event loop (Linux epoll). It runs coroutines, timers and socket
// readiness on the thread that calls run(), run_for() or poll(), and starts no thread of its own.
//
// poll() never blocks, for game and trading loops that call it once per frame or tick. Everything
// but post_from_any_thread() must be called on the loop's thread.
#pragma once

#include "../detail/prelude.hpp"
#include "task.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

class event_loop;

namespace detail {
// What a socket's reader and writer wait on. Lives as long as the socket it belongs to.
struct fd_waiters {
    std::coroutine_handle<> reader;
    std::coroutine_handle<> writer;
    bool error = false;
};
}  // namespace detail

// A one-shot timer on an event loop: `co_await t.wait_until(tp)` resumes with true when the time
// comes, or false when cancel() is called first. One wait at a time.
class loop_timer {
public:
    explicit loop_timer(event_loop& loop) noexcept : loop_(&loop) {}
    loop_timer(loop_timer&& o) noexcept;
    loop_timer& operator=(loop_timer&&) = delete;
    loop_timer(const loop_timer&) = delete;
    ~loop_timer();

    struct awaiter {
        loop_timer& t;
        std::chrono::steady_clock::time_point when;
        bool await_ready() const noexcept { return std::chrono::steady_clock::now() >= when; }
        void await_suspend(std::coroutine_handle<> h);
        bool await_resume() const noexcept { return !t.cancelled_; }
    };
    awaiter wait_until(std::chrono::steady_clock::time_point when) {
        fired_ = false;
        cancelled_ = false;
        return awaiter{*this, when};
    }
    void cancel();

private:
    friend class event_loop;
    event_loop* loop_;
    std::uint64_t armed_ = 0;  // the loop's key for the pending wait, 0 when none
    std::coroutine_handle<> waiter_;
    std::chrono::steady_clock::time_point when_{};
    bool fired_ = false;
    bool cancelled_ = false;
};

class event_loop {
public:
    using clock = std::chrono::steady_clock;

    event_loop() {
        epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
        wakefd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (epfd_ < 0 || wakefd_ < 0) {
            std::fprintf(stderr, "kcoro: event_loop: epoll/eventfd failed (errno %d)\n", errno);
            std::abort();
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;  // the wake-up fd
        ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
    }
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;
    ~event_loop() {
        ::close(wakefd_);
        ::close(epfd_);
    }

    clock::time_point now() const noexcept { return clock::now(); }

    // Runs the coroutine later on this loop (never inline). Does not allocate in steady state.
    void post(std::coroutine_handle<> h) { ready_.push_back(h); }

    // Runs fn on the loop's thread; safe from any thread (it wakes a loop blocked in run()).
    void post_from_any_thread(std::function<void()> fn) {
        {
            std::lock_guard<std::mutex> lock(foreign_mutex_);
            foreign_.push_back(std::move(fn));
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wakefd_, &one, sizeof one);
    }

    // Runs until stop() or until nothing is left to do (no ready work, timer or socket wait).
    void run() {
        stopped_ = false;
        while (!stopped_ && has_work()) run_once(std::nullopt);
    }
    // Runs until stop() or until `d` has passed.
    void run_for(clock::duration d) {
        stopped_ = false;
        const auto deadline = now() + d;
        while (!stopped_ && now() < deadline) run_once(deadline);
    }
    // Runs what is ready now (handlers, due timers, ready sockets) without blocking; returns how
    // many things ran.
    std::size_t poll() {
        std::size_t n = run_ready();
        n += run_due_timers();
        n += wait_io(std::chrono::nanoseconds(0));
        n += run_ready();
        return n;
    }
    void stop() noexcept { stopped_ = true; }

    // ---- for sockets and timers of this runtime --------------------------------------------

    bool watch(int fd, detail::fd_waiters* w) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = w;
        return ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
    }
    void unwatch(int fd) { ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }
    void add_io_waiter() noexcept { ++io_waiters_; }
    void remove_io_waiter() noexcept { --io_waiters_; }

private:
    friend class loop_timer;

    std::uint64_t arm(loop_timer* t, clock::time_point when) {
        const std::uint64_t key = ++timer_seq_;
        timers_.emplace(std::make_pair(when, key), t);
        return key;
    }
    void disarm(clock::time_point when, std::uint64_t key) { timers_.erase(std::make_pair(when, key)); }

    bool has_work() const {
        if (!ready_.empty() || !timers_.empty() || io_waiters_ > 0) return true;
        std::lock_guard<std::mutex> lock(foreign_mutex_);
        return !foreign_.empty();
    }

    void run_once(std::optional<clock::time_point> deadline) {
        run_ready();
        run_due_timers();
        if (stopped_) return;
        std::optional<std::chrono::nanoseconds> timeout;  // none: until something happens
        if (!ready_.empty()) timeout = std::chrono::nanoseconds(0);
        else {
            std::optional<clock::time_point> next = deadline;
            if (!timers_.empty()) next = next ? std::min(*next, timers_.begin()->first.first) : timers_.begin()->first.first;
            if (next) {
                timeout = std::clamp<std::chrono::nanoseconds>(*next - now(), std::chrono::nanoseconds(0), std::chrono::seconds(60));
            } else if (io_waiters_ == 0) {
                std::lock_guard<std::mutex> lock(foreign_mutex_);
                if (foreign_.empty()) return;
            }
        }
        wait_io(timeout);
        run_ready();
    }

    std::size_t run_ready() {
        std::size_t n = 0;
        // Only what was ready when we started: handlers posting more do not starve I/O.
        std::size_t count = ready_.size();
        for (std::size_t i = 0; i < count && i < ready_.size(); ++i) {
            auto h = ready_[i];
            ++n;
            h.resume();
        }
        ready_.erase(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(std::min(count, ready_.size())));
        {
            std::vector<std::function<void()>> foreign;
            {
                std::lock_guard<std::mutex> lock(foreign_mutex_);
                foreign.swap(foreign_);
            }
            for (auto& f : foreign) {
                ++n;
                f();
            }
        }
        return n;
    }

    std::size_t run_due_timers() {
        std::size_t n = 0;
        const auto t = now();
        while (!timers_.empty() && timers_.begin()->first.first <= t) {
            loop_timer* timer = timers_.begin()->second;
            timers_.erase(timers_.begin());
            timer->armed_ = 0;
            timer->fired_ = true;
            auto h = std::exchange(timer->waiter_, {});
            if (h) {
                ++n;
                post(h);
            }
        }
        return n;
    }

    // Waits for readiness until `timeout` (none: without limit). A timer due in 300 us wakes the loop
    // in about 300 us, not at the next millisecond: epoll_pwait2 takes nanoseconds (Linux 5.11);
    // where the kernel lacks it, epoll_wait and whole milliseconds, rounded up.
    std::size_t wait_io(std::optional<std::chrono::nanoseconds> timeout) {
        epoll_event events[64];
        int n = -1;
        bool waited = false;
#ifdef SYS_epoll_pwait2
        if (!no_epoll_pwait2_) {
            timespec ts{};
            if (timeout) {
                ts.tv_sec = static_cast<time_t>(timeout->count() / 1000000000);
                ts.tv_nsec = static_cast<long>(timeout->count() % 1000000000);
            }
            n = static_cast<int>(::syscall(SYS_epoll_pwait2, epfd_, events, 64, timeout ? &ts : nullptr, nullptr, 0));
            waited = n >= 0 || (errno != ENOSYS && errno != EPERM);
            if (!waited) no_epoll_pwait2_ = true;  // an old kernel, or a sandbox that forbids it
        }
#endif
        if (!waited) {
            const int ms = timeout ? static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(*timeout).count()) : -1;
            n = ::epoll_wait(epfd_, events, 64, ms);
        }
        if (n < 0) return 0;  // EINTR: the caller loops
        for (int i = 0; i < n; ++i) {
            auto* w = static_cast<detail::fd_waiters*>(events[i].data.ptr);
            if (w == nullptr) {
                std::uint64_t v;
                [[maybe_unused]] auto r = ::read(wakefd_, &v, sizeof v);
                continue;
            }
            const auto e = events[i].events;
            if (e & (EPOLLERR | EPOLLHUP)) w->error = true;
            if ((e & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) && w->reader) post(std::exchange(w->reader, {}));
            if ((e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && w->writer) post(std::exchange(w->writer, {}));
        }
        return static_cast<std::size_t>(n);
    }

    int epfd_ = -1;
    int wakefd_ = -1;
    bool no_epoll_pwait2_ = false;  // the kernel refused it once: epoll_wait from then on
    bool stopped_ = false;
    std::vector<std::coroutine_handle<>> ready_;
    std::map<std::pair<clock::time_point, std::uint64_t>, loop_timer*> timers_;
    std::uint64_t timer_seq_ = 0;
    int io_waiters_ = 0;
    mutable std::mutex foreign_mutex_;
    std::vector<std::function<void()>> foreign_;
};

inline loop_timer::loop_timer(loop_timer&& o) noexcept : loop_(o.loop_) {
    // Only an idle timer may move: a pending wait refers to the old object.
    if (o.armed_ != 0) std::abort();
}
inline loop_timer::~loop_timer() { cancel(); }

inline void loop_timer::awaiter::await_suspend(std::coroutine_handle<> h) {
    t.waiter_ = h;
    t.when_ = when;
    t.armed_ = t.loop_->arm(&t, when);
}

inline void loop_timer::cancel() {
    if (armed_ != 0) {
        loop_->disarm(when_, armed_);
        armed_ = 0;
    }
    if (auto h = std::exchange(waiter_, {})) {
        fired_ = false;
        cancelled_ = true;
        loop_->post(h);
    }
}

// ---- driving tasks ------------------------------------------------------------------------

namespace detail {
struct spawned_task {
    struct promise_type {
        spawned_task get_return_object() noexcept {
            return spawned_task{std::coroutine_handle<promise_type>::from_promise(*this)};
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
    };
    std::coroutine_handle<promise_type> handle;
};

template <class T>
spawned_task run_and_store(task<T> t, std::optional<std::conditional_t<std::is_void_v<T>, bool, T>>* out, event_loop* loop) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(t);
        out->emplace(true);
    } else {
        out->emplace(co_await std::move(t));
    }
    loop->stop();
}

inline spawned_task run_detached(task<void> t) { co_await std::move(t); }
}  // namespace detail

// Starts a task on the loop and lets it run to completion on its own; its frame frees itself.
inline void spawn(event_loop& loop, task<void> t) { loop.post(detail::run_detached(std::move(t)).handle); }

// Runs the loop until the task completes and returns its value (for main() and tests).
template <class T>
auto run_until_complete(event_loop& loop, task<T> t) {
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> out;
    loop.post(detail::run_and_store(std::move(t), &out, &loop).handle);
    while (!out) {
        loop.run();
        if (!out) {
            std::fprintf(stderr, "kcoro: run_until_complete: the loop ran out of work before the task finished\n");
            std::abort();
        }
    }
    if constexpr (!std::is_void_v<T>) return std::move(*out);
}

KCORO_NAMESPACE_END
