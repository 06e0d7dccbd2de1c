// Unsigned varints and zig-zag, the integer encoding Kafka's records and Avro's binary format share.
#pragma once

#include "../bytes.hpp"
#include "prelude.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>

KCORO_NAMESPACE_BEGIN
namespace detail {
// Bytes of the unsigned varint of v: one per started group of 7 bits, without a loop (most
// lengths and deltas in a record take one byte, so that case comes first).
inline std::size_t varint_size(std::uint64_t v) noexcept {
    if (v < 0x80) return 1;
    return (static_cast<std::size_t>(std::bit_width(v)) + 6) / 7;
}
inline std::uint64_t zigzag64(std::int64_t v) noexcept {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline byte* put_uvarint(byte* p, std::uint64_t v) noexcept {
    while (v >= 0x80) {
        *p++ = static_cast<byte>(v | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<byte>(v);
    return p;
}
}  // namespace detail
KCORO_NAMESPACE_END
