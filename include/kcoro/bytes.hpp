// Byte views and an owned, growable byte buffer that does not zero what it grows into.
#pragma once

#include "detail/prelude.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

using byte = std::uint8_t;
using bytes_view = std::span<const byte>;
using mutable_bytes = std::span<byte>;

inline bytes_view as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const byte*>(s.data()), s.size()};
}
inline std::string_view as_string_view(bytes_view b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// A contiguous byte buffer. Unlike std::vector<uint8_t> it can grow without value-initialising
// (writers fill what they reserve), and clear() keeps the allocation for reuse on the hot path.
// Allocation failure aborts: the core has no exceptions to throw.
class byte_buffer {
public:
    byte_buffer() noexcept = default;
    explicit byte_buffer(std::size_t capacity) { reserve(capacity); }
    byte_buffer(bytes_view b) { append(b); }  // NOLINT: implicit by design
    byte_buffer(const byte_buffer& o) { append(o.view()); }
    byte_buffer(byte_buffer&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
    byte_buffer& operator=(const byte_buffer& o) {
        if (this != &o) {
            size_ = 0;
            append(o.view());
        }
        return *this;
    }
    byte_buffer& operator=(byte_buffer&& o) noexcept {
        if (this != &o) {
            std::free(data_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
            cap_ = std::exchange(o.cap_, 0);
        }
        return *this;
    }
    ~byte_buffer() { std::free(data_); }

    byte* data() noexcept { return data_; }
    const byte* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return cap_; }
    bool empty() const noexcept { return size_ == 0; }
    byte& operator[](std::size_t i) noexcept { return data_[i]; }
    const byte& operator[](std::size_t i) const noexcept { return data_[i]; }
    byte* begin() noexcept { return data_; }
    byte* end() noexcept { return data_ + size_; }
    const byte* begin() const noexcept { return data_; }
    const byte* end() const noexcept { return data_ + size_; }

    bytes_view view() const noexcept { return {data_, size_}; }
    operator bytes_view() const noexcept { return view(); }  // NOLINT

    void clear() noexcept { size_ = 0; }
    void reserve(std::size_t n) {
        if (n > cap_) reallocate(n);
    }
    // Grows by n bytes and returns where they start; the caller writes them.
    byte* extend(std::size_t n) {
        if (size_ + n > cap_) reallocate(grow_to(size_ + n));
        byte* p = data_ + size_;
        size_ += n;
        return p;
    }
    void resize(std::size_t n) {
        if (n > cap_) reallocate(grow_to(n));
        size_ = n;
    }
    void append(const void* p, std::size_t n) {
        if (n == 0) return;
        std::memcpy(extend(n), p, n);
    }
    void append(bytes_view b) { append(b.data(), b.size()); }
    void append(std::string_view s) { append(s.data(), s.size()); }
    void push_back(byte b) { *extend(1) = b; }
    // Gives the memory back (clear() keeps it).
    void release() noexcept {
        std::free(data_);
        data_ = nullptr;
        size_ = cap_ = 0;
    }

    friend bool operator==(const byte_buffer& a, const byte_buffer& b) noexcept {
        return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
    }

private:
    std::size_t grow_to(std::size_t need) const noexcept {
        std::size_t c = cap_ < 64 ? 64 : cap_ + cap_ / 2;
        return c < need ? need : c;
    }
    void reallocate(std::size_t n) {
        void* p = std::realloc(data_, n);
        if (p == nullptr) std::abort();
        data_ = static_cast<byte*>(p);
        cap_ = n;
    }

    byte* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t cap_ = 0;
};

KCORO_NAMESPACE_END
