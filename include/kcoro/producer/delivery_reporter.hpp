// The fan-out of a batch's outcome to its records: each record's slot says how its sender hears of
// it (a suspended co_await send, a callback, a delivery_handle, or nobody: the error handler then).
// Owns the pool behind delivery handles, the error handler, the delivered and failed counts, and
// the tally close() reports (records pending at close() that failed during it).
//
// No runtime: resuming a sender goes through the `post` the engine passes in, a template argument
// so that it stays a direct call.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "delivery.hpp"
#include "producer_batch.hpp"
#include "producer_record.hpp"

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

// A sender suspended in co_await send(rec) until its record's outcome: what a slot of kind
// awaiter points at.
struct delivery_waiter {
    delivery_result delivered = error(errc::none);
    std::coroutine_handle<> handle;
};

class delivery_reporter {
public:
    using error_handler = std::function<void(const record_metadata&, const error&)>;

    void set_error_handler(error_handler h) { error_handler_ = std::move(h); }
    detail::delivery_state_pool& handle_states() noexcept { return *states_; }

    // The broker wrote the batch: record i of it is at base_offset + i (-1 each when the broker
    // said no offset, as with acks=none), with the broker's log-append time when the topic uses it.
    template <class Post>
    void complete(producer_batch& b, std::int64_t base_offset, std::int64_t log_append_time, Post&& post) {
        const std::string_view topic_name = b.topic->name;
        std::int64_t offset_delta = 0;
        for (auto& slot : b.slots) {
            record_metadata md;
            md.topic = topic_name;
            md.partition = b.partition;
            md.offset = base_offset >= 0 ? base_offset + offset_delta : -1;
            ++offset_delta;
            md.timestamp = log_append_time >= 0 ? log_append_time : slot.timestamp;
            ++delivered_;
            deliver(slot, delivery_result(md), md, post);
        }
    }

    // Tells each record's sender that it failed. The slots are cleared, so that no record of the
    // batch is reported twice; the batch itself (its bytes may still be in a write) is the
    // caller's to release.
    template <class Post>
    void fail(producer_batch& b, const error& e, Post&& post) {
        const std::string_view topic_name = b.topic->name;
        for (auto& slot : b.slots) {
            record_metadata md;
            md.topic = topic_name;
            md.partition = b.partition;
            md.timestamp = slot.timestamp;
            ++failed_;
            note_failure(e);
            deliver(slot, delivery_result(e), md, post);
        }
        b.slots.clear();
    }

    // From close() on, each failure of a record pending then is counted for close()'s result.
    void watch_failures(bool on) noexcept { watching_ = on; }
    void note_failure(const error& e) {
        if (!watching_) return;
        if (watched_failures_++ == 0) first_watched_failure_ = e;
    }
    std::size_t watched_failures() const noexcept { return watched_failures_; }
    const error& first_watched_failure() const noexcept { return first_watched_failure_; }

    std::uint64_t delivered() const noexcept { return delivered_; }
    std::uint64_t failed() const noexcept { return failed_; }

private:
    template <class Post>
    void deliver(delivery_slot& slot, delivery_result&& r, const record_metadata& md, Post& post) {
        switch (slot.how) {
            case delivery_slot::kind::forget:
                if (!r && error_handler_) error_handler_(md, r.err());
                break;
            case delivery_slot::kind::awaiter: {
                auto* waiter = static_cast<delivery_waiter*>(slot.waiter_owner);
                waiter->delivered = std::move(r);
                post(waiter->handle);
                break;
            }
            case delivery_slot::kind::callback:
                slot.callback(std::move(r));
                break;
            case delivery_slot::kind::handle:
                slot.state->outcome.emplace(std::move(r));
                slot.state->producer_done = true;
                if (slot.state->waiter) post(slot.state->waiter);
                else if (!slot.state->handle_alive) states_->release(slot.state);
                break;
        }
    }

    detail::delivery_state_pool_owner states_{new detail::delivery_state_pool};
    error_handler error_handler_;
    std::uint64_t delivered_ = 0;
    std::uint64_t failed_ = 0;
    bool watching_ = false;
    std::size_t watched_failures_ = 0;
    error first_watched_failure_;
};

KCORO_NAMESPACE_END
