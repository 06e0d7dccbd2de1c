// The sends that could not be enqueued yet: buffer_memory was full, or their topic had no metadata.
// Each is parked in the order it came, intrusively (the send's awaiter is the list node, so parking
// allocates nothing), until the engine retries it, it passes max_block, or the producer ends.
// Senders waiting for memory keep their order: a retry stops at the first one still waiting.
//
// No runtime: the engine says when to retry and when it is; each send says how it completes.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "../runtime/runtime_concepts.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

enum class park_reason : std::uint8_t { memory, metadata };

// A send's place in the list, and how the list talks back to it.
struct parked_send {
    parked_send* next = nullptr;
    parked_send* prev = nullptr;
    steady_time deadline{};
    park_reason reason = park_reason::memory;
    bool (*retry)(parked_send*) = nullptr;  // tries again: true once enqueued or failed
    void (*fail)(parked_send*, error&&) = nullptr;
    std::string_view topic;
    bool parked = false;  // issued before close(), so close() still takes it
    std::uint64_t serial = 0;  // in the order the sends were parked: flush() waits for those before it
};

class parked_sends {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    // The serial of the last send parked, and whether one parked no later than `serial` still is.
    std::uint64_t last_serial() const noexcept { return last_serial_; }
    bool any_through(std::uint64_t serial) const noexcept {
        for (const parked_send* s = head_; s != nullptr; s = s->next)
            if (s->serial <= serial) return true;
        return false;
    }
    std::size_t size() const noexcept {
        std::size_t n = 0;
        for (const parked_send* s = head_; s != nullptr; s = s->next) ++n;
        return n;
    }
    bool any_waiting_for_metadata() const noexcept {
        for (const parked_send* s = head_; s != nullptr; s = s->next)
            if (s->reason == park_reason::metadata) return true;
        return false;
    }

    // When the first parked send reaches its max_block.
    steady_time earliest_deadline() const noexcept {
        steady_time t = steady_time::max();
        for (const parked_send* s = head_; s != nullptr; s = s->next) t = std::min(t, s->deadline);
        return t;
    }

    void park(parked_send* s) noexcept {
        s->parked = true;
        s->serial = ++last_serial_;
        link_back(s);
    }

    // Retries parked sends in order; stops at the first still waiting for memory, so that earlier
    // senders go first. A retry that lands here again (a send completing frees memory) is a no-op.
    void retry() {
        if (retrying_) return;
        retrying_ = true;
        parked_send* s = head_;
        while (s != nullptr) {
            parked_send* next = s->next;
            unlink(s);
            if (!s->retry(s)) {
                // Still blocked: back in its place.
                if (next != nullptr) link_before(s, next);
                else link_back(s);
                if (s->reason == park_reason::memory) break;
            }
            s = next;
        }
        retrying_ = false;
    }

    // Fails each send whose max_block passed, with why(send).
    template <class Why>
    void expire(steady_time now, Why&& why) {
        for (parked_send* s = head_; s != nullptr;) {
            parked_send* next = s->next;
            if (now >= s->deadline) {
                unlink(s);
                s->fail(s, why(*s));
            }
            s = next;
        }
    }
    // Fails the sends waiting for the topic's metadata, with `why`.
    void fail_topic(std::string_view topic, const error& why) {
        for (parked_send* s = head_; s != nullptr;) {
            parked_send* next = s->next;
            if (s->reason == park_reason::metadata && s->topic == topic) {
                unlink(s);
                s->fail(s, error(why));
            }
            s = next;
        }
    }
    // Fails every send, with why(send).
    template <class Why>
    void fail_all(Why&& why) {
        while (head_ != nullptr) {
            parked_send* s = head_;
            unlink(s);
            s->fail(s, why(*s));
        }
    }

private:
    void link_back(parked_send* s) noexcept {
        s->prev = tail_;
        s->next = nullptr;
        if (tail_) tail_->next = s;
        else head_ = s;
        tail_ = s;
    }
    void link_before(parked_send* s, parked_send* next) noexcept {
        s->next = next;
        s->prev = next->prev;
        if (next->prev) next->prev->next = s;
        else head_ = s;
        next->prev = s;
    }
    void unlink(parked_send* s) noexcept {
        if (s->prev) s->prev->next = s->next;
        else head_ = s->next;
        if (s->next) s->next->prev = s->prev;
        else tail_ = s->prev;
        s->next = s->prev = nullptr;
    }

    parked_send* head_ = nullptr;
    parked_send* tail_ = nullptr;
    bool retrying_ = false;
    std::uint64_t last_serial_ = 0;
};

KCORO_NAMESPACE_END
