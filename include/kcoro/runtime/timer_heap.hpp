// The event loop's timers: a binary min-heap of intrusive nodes. A node lives in whatever waits
// (a sleeping awaiter, a loop_timer, a connect attempt), so arming a timer never allocates once the
// heap's vector has grown to the number of timers pending at once; each node records its heap
// position so cancelling is O(log n) with no search.
#pragma once

#include "../detail/prelude.hpp"
#include "steady_time.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

KCORO_NAMESPACE_BEGIN

namespace detail {

struct timer_node {
    static constexpr std::size_t not_armed = static_cast<std::size_t>(-1);

    steady_time when{};
    std::uint64_t seq = 0;             // equal deadlines fire in the order they were armed
    std::size_t index = not_armed;     // position in the heap
    void (*fire)(timer_node&) = nullptr;  // called by the loop once due; must not resume inline

    bool armed() const noexcept { return index != not_armed; }
};

class timer_heap {
public:
    bool empty() const noexcept { return nodes_.empty(); }
    std::size_t size() const noexcept { return nodes_.size(); }
    timer_node* top() const noexcept { return nodes_.empty() ? nullptr : nodes_.front(); }

    void push(timer_node& n, steady_time when) {
        n.when = when;
        n.seq = ++seq_;
        n.index = nodes_.size();
        nodes_.push_back(&n);
        sift_up(n.index);
    }

    void erase(timer_node& n) noexcept {
        if (!n.armed()) return;
        const std::size_t i = n.index;
        const std::size_t last = nodes_.size() - 1;
        n.index = timer_node::not_armed;
        if (i != last) {
            nodes_[i] = nodes_[last];
            nodes_[i]->index = i;
            nodes_.pop_back();
            // The moved node may belong above or below its new place.
            if (i > 0 && less(*nodes_[i], *nodes_[(i - 1) / 2])) sift_up(i);
            else sift_down(i);
        } else {
            nodes_.pop_back();
        }
    }

    timer_node* pop() noexcept {
        timer_node* n = top();
        if (n != nullptr) erase(*n);
        return n;
    }

private:
    static bool less(const timer_node& a, const timer_node& b) noexcept {
        return a.when < b.when || (a.when == b.when && a.seq < b.seq);
    }
    void place(std::size_t i, timer_node* n) noexcept {
        nodes_[i] = n;
        n->index = i;
    }
    void sift_up(std::size_t i) noexcept {
        timer_node* n = nodes_[i];
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (!less(*n, *nodes_[parent])) break;
            place(i, nodes_[parent]);
            i = parent;
        }
        place(i, n);
    }
    void sift_down(std::size_t i) noexcept {
        timer_node* n = nodes_[i];
        const std::size_t size = nodes_.size();
        for (;;) {
            std::size_t child = 2 * i + 1;
            if (child >= size) break;
            if (child + 1 < size && less(*nodes_[child + 1], *nodes_[child])) ++child;
            if (!less(*nodes_[child], *n)) break;
            place(i, nodes_[child]);
            i = child;
        }
        place(i, n);
    }

    std::vector<timer_node*> nodes_;
    std::uint64_t seq_ = 0;
};

}  // namespace detail

KCORO_NAMESPACE_END
