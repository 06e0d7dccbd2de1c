// How a record's outcome reaches its sender: the per-record slot kept in a batch, the pooled state
// behind an awaitable delivery_handle, and a small inline callback. None allocates per record in
// steady state: slots live in reused vectors, handle states in a free-listed pool.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "producer_record.hpp"

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

using delivery_result = result<record_metadata>;

namespace detail {

// A move-only callable of signature void(delivery_result&&) stored inline when it fits (captures of
// up to 32 bytes, pointer-aligned: four pointers or references), on the heap otherwise. It is kept
// per record until the record's batch completes, so it is small: 40 bytes.
class delivery_callback {
public:
    static constexpr std::size_t inline_size = 32;

    delivery_callback() noexcept = default;
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, delivery_callback> &&
                 std::is_invocable_v<std::remove_cvref_t<F>&, delivery_result &&>)
    delivery_callback(F&& f) {  // NOLINT: implicit by design
        using Fn = std::remove_cvref_t<F>;
        if constexpr (sizeof(Fn) <= inline_size && alignof(Fn) <= alignof(void*) &&
                      std::is_nothrow_move_constructible_v<Fn>) {
            ::new (static_cast<void*>(buf_)) Fn(std::forward<F>(f));
            ops_ = &inline_ops<Fn>;
        } else {
            *reinterpret_cast<Fn**>(buf_) = new Fn(std::forward<F>(f));
            ops_ = &heap_ops<Fn>;
        }
    }
    delivery_callback(delivery_callback&& o) noexcept : ops_(o.ops_) {
        if (ops_) ops_->move(o.buf_, buf_);
        o.ops_ = nullptr;
    }
    delivery_callback& operator=(delivery_callback&& o) noexcept {
        if (this != &o) {
            reset();
            ops_ = o.ops_;
            if (ops_) ops_->move(o.buf_, buf_);
            o.ops_ = nullptr;
        }
        return *this;
    }
    delivery_callback(const delivery_callback&) = delete;
    delivery_callback& operator=(const delivery_callback&) = delete;
    ~delivery_callback() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }
    void operator()(delivery_result&& r) { ops_->call(buf_, std::move(r)); }
    void reset() noexcept {
        if (ops_) ops_->destroy(buf_);
        ops_ = nullptr;
    }

private:
    struct ops {
        void (*call)(void*, delivery_result&&);
        void (*move)(void* from, void* to) noexcept;
        void (*destroy)(void*) noexcept;
    };
    template <class Fn>
    static constexpr ops inline_ops{
        [](void* p, delivery_result&& r) { (*static_cast<Fn*>(p))(std::move(r)); },
        [](void* from, void* to) noexcept {
            ::new (to) Fn(std::move(*static_cast<Fn*>(from)));
            static_cast<Fn*>(from)->~Fn();
        },
        [](void* p) noexcept { static_cast<Fn*>(p)->~Fn(); }};
    template <class Fn>
    static constexpr ops heap_ops{
        [](void* p, delivery_result&& r) { (**static_cast<Fn**>(p))(std::move(r)); },
        [](void* from, void* to) noexcept { *static_cast<Fn**>(to) = *static_cast<Fn**>(from); },
        [](void* p) noexcept { delete *static_cast<Fn**>(p); }};

    alignas(void*) unsigned char buf_[inline_size];
    const ops* ops_ = nullptr;
};

// The shared state behind a delivery_handle; pooled by the producer.
struct delivery_state {
    std::optional<delivery_result> outcome;
    std::coroutine_handle<> waiter;
    bool handle_alive = false;   // a delivery_handle still refers to this state
    bool producer_done = false;  // the producer has set the outcome
    delivery_state* next_free = nullptr;
};

// Heap-allocated and owned through delivery_state_pool_owner: handles may outlive the producer
// that made them, so the pool frees itself when both the producer and the last state are gone.
class delivery_state_pool {
public:
    delivery_state* acquire() {
        delivery_state* s = free_;
        if (s != nullptr) {
            free_ = s->next_free;
        } else {
            s = &storage_.emplace_back();
        }
        s->outcome.reset();
        s->waiter = {};
        s->handle_alive = true;
        s->producer_done = false;
        s->next_free = nullptr;
        ++in_use_;
        return s;
    }
    void release(delivery_state* s) noexcept {
        s->outcome.reset();
        s->next_free = free_;
        free_ = s;
        if (--in_use_ == 0 && orphaned_) delete this;
    }
    std::size_t allocated() const noexcept { return storage_.size(); }

    // The producer is gone: free the pool now, or when the last state in use is released.
    void orphan() noexcept {
        orphaned_ = true;
        if (in_use_ == 0) delete this;
    }

private:
    std::deque<delivery_state> storage_;  // a deque never moves its elements
    delivery_state* free_ = nullptr;
    std::size_t in_use_ = 0;
    bool orphaned_ = false;
};

struct delivery_state_pool_orphaner {
    void operator()(delivery_state_pool* p) const noexcept { p->orphan(); }
};
using delivery_state_pool_owner = std::unique_ptr<delivery_state_pool, delivery_state_pool_orphaner>;

}  // namespace detail

// What a record's sender is told, kept per record in its batch until the batch completes; its
// place in the batch's slots is the record's offset delta. It counts against buffer_memory with
// the record's bytes, so it is kept to 64 bytes.
struct delivery_slot {
    enum class kind : std::uint8_t { forget, awaiter, callback, handle };
    std::int64_t timestamp = 0;
    union {
        void* waiter_owner = nullptr;     // kind::awaiter: the suspended send's awaiter
        detail::delivery_state* state;    // kind::handle
    };
    detail::delivery_callback callback;  // kind::callback
    kind how = kind::forget;
};
static_assert(sizeof(delivery_slot) <= 64, "a delivery slot is paid for per buffered record");

KCORO_NAMESPACE_END
