// A byte sink in front of another: an encoder's many small writes (a varint, eight bytes of a
// double) go into a buffer on the stack, and the sink behind it gets them in few large writes.
// Most sinks do bookkeeping per call (a bounds check, a length update); this pays it per 512
// bytes instead of per field.
#pragma once

#include "../../bytes.hpp"
#include "../../detail/prelude.hpp"
#include "../../byte_sink.hpp"

#include <cstddef>
#include <cstring>

KCORO_NAMESPACE_BEGIN
namespace avro::detail {

template <byte_sink Sink>
class staging_sink {
public:
    explicit staging_sink(Sink& out) noexcept : out_(out) {}
    staging_sink(const staging_sink&) = delete;
    staging_sink& operator=(const staging_sink&) = delete;

    KCORO_ALWAYS_INLINE void put(byte b) {
        if (n_ == capacity) flush();
        buf_[n_++] = b;
    }
    KCORO_ALWAYS_INLINE void write(const void* p, std::size_t len) {
        if (len <= capacity - n_) {
            copy(buf_ + n_, static_cast<const byte*>(p), len);
            n_ += len;
            return;
        }
        flush();
        if (len >= capacity) {
            out_.write(p, len);
        } else {
            std::memcpy(buf_, p, len);
            n_ = len;
        }
    }
    // Room for up to `max` (at most 16) bytes written in place, then commit(end).
    KCORO_ALWAYS_INLINE byte* room(std::size_t max) {
        if (capacity - n_ < max) flush();
        return buf_ + n_;
    }
    KCORO_ALWAYS_INLINE void commit(byte* end) noexcept { n_ = static_cast<std::size_t>(end - buf_); }

    void flush() {
        if (n_ != 0) out_.write(buf_, n_);
        n_ = 0;
    }

private:
    // Short copies (most strings in a record) without a call: two overlapping fixed-size moves.
    static KCORO_ALWAYS_INLINE void copy(byte* d, const byte* s, std::size_t n) noexcept {
        if (n >= 8 && n <= 16) {
            std::memcpy(d, s, 8);
            std::memcpy(d + n - 8, s + n - 8, 8);
        } else if (n >= 4 && n < 8) {
            std::memcpy(d, s, 4);
            std::memcpy(d + n - 4, s + n - 4, 4);
        } else if (n < 4) {
            for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
        } else {
            std::memcpy(d, s, n);
        }
    }

    static constexpr std::size_t capacity = 512;
    Sink& out_;
    std::size_t n_ = 0;
    byte buf_[capacity];
};

template <class S>
inline constexpr bool is_staging_sink = false;
template <class S>
inline constexpr bool is_staging_sink<staging_sink<S>> = true;

}  // namespace avro::detail
KCORO_NAMESPACE_END
