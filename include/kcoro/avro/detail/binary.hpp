// Avro's binary encoding of the primitive types, through any byte sink: int and long as zig-zag
// varints, float and double as little-endian IEEE 754, bytes and string as a long length and the
// bytes, boolean as one byte.
#pragma once

#include "../../bytes.hpp"
#include "../../detail/prelude.hpp"
#include "../../detail/varint.hpp"
#include "../../byte_sink.hpp"

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>

KCORO_NAMESPACE_BEGIN
namespace avro::detail {

// Sinks that lend room to write in place (staging_sink) take varints and fixed-width numbers
// without a copy.
template <class Sink>
concept room_sink = requires(Sink& s, byte* p) {
    { s.room(std::size_t{16}) } -> std::same_as<byte*>;
    s.commit(p);
};

// An unsigned integer as little-endian bytes: one store where the machine is little-endian.
template <class U>
KCORO_ALWAYS_INLINE void store_le(byte* p, U u) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(p, &u, sizeof u);
    } else {
        for (std::size_t i = 0; i < sizeof u; ++i) p[i] = static_cast<byte>(u >> (8 * i));
    }
}

template <byte_sink Sink>
KCORO_ALWAYS_INLINE void write_long(Sink& out, std::int64_t v) {
    const std::uint64_t z = kcoro::detail::zigzag64(v);
    if constexpr (room_sink<Sink>) {
        out.commit(kcoro::detail::put_uvarint(out.room(10), z));
        return;
    }
    if (z < 0x80) {
        out.put(static_cast<byte>(z));
        return;
    }
    byte tmp[10];
    byte* e = kcoro::detail::put_uvarint(tmp, z);
    out.write(tmp, static_cast<std::size_t>(e - tmp));
}

template <byte_sink Sink>
KCORO_ALWAYS_INLINE void write_bool(Sink& out, bool v) {
    out.put(static_cast<byte>(v ? 1 : 0));
}

template <byte_sink Sink>
KCORO_ALWAYS_INLINE void write_float(Sink& out, float v) {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(v);
    if constexpr (room_sink<Sink>) {
        byte* p = out.room(4);
        store_le(p, u);
        out.commit(p + 4);
        return;
    }
    const byte b[4] = {static_cast<byte>(u), static_cast<byte>(u >> 8), static_cast<byte>(u >> 16), static_cast<byte>(u >> 24)};
    out.write(b, 4);
}

template <byte_sink Sink>
KCORO_ALWAYS_INLINE void write_double(Sink& out, double v) {
    const std::uint64_t u = std::bit_cast<std::uint64_t>(v);
    if constexpr (room_sink<Sink>) {
        byte* p = out.room(8);
        store_le(p, u);
        out.commit(p + 8);
        return;
    }
    byte b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<byte>(u >> (8 * i));
    out.write(b, 8);
}

template <byte_sink Sink>
KCORO_ALWAYS_INLINE void write_bytes(Sink& out, const void* p, std::size_t n) {
    write_long(out, static_cast<std::int64_t>(n));
    if (n != 0) out.write(p, n);
}

}  // namespace avro::detail
KCORO_NAMESPACE_END
