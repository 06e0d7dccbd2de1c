// kcoro's built-in single-threaded event loop (Linux epoll). It runs coroutines, timers and socket
// readiness on the thread that calls run(), run_for() or poll(), and starts no thread of its own.
//
// poll() never blocks, for game and trading loops that call it once per frame or tick. Everything
// but post_from_any_thread() must be called on the loop's thread.
#pragma once

#include "../detail/prelude.hpp"
#include "detached_task.hpp"
#include "task.hpp"
#include "teardown_list.hpp"

#include <poll.h>
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
#include <system_error>
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
// comes, or false when cancel() is called first (or the timer is destroyed). One wait at a time;
// a timer may move while a wait is pending.
class loop_timer {
public:
    explicit loop_timer(event_loop& loop) noexcept : loop_(&loop) {}
    loop_timer(loop_timer&& o) noexcept;
    loop_timer& operator=(loop_timer&&) = delete;
    loop_timer(const loop_timer&) = delete;
    ~loop_timer();

    class awaiter {
    public:
        awaiter(loop_timer& t, std::chrono::steady_clock::time_point when) noexcept : t_(&t), when_(when) {}
        awaiter(const awaiter&) = delete;
        awaiter& operator=(const awaiter&) = delete;
        // Destroyed while waiting (its coroutine's frame destroyed as the loop is destroyed): the
        // wait is dropped without resuming anything.
        ~awaiter() {
            if (t_ != nullptr && t_->pending_ == this) t_->drop_wait();
        }
        bool await_ready() const noexcept { return std::chrono::steady_clock::now() >= when_; }
        void await_suspend(std::coroutine_handle<> h);
        bool await_resume() const noexcept { return !cancelled_; }

    private:
        friend class loop_timer;
        friend class event_loop;
        loop_timer* t_;  // null once the timer let go of this wait (fired, cancelled, destroyed)
        std::chrono::steady_clock::time_point when_;
        bool cancelled_ = false;
    };
    awaiter wait_until(std::chrono::steady_clock::time_point when) noexcept { return awaiter(*this, when); }
    void cancel();

private:
    friend class event_loop;
    void drop_wait() noexcept;
    event_loop* loop_;
    std::uint64_t armed_ = 0;  // the loop's key for the pending wait, 0 when none
    std::coroutine_handle<> waiter_;
    awaiter* pending_ = nullptr;  // the wait in progress, told how it ended
    std::chrono::steady_clock::time_point when_{};
};

class event_loop {
public:
    using clock = std::chrono::steady_clock;

    // Never fails: a process out of file descriptors gets a loop that runs posted work and timers
    // but no sockets (connects fail with the reason, see setup_error()).
    event_loop() {
        epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epfd_ < 0) setup_error_ = std::error_code(errno, std::generic_category());
        wakefd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wakefd_ < 0 && !setup_error_) setup_error_ = std::error_code(errno, std::generic_category());
        if (epfd_ >= 0 && wakefd_ >= 0) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.ptr = nullptr;  // the wake-up fd
            if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev) != 0) setup_error_ = std::error_code(errno, std::generic_category());
        }
    }
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;
    // Destroys what is still suspended on the loop, without resuming it: tasks started with
    // spawn() that have not ended, then (teardown hooks) the coroutines of objects that outlived
    // their owner, such as a producer destroyed while running.
    ~event_loop() {
        spawned_.destroy_suspended();
        teardown_.run_all();
        if (wakefd_ >= 0) ::close(wakefd_);
        if (epfd_ >= 0) ::close(epfd_);
    }

    // Why the loop cannot watch sockets (epoll or eventfd could not be created), or no error.
    const std::error_code& setup_error() const noexcept { return setup_error_; }

    // Registers a hook to run when the loop is destroyed (see teardown_list.hpp).
    void at_teardown(teardown_list::hook& h) noexcept { teardown_.add(h); }

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
        if (wakefd_ >= 0) [[maybe_unused]] auto n = ::write(wakefd_, &one, sizeof one);
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

    // For spawn(): the coroutines the loop owns until they end.
    detail::detached_scope& spawned() noexcept { return spawned_; }

    // Blocks until work is posted from another thread (or a timer or socket is due), then runs it.
    void wait_for_foreign_work() {
        if (!has_work()) wait_io(std::nullopt);
        run_ready();
    }

    // ---- for sockets and timers of this runtime --------------------------------------------

    bool watch(int fd, detail::fd_waiters* w) {
        if (epfd_ < 0) return false;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = w;
        return ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
    }
    void unwatch(int fd) {
        if (epfd_ >= 0) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    }
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
            if (auto* a = std::exchange(timer->pending_, nullptr)) a->t_ = nullptr;
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
        if (epfd_ < 0 || wakefd_ < 0) return sleep_without_epoll(timeout);
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

    // Without epoll there is no socket to watch and no wake-up fd: sleep until the next timer, in
    // slices short enough that work posted from another thread is picked up soon.
    std::size_t sleep_without_epoll(std::optional<std::chrono::nanoseconds> timeout) {
        const auto slice = std::chrono::nanoseconds(std::chrono::milliseconds(10));
        const auto d = timeout ? std::min(*timeout, slice) : slice;
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(d.count() / 1000000000);
        ts.tv_nsec = static_cast<long>(d.count() % 1000000000);
        ::ppoll(nullptr, 0, &ts, nullptr);
        return 0;
    }

    int epfd_ = -1;
    int wakefd_ = -1;
    std::error_code setup_error_;
    bool no_epoll_pwait2_ = false;  // the kernel refused it once: epoll_wait from then on
    bool stopped_ = false;
    std::vector<std::coroutine_handle<>> ready_;
    std::map<std::pair<clock::time_point, std::uint64_t>, loop_timer*> timers_;
    std::uint64_t timer_seq_ = 0;
    int io_waiters_ = 0;
    mutable std::mutex foreign_mutex_;
    std::vector<std::function<void()>> foreign_;
    teardown_list teardown_;
    detail::detached_scope spawned_;
};

inline loop_timer::loop_timer(loop_timer&& o) noexcept
    : loop_(o.loop_), armed_(std::exchange(o.armed_, 0)), waiter_(std::exchange(o.waiter_, {})),
      pending_(std::exchange(o.pending_, nullptr)), when_(o.when_) {
    // A pending wait moves with the timer: the loop's entry and the awaiter point here from now on.
    if (armed_ != 0) loop_->timers_[std::make_pair(when_, armed_)] = this;
    if (pending_ != nullptr) pending_->t_ = this;
}
inline loop_timer::~loop_timer() { cancel(); }

inline void loop_timer::awaiter::await_suspend(std::coroutine_handle<> h) {
    t_->waiter_ = h;
    t_->pending_ = this;
    t_->when_ = when_;
    t_->armed_ = t_->loop_->arm(t_, when_);
}

inline void loop_timer::drop_wait() noexcept {
    if (armed_ != 0) {
        loop_->disarm(when_, armed_);
        armed_ = 0;
    }
    pending_ = nullptr;
    waiter_ = {};
}

inline void loop_timer::cancel() {
    if (armed_ != 0) {
        loop_->disarm(when_, armed_);
        armed_ = 0;
    }
    if (auto* a = std::exchange(pending_, nullptr)) {
        a->cancelled_ = true;
        a->t_ = nullptr;
    }
    if (auto h = std::exchange(waiter_, {})) loop_->post(h);
}

// ---- driving tasks ------------------------------------------------------------------------

namespace detail {
template <class T>
detached_task run_and_store(task<T> t, std::optional<std::conditional_t<std::is_void_v<T>, bool, T>>* out, event_loop* loop) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(t);
        out->emplace(true);
    } else {
        out->emplace(co_await std::move(t));
    }
    loop->stop();
}

inline detached_task run_detached(task<void> t) { co_await std::move(t); }
}  // namespace detail

// Starts a task on the loop and lets it run to completion on its own; its frame frees itself. One
// that has not ended when the loop is destroyed is destroyed with it.
inline void spawn(event_loop& loop, task<void> t) {
    detail::start_detached(loop, loop.spawned(), detail::run_detached(std::move(t)));
}

// Runs the loop until the task completes and returns its value (for main() and tests). A task that
// waits for nothing the loop itself could deliver (no timer, socket or posted work is left) can
// only be resumed from another thread (post_from_any_thread): the loop then blocks until one is
// posted, instead of giving up on it.
template <class T>
auto run_until_complete(event_loop& loop, task<T> t) {
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> out;
    loop.post(detail::run_and_store(std::move(t), &out, &loop).handle);
    while (!out) {
        loop.run();
        if (!out) loop.wait_for_foreign_work();
    }
    if constexpr (!std::is_void_v<T>) return std::move(*out);
}

KCORO_NAMESPACE_END
