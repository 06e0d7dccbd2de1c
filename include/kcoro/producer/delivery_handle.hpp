// The outcome of a record enqueued now and observed later: `co_await handle` resumes with the
// record's metadata or error. Handles are cheap to keep by the thousand: their state is pooled.
#pragma once

#include "../detail/prelude.hpp"
#include "delivery.hpp"

#include <coroutine>
#include <functional>
#include <utility>

KCORO_NAMESPACE_BEGIN

class delivery_handle {
public:
    delivery_handle() noexcept = default;
    delivery_handle(detail::delivery_state* s, detail::delivery_state_pool* pool,
                    std::function<void(std::coroutine_handle<>)>* post) noexcept
        : state_(s), pool_(pool), post_(post) {}
    delivery_handle(delivery_handle&& o) noexcept
        : state_(std::exchange(o.state_, nullptr)), pool_(o.pool_), post_(o.post_) {}
    delivery_handle& operator=(delivery_handle&& o) noexcept {
        if (this != &o) {
            drop();
            state_ = std::exchange(o.state_, nullptr);
            pool_ = o.pool_;
            post_ = o.post_;
        }
        return *this;
    }
    delivery_handle(const delivery_handle&) = delete;
    delivery_handle& operator=(const delivery_handle&) = delete;
    ~delivery_handle() { drop(); }

    bool valid() const noexcept { return state_ != nullptr; }
    // True once the outcome is known: co_await then resumes at once.
    bool ready() const noexcept { return state_ != nullptr && state_->producer_done; }

    // Resumes with the outcome (once; the handle is empty afterwards). Awaiting an empty handle
    // yields errc::cancelled.
    auto operator co_await() && noexcept { return awaiter{this}; }
    auto operator co_await() & noexcept { return awaiter{this}; }

private:
    struct awaiter {
        delivery_handle* h;
        bool await_ready() const noexcept { return h->state_ == nullptr || h->state_->producer_done; }
        void await_suspend(std::coroutine_handle<> c) noexcept { h->state_->waiter = c; }
        delivery_result await_resume() {
            if (h->state_ == nullptr) return error(errc::cancelled, "empty delivery handle");
            delivery_result r = std::move(*h->state_->outcome);
            h->pool_->release(h->state_);
            h->state_ = nullptr;
            return r;
        }
    };

    void drop() noexcept {
        if (state_ == nullptr) return;
        if (state_->producer_done) pool_->release(state_);
        else {
            state_->handle_alive = false;  // the producer frees it on completion
            state_->waiter = {};
        }
        state_ = nullptr;
    }

    detail::delivery_state* state_ = nullptr;
    detail::delivery_state_pool* pool_ = nullptr;
    std::function<void(std::coroutine_handle<>)>* post_ = nullptr;
};

KCORO_NAMESPACE_END
