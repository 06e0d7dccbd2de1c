// The entry a map lookup found last, remembered so that the next lookup of the same key skips the
// hash: a producer sends mostly to one topic at a time. It is forgotten when its owner is copied or
// moved, since it points into the owner's map.
#pragma once

#include "prelude.hpp"

KCORO_NAMESPACE_BEGIN
namespace detail {

template <class Entry>
class last_lookup {
public:
    last_lookup() noexcept = default;
    last_lookup(const last_lookup&) noexcept {}
    last_lookup& operator=(const last_lookup&) noexcept {
        entry_ = nullptr;
        return *this;
    }
    ~last_lookup() = default;

    // The remembered entry when its key equals `key`, else nullptr.
    template <class Key>
    Entry* find(const Key& key) const noexcept {
        return entry_ != nullptr && entry_->first == key ? entry_ : nullptr;
    }
    void remember(Entry* e) noexcept { entry_ = e; }
    void forget() noexcept { entry_ = nullptr; }

private:
    Entry* entry_ = nullptr;
};

}  // namespace detail
KCORO_NAMESPACE_END
