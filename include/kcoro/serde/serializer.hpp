// Serializers: compile-time policies that write a key or value through a byte sink, straight into
// the record batch. A type plugs in by specializing kcoro::default_serializer<T>, or by passing a
// serializer object to the producer:
//
//   struct order { std::int64_t id; std::string item; };
//   template <> struct kcoro::default_serializer<order> {
//       template <kcoro::byte_sink S> void serialize(const order& o, S& out) const {
//           kcoro::int64_serializer{}.serialize(o.id, out);
//           out.write(o.item.data(), o.item.size());
//       }
//       // Optional: lets the batch builder size the record before writing it.
//       std::size_t serialized_size(const order& o) const noexcept { return 8 + o.item.size(); }
//   };
//   kcoro::producer<std::string, order> needs nothing more.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "byte_sink.hpp"

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

KCORO_NAMESPACE_BEGIN

// S serializes T when it can write a T through any byte sink. Checked against the archetype, so a
// serializer that relies on more than write()/put() is rejected here rather than deep inside the
// batch builder.
template <class S, class T>
concept serializer_for = requires(const S& s, const T& v, detail::byte_sink_archetype& sink) { s.serialize(v, sink); };

// A serializer that also knows, cheaply and before writing, how many bytes it will write.
template <class S, class T>
concept sized_serializer_for = serializer_for<S, T> && requires(const S& s, const T& v) {
    { s.serialized_size(v) } -> std::convertible_to<std::size_t>;
};

// Bytes as they are, like Java's ByteArraySerializer.
struct bytes_serializer {
    template <byte_sink Sink>
    void serialize(bytes_view b, Sink& out) const {
        out.write(b.data(), b.size());
    }
    template <byte_sink Sink>
    void serialize(std::span<const std::byte> b, Sink& out) const {
        out.write(b.data(), b.size());
    }
    std::size_t serialized_size(bytes_view b) const noexcept { return b.size(); }
    std::size_t serialized_size(std::span<const std::byte> b) const noexcept { return b.size(); }
};

// Strings as their bytes (UTF-8 as given), like Java's StringSerializer.
struct string_serializer {
    template <byte_sink Sink>
    void serialize(std::string_view s, Sink& out) const {
        out.write(s.data(), s.size());
    }
    std::size_t serialized_size(std::string_view s) const noexcept { return s.size(); }
};

namespace detail {
template <class U, byte_sink Sink>
void write_big_endian(U v, Sink& out) {
    static_assert(std::is_unsigned_v<U>);
    unsigned char b[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i) b[i] = static_cast<unsigned char>(v >> (8 * (sizeof(U) - 1 - i)));
    out.write(b, sizeof(U));
}
}  // namespace detail

// Integers and floating point in the big-endian layout of Java's Short/Integer/Long/Float/Double
// serializers, so Java consumers read them back with the matching deserializer. Only T itself is
// accepted: an int64 handed to an int32 serializer would otherwise be truncated without a word.
template <class T>
struct big_endian_serializer {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
    static_assert(!std::is_floating_point_v<T> || sizeof(T) == 4 || sizeof(T) == 8);
    template <std::same_as<T> V, byte_sink Sink>
    void serialize(V v, Sink& out) const {
        if constexpr (std::is_floating_point_v<T>) {
            using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
            detail::write_big_endian(std::bit_cast<U>(v), out);
        } else {
            detail::write_big_endian(static_cast<std::make_unsigned_t<T>>(v), out);
        }
    }
    template <std::same_as<T> V>
    std::size_t serialized_size(V) const noexcept {
        return sizeof(T);
    }
};
using int16_serializer = big_endian_serializer<std::int16_t>;
using int32_serializer = big_endian_serializer<std::int32_t>;
using int64_serializer = big_endian_serializer<std::int64_t>;
using float_serializer = big_endian_serializer<float>;
using double_serializer = big_endian_serializer<double>;

// Java's VoidSerializer: the field is always null (a record without a key, or a tombstone).
// It writes nothing; `writes_null` tells the producer to encode a null, not an empty field.
struct null_serializer {
    static constexpr bool writes_null = true;
    template <class T, byte_sink Sink>
    void serialize(const T&, Sink&) const noexcept {}
    template <class T>
    std::size_t serialized_size(const T&) const noexcept {
        return 0;
    }
};

// True for serializers whose field is always null, whatever the value.
template <class S>
inline constexpr bool writes_null_v = requires { requires S::writes_null; };

// The serializer a producer<Key, Value> uses unless told otherwise. Specialize for your types.
// The primary template has no serialize(): a type without a specialization fails
// kcoro::serializer_for, with one short message from require_serializer.
template <class T>
struct default_serializer {};

template <>
struct default_serializer<std::string_view> : string_serializer {};
template <>
struct default_serializer<std::string> : string_serializer {};
template <>
struct default_serializer<const char*> : string_serializer {};
template <>
struct default_serializer<bytes_view> : bytes_serializer {};
template <>
struct default_serializer<std::span<const std::byte>> : bytes_serializer {};
template <>
struct default_serializer<std::vector<byte>> : bytes_serializer {};
template <>
struct default_serializer<byte_buffer> : bytes_serializer {};
template <>
struct default_serializer<std::int16_t> : int16_serializer {};
template <>
struct default_serializer<std::int32_t> : int32_serializer {};
template <>
struct default_serializer<std::int64_t> : int64_serializer {};
template <>
struct default_serializer<float> : float_serializer {};
template <>
struct default_serializer<double> : double_serializer {};
template <>
struct default_serializer<void> : null_serializer {};
template <>
struct default_serializer<std::nullptr_t> : null_serializer {};

// For the producer's entry points: `static_assert(require_serializer<S, T>())`. Fails with one
// message naming what to do; it returns true even then, so that a caller's own static_assert does
// not add a second error for the same cause.
template <class S, class T>
consteval bool require_serializer() {
    static_assert(serializer_for<S, T>,
                  "kcoro: no serializer for this type: specialize kcoro::default_serializer<T> "
                  "or pass a serializer satisfying kcoro::serializer_for<S, T>");
    return true;
}

KCORO_NAMESPACE_END
