// kcoro's built-in single-threaded event loop (Linux epoll). It runs coroutines, posted functions,
// timers and socket readiness on the thread that calls run(), run_for() or poll(), and starts no
// thread of its own.
//
// Threading: post_from_any_thread() and stop() are safe from any thread (they wake a loop blocked
// in epoll_wait through an eventfd); everything else belongs to the loop's thread.
//
// Timers live in a binary heap of intrusive nodes (timer_heap.hpp) and bound epoll_wait's timeout
// (millisecond resolution, rounded up: a timer never fires early). Sockets are registered
// edge-triggered; their operations always try the system call first and wait only on EAGAIN, so no
// edge is lost (see tcp_stream.hpp).
//
// Also here: loop_timer, the loop's cancellable one-shot timer, and the sleep awaiters.
#pragma once

#include "../detail/prelude.hpp"
#include "steady_time.hpp"
#include "timer_heap.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

class event_loop;
class loop_timer;

namespace detail {

// One unit of ready work: a coroutine to resume (no allocation) or a posted function (one node).
struct ready_item {
    void* object;
    void (*run)(void*);
    void (*discard)(void*);  // frees what a never-run item owns when the loop is destroyed
};

inline void resume_coroutine(void* address) { std::coroutine_handle<>::from_address(address).resume(); }
inline void discard_nothing(void*) noexcept {}

template <class F>
struct posted_function {
    F fn;
    static void run(void* p) {
        std::unique_ptr<posted_function> self(static_cast<posted_function*>(p));
        self->fn();
    }
    static void discard(void* p) { delete static_cast<posted_function*>(p); }
};

template <class F>
ready_item make_function_item(F&& f) {
    using node = posted_function<std::decay_t<F>>;
    return {new node{std::forward<F>(f)}, &node::run, &node::discard};
}
inline ready_item make_coroutine_item(std::coroutine_handle<> h) noexcept {
    return {h.address(), &resume_coroutine, &discard_nothing};
}

// A pending socket operation. The loop calls step() when the socket may be ready; step() makes one
// attempt and returns true once the operation is finished (its result stored in the operation),
// false to keep waiting. step() is called with fd == -1 when the stream closes: it must then
// store a "closed" result and return true.
struct io_operation {
    bool (*step)(io_operation&, int fd) = nullptr;
    std::coroutine_handle<> waiter;
    bool registered = false;  // cleared by whoever removes it from its slot
};

// What a socket's reader and writer wait on. Heap-held by the stream, so moving the stream does
// not move what epoll points at.
struct fd_waiters {
    int fd = -1;
    io_operation* reader = nullptr;
    io_operation* writer = nullptr;
};

}  // namespace detail

class event_loop {
public:
    using clock = std::chrono::steady_clock;
    using duration = clock::duration;
    using time_point = steady_time;

    event_loop() {
        epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
        wakefd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (epfd_ < 0 || wakefd_ < 0) {
            std::fprintf(stderr, "kcoro: event_loop: epoll/eventfd failed (errno %d)\n", errno);
            std::abort();
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;  // the wake-up eventfd
        ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
        ready_.reserve(64);
        running_.reserve(64);
    }
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;
    // Posted functions that never ran are freed, not run; coroutines still suspended belong to
    // their owners.
    ~event_loop() {
        for (auto& i : ready_) i.discard(i.object);
        for (auto& i : foreign_) i.discard(i.object);
        ::close(wakefd_);
        ::close(epfd_);
    }

    time_point now() const noexcept { return clock::now(); }

    // ---- executor --------------------------------------------------------------------------

    // Resumes h later on this loop, never inline, after what is already posted. No allocation
    // once the ready queue has grown to its steady-state size.
    void post(std::coroutine_handle<> h) { ready_.push_back(detail::make_coroutine_item(h)); }

    // Runs fn() later on this loop (one heap node per call).
    template <class F>
        requires std::is_invocable_v<std::decay_t<F>&> && (!std::is_convertible_v<F, std::coroutine_handle<>>)
    void post(F&& fn) {
        ready_.push_back(detail::make_function_item(std::forward<F>(fn)));
    }

    // From any thread: resumes h / runs fn() on the loop's thread, waking it if it is blocked.
    void post_from_any_thread(std::coroutine_handle<> h) { post_foreign(detail::make_coroutine_item(h)); }
    template <class F>
        requires std::is_invocable_v<std::decay_t<F>&> && (!std::is_convertible_v<F, std::coroutine_handle<>>)
    void post_from_any_thread(F&& fn) {
        post_foreign(detail::make_function_item(std::forward<F>(fn)));
    }

    // ---- driving ---------------------------------------------------------------------------

    // Runs until stop() or until no work is left: nothing ready, no timer, no socket operation
    // waiting, nothing posted from other threads and no work_guard alive. Returns how many
    // handlers (resumed coroutines and posted functions) ran.
    std::size_t run() {
        stopped_.store(false, std::memory_order_relaxed);
        std::size_t n = 0;
        while (!stopped() && has_work()) n += run_once(nullptr);
        return n;
    }

    // Runs until stop() or until d has passed (it blocks for the whole duration even when idle:
    // the caller asked for this much time). Returns how many handlers ran.
    std::size_t run_for(duration d) { return run_until(now() + d); }
    std::size_t run_until(time_point deadline) {
        stopped_.store(false, std::memory_order_relaxed);
        std::size_t n = 0;
        while (!stopped() && now() < deadline) n += run_once(&deadline);
        return n;
    }

    // Never blocks: fires due timers, collects socket readiness and cross-thread posts, then runs
    // what was ready at that moment (work that those handlers post runs on the next call, so a
    // coroutine that keeps yielding cannot hold a frame-driven caller). Returns how many ran.
    std::size_t poll() {
        stopped_.store(false, std::memory_order_relaxed);
        take_foreign();
        fire_due_timers();
        wait_io(0);
        take_foreign();
        return run_batch();
    }

    // Makes run(), run_for() and run_until() return after the handler that is running. Safe from
    // any thread.
    void stop() noexcept {
        stopped_.store(true, std::memory_order_relaxed);
        wake();
    }
    bool stopped() const noexcept { return stopped_.load(std::memory_order_relaxed); }

    // Keeps run() running while alive, for work that another thread will post later.
    class work_guard {
    public:
        explicit work_guard(event_loop& loop) noexcept : loop_(&loop) { ++loop_->guards_; }
        work_guard(work_guard&& o) noexcept : loop_(std::exchange(o.loop_, nullptr)) {}
        work_guard& operator=(work_guard&&) = delete;
        ~work_guard() { reset(); }
        void reset() noexcept {
            if (loop_ != nullptr) {
                --loop_->guards_;
                loop_->wake();
                loop_ = nullptr;
            }
        }

    private:
        event_loop* loop_;
    };

    // ---- timer_service ---------------------------------------------------------------------

    // `co_await loop.sleep_until(tp)`: resumes on the loop once tp has passed (at once, without
    // suspending, when it already has). Destroying the suspended coroutine disarms it; to wake a
    // sleeper early use a loop_timer.
    class sleep_awaiter : detail::timer_node {
    public:
        sleep_awaiter(event_loop& loop, time_point when) noexcept : loop_(&loop), deadline_(when) {}
        sleep_awaiter(const sleep_awaiter&) = delete;
        sleep_awaiter& operator=(const sleep_awaiter&) = delete;
        ~sleep_awaiter() { loop_->timers_.erase(*this); }

        bool await_ready() const noexcept { return loop_->now() >= deadline_; }
        void await_suspend(std::coroutine_handle<> h) {
            waiter_ = h;
            fire = &on_fire;
            loop_->timers_.push(*this, deadline_);
        }
        void await_resume() const noexcept {}

    private:
        static void on_fire(detail::timer_node& n) {
            auto& self = static_cast<sleep_awaiter&>(n);
            self.loop_->post(self.waiter_);
        }
        event_loop* loop_;
        time_point deadline_;
        std::coroutine_handle<> waiter_;
    };
    sleep_awaiter sleep_until(time_point when) noexcept { return sleep_awaiter(*this, when); }
    sleep_awaiter sleep_for(duration d) noexcept { return sleep_awaiter(*this, now() + d); }

    // A cancellable one-shot timer bound to this loop.
    loop_timer make_timer() noexcept;

    // ---- for this runtime's sockets and timers ---------------------------------------------

    bool watch(detail::fd_waiters& w) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = &w;
        return ::epoll_ctl(epfd_, EPOLL_CTL_ADD, w.fd, &ev) == 0;
    }
    void unwatch(detail::fd_waiters& w) { ::epoll_ctl(epfd_, EPOLL_CTL_DEL, w.fd, nullptr); }

    // Parks op in a reader/writer slot until epoll reports readiness (or the stream closes).
    void wait_io(detail::io_operation*& slot, detail::io_operation& op, std::coroutine_handle<> h) {
        if (slot != nullptr) {
            std::fprintf(stderr, "kcoro: two concurrent reads or two concurrent writes on one stream\n");
            std::abort();
        }
        op.waiter = h;
        op.registered = true;
        slot = &op;
        ++io_waiters_;
    }
    // Removes a parked operation without resuming it (its coroutine is being destroyed or it
    // completed another way, e.g. a connect deadline).
    void cancel_io(detail::io_operation*& slot) noexcept {
        if (slot != nullptr) {
            slot->registered = false;
            slot = nullptr;
            --io_waiters_;
        }
    }
    // Completes both parked operations of a stream that is closing: each stores its "closed"
    // result and its coroutine is posted.
    void close_io(detail::fd_waiters& w) {
        for (detail::io_operation** slot : {&w.reader, &w.writer}) {
            if (detail::io_operation* op = *slot) {
                op->step(*op, -1);
                cancel_io(*slot);
                post(op->waiter);
            }
        }
    }

    void arm(detail::timer_node& n, time_point when) { timers_.push(n, when); }
    void disarm(detail::timer_node& n) noexcept { timers_.erase(n); }

private:
    void post_foreign(detail::ready_item item) {
        {
            std::lock_guard<std::mutex> lock(foreign_mutex_);
            foreign_.push_back(item);
        }
        foreign_pending_.store(true, std::memory_order_release);
        wake();
    }
    void wake() noexcept {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wakefd_, &one, sizeof one);
    }

    void take_foreign() {
        if (!foreign_pending_.exchange(false, std::memory_order_acquire)) return;
        std::lock_guard<std::mutex> lock(foreign_mutex_);
        ready_.insert(ready_.end(), foreign_.begin(), foreign_.end());
        foreign_.clear();
    }

    bool has_work() const noexcept {
        return !ready_.empty() || !timers_.empty() || io_waiters_ > 0 || guards_ > 0 ||
               foreign_pending_.load(std::memory_order_acquire);
    }

    std::size_t run_once(const time_point* deadline) {
        take_foreign();
        fire_due_timers();
        if (stopped()) return 0;
        int timeout_ms = -1;
        if (!ready_.empty()) {
            timeout_ms = 0;
        } else {
            const time_point* next = deadline;
            if (const detail::timer_node* t = timers_.top(); t != nullptr && (next == nullptr || t->when < *next))
                next = &t->when;
            if (next != nullptr) {
                const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now()).count();
                timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, 60000));
            }
        }
        wait_io(timeout_ms);
        take_foreign();
        fire_due_timers();
        return run_batch();
    }

    // Runs what is ready now; what those handlers post waits for the next batch, so I/O and
    // timers are not starved by a coroutine that keeps re-posting itself.
    std::size_t run_batch() {
        running_.swap(ready_);
        std::size_t n = 0;
        for (; n < running_.size(); ++n) running_[n].run(running_[n].object);
        running_.clear();
        return n;
    }

    void fire_due_timers() {
        const time_point t = now();
        while (detail::timer_node* top = timers_.top()) {
            if (top->when > t) break;
            timers_.pop();
            top->fire(*top);
        }
    }

    void wait_io(int timeout_ms) {
        epoll_event events[64];
        const int n = ::epoll_wait(epfd_, events, 64, timeout_ms);
        for (int i = 0; i < n; ++i) {
            auto* w = static_cast<detail::fd_waiters*>(events[i].data.ptr);
            if (w == nullptr) {
                std::uint64_t v;
                [[maybe_unused]] auto r = ::read(wakefd_, &v, sizeof v);
                continue;
            }
            const auto e = events[i].events;
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) try_complete(w->reader, w->fd);
            if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) try_complete(w->writer, w->fd);
        }
    }
    void try_complete(detail::io_operation*& slot, int fd) {
        detail::io_operation* op = slot;
        if (op != nullptr && op->step(*op, fd)) {
            cancel_io(slot);
            post(op->waiter);
        }
    }

    friend class loop_timer;

    int epfd_ = -1;
    int wakefd_ = -1;
    std::atomic<bool> stopped_{false};
    std::vector<detail::ready_item> ready_;
    std::vector<detail::ready_item> running_;
    detail::timer_heap timers_;
    int io_waiters_ = 0;
    int guards_ = 0;
    std::mutex foreign_mutex_;
    std::vector<detail::ready_item> foreign_;
    std::atomic<bool> foreign_pending_{false};
};

// A one-shot timer on an event loop: `co_await t.wait_until(tp)` resumes with true when tp
// passes, or with false when cancel() is called first. One wait at a time; the timer may be
// reused after each wait.
class loop_timer : detail::timer_node {
public:
    explicit loop_timer(event_loop& loop) noexcept : loop_(&loop) { fire = &on_fire; }
    loop_timer(loop_timer&& o) noexcept : detail::timer_node(), loop_(o.loop_) {
        // Only an idle timer may move: a pending wait refers to the old object.
        if (o.armed() || o.waiter_) std::abort();
        fire = &on_fire;
    }
    loop_timer& operator=(loop_timer&&) = delete;
    loop_timer(const loop_timer&) = delete;
    // Disarms without resuming anyone: a timer dies with the coroutine frame or object that waits
    // on it, and resuming a coroutine that is being destroyed would be worse than not resuming.
    ~loop_timer() {
        loop_->disarm(*this);
        waiter_ = {};
    }

    class awaiter {
    public:
        awaiter(loop_timer& t, steady_time when) noexcept : t_(&t), when_(when) {}
        bool await_ready() noexcept {
            if (t_->loop_->now() < when_) return false;
            expired_ = true;
            return true;
        }
        void await_suspend(std::coroutine_handle<> h) {
            if (t_->waiter_) std::abort();  // one wait at a time
            t_->waiter_ = h;
            t_->expired_ = &expired_;
            t_->loop_->arm(*t_, when_);
        }
        // True: the deadline passed. False: cancel() came first.
        bool await_resume() const noexcept { return expired_; }

    private:
        loop_timer* t_;
        steady_time when_;
        bool expired_ = false;
    };
    awaiter wait_until(steady_time when) noexcept { return awaiter(*this, when); }
    awaiter wait_for(event_loop::duration d) noexcept { return awaiter(*this, loop_->now() + d); }

    // Resumes a pending wait (later, on the loop) with false; does nothing when none is pending.
    void cancel() {
        loop_->disarm(*this);
        if (auto h = std::exchange(waiter_, {})) {
            *expired_ = false;
            loop_->post(h);
        }
    }
    bool pending() const noexcept { return static_cast<bool>(waiter_); }

private:
    static void on_fire(detail::timer_node& n) {
        auto& self = static_cast<loop_timer&>(n);
        *self.expired_ = true;
        self.loop_->post(std::exchange(self.waiter_, {}));
    }

    event_loop* loop_;
    std::coroutine_handle<> waiter_;
    bool* expired_ = nullptr;  // in the awaiter of the pending wait
};

inline loop_timer event_loop::make_timer() noexcept { return loop_timer(*this); }

KCORO_NAMESPACE_END
