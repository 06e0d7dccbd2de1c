// The machinery under async_event and async_semaphore: an intrusive FIFO of waiter nodes that
// live in the waiting coroutines' awaiters (no allocation per wait), and awaiters that wait either
// for a wake-up or, with a deadline, for whichever of wake-up and deadline comes first.
//
// A wake-up unlinks the node and marks it before resuming its coroutine through the executor, so
// what it was given (the event, semaphore units) is never lost to a deadline that fires in the
// same turn: the awaiter reports success whenever the mark is set.
#pragma once

#include "../detail/prelude.hpp"
#include "steady_time.hpp"

#include <coroutine>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

KCORO_NAMESPACE_BEGIN

namespace detail {

struct waiter_node {
    waiter_node* prev = nullptr;
    waiter_node* next = nullptr;
    bool linked = false;
    bool woken = false;
    std::size_t units = 0;  // what a semaphore waiter asks for
    void (*wake)(waiter_node&) = nullptr;
};

class waiter_queue {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    std::size_t size() const noexcept { return size_; }
    waiter_node* front() const noexcept { return head_; }

    void push_back(waiter_node& n) noexcept {
        n.prev = tail_;
        n.next = nullptr;
        if (tail_ != nullptr) tail_->next = &n;
        else head_ = &n;
        tail_ = &n;
        n.linked = true;
        ++size_;
    }
    void remove(waiter_node& n) noexcept {
        if (!n.linked) return;
        if (n.prev != nullptr) n.prev->next = n.next;
        else head_ = n.next;
        if (n.next != nullptr) n.next->prev = n.prev;
        else tail_ = n.prev;
        n.prev = n.next = nullptr;
        n.linked = false;
        --size_;
    }
    // Unlinks n, marks it woken and resumes its coroutine (through the executor).
    static void wake(waiter_queue& q, waiter_node& n) {
        q.remove(n);
        n.woken = true;
        n.wake(n);
    }

private:
    waiter_node* head_ = nullptr;
    waiter_node* tail_ = nullptr;
    std::size_t size_ = 0;
};

// Builds a T in place from a function's result (guaranteed copy elision), for awaiters that can
// be neither copied nor moved.
template <class F>
struct construct_with {
    F f;
    operator std::invoke_result_t<F&>() { return f(); }  // NOLINT: implicit by design
};
template <class F>
construct_with(F) -> construct_with<F>;

// Waits without a deadline: `Owner::try_now(node)` decides whether to wait at all (and may take
// what it needs), `Owner::enqueue(node)` queues the node. Resumes through the executor.
template <class Owner, class Executor>
class queue_awaiter : waiter_node {
public:
    queue_awaiter(Owner& owner, Executor& ex, std::size_t units) noexcept : owner_(&owner), ex_(&ex) {
        this->units = units;
        wake = &on_wake;
    }
    queue_awaiter(const queue_awaiter&) = delete;
    queue_awaiter& operator=(const queue_awaiter&) = delete;
    // A coroutine destroyed while waiting leaves the queue.
    ~queue_awaiter() {
        if (linked) owner_->dequeue(*this);
    }

    bool await_ready() { return owner_->try_now(*this); }
    void await_suspend(std::coroutine_handle<> h) {
        handle_ = h;
        owner_->enqueue(*this);
    }
    void await_resume() const noexcept {}

private:
    static void on_wake(waiter_node& n) {
        auto& self = static_cast<queue_awaiter&>(n);
        self.ex_->post(self.handle_);
    }
    Owner* owner_;
    Executor* ex_;
    std::coroutine_handle<> handle_;
};

// Waits until woken or until a deadline on a cancellable timer from `Runtime::make_timer()`,
// whichever comes first; yields true when woken. A wake-up cancels the timer, which resumes the
// coroutine through the runtime; a deadline resumes it with the node still queued, and it leaves.
template <class Owner, class Runtime>
class deadline_awaiter : waiter_node {
    using timer_type = decltype(std::declval<Runtime&>().make_timer());
    using timer_awaiter = decltype(std::declval<timer_type&>().wait_until(steady_time{}));

public:
    deadline_awaiter(Owner& owner, Runtime& rt, std::size_t units, steady_time deadline)
        : owner_(&owner), rt_(&rt), deadline_(deadline), timer_(rt.make_timer()) {
        this->units = units;
        wake = &on_wake;
    }
    deadline_awaiter(const deadline_awaiter&) = delete;
    deadline_awaiter& operator=(const deadline_awaiter&) = delete;
    ~deadline_awaiter() {
        if (linked) owner_->dequeue(*this);
    }

    bool await_ready() {
        if (owner_->try_now(*this)) {
            woken = true;
            return true;
        }
        return rt_->now() >= deadline_;  // already late: report the timeout without waiting
    }
    bool await_suspend(std::coroutine_handle<> h) {
        owner_->enqueue(*this);
        inner_.emplace(construct_with{[this] { return timer_.wait_until(deadline_); }});
        if (inner_->await_ready()) {
            if (linked) owner_->dequeue(*this);
            return false;
        }
        using suspend_result = decltype(inner_->await_suspend(h));
        if constexpr (std::is_void_v<suspend_result>) {
            inner_->await_suspend(h);
            return true;
        } else if constexpr (std::is_same_v<suspend_result, bool>) {
            if (inner_->await_suspend(h)) return true;
            if (linked) owner_->dequeue(*this);
            return false;
        } else {
            static_assert(std::is_void_v<suspend_result> || std::is_same_v<suspend_result, bool>,
                          "the runtime's timer awaiter must return void or bool from await_suspend");
            return true;
        }
    }
    // True: woken (the event was set / the units were granted). False: the deadline passed.
    bool await_resume() {
        if (inner_) (void)inner_->await_resume();
        if (linked) owner_->dequeue(*this);
        return woken;
    }

private:
    static void on_wake(waiter_node& n) { static_cast<deadline_awaiter&>(n).timer_.cancel(); }

    Owner* owner_;
    Runtime* rt_;
    steady_time deadline_;
    timer_type timer_;
    std::optional<timer_awaiter> inner_;
};

}  // namespace detail

KCORO_NAMESPACE_END
