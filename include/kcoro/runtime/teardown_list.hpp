// What a runtime runs when it is destroyed: hooks of objects whose work it still holds.
//
// A producer destroyed while its coroutines are still suspended on the runtime cannot free them
// at once (the runtime may resume them: a posted handle, a timer, a socket), so it lets them end
// on the runtime and frees itself after the last. If the runtime is destroyed first, it never
// resumes them again: it runs the producer's hook instead, which destroys those coroutines and
// the producer's state while the runtime's own state they refer to still exists.
#pragma once

#include "../detail/prelude.hpp"

KCORO_NAMESPACE_BEGIN

class teardown_list {
public:
    // Linked into at most one list. `run` is called at most once, after the hook was unlinked.
    struct hook {
        void (*run)(hook&) noexcept = nullptr;
        hook* prev = nullptr;
        hook* next = nullptr;
        teardown_list* list = nullptr;

        bool linked() const noexcept { return list != nullptr; }
        // Leaves the list without running; for an owner that finished its work on its own.
        void unlink() noexcept {
            if (list == nullptr) return;
            if (prev) prev->next = next;
            else list->head_ = next;
            if (next) next->prev = prev;
            prev = next = nullptr;
            list = nullptr;
        }
    };

    teardown_list() = default;
    teardown_list(const teardown_list&) = delete;
    teardown_list& operator=(const teardown_list&) = delete;
    ~teardown_list() { run_all(); }

    void add(hook& h) noexcept {
        h.unlink();
        h.list = this;
        h.prev = nullptr;
        h.next = head_;
        if (head_) head_->prev = &h;
        head_ = &h;
    }

    // Runs every hook, including hooks that running others adds.
    void run_all() noexcept {
        while (head_ != nullptr) {
            hook* h = head_;
            h->unlink();
            if (h->run) h->run(*h);
        }
    }

    bool empty() const noexcept { return head_ == nullptr; }

private:
    hook* head_ = nullptr;
};

KCORO_NAMESPACE_END
