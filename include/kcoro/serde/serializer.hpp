// Serializers: compile-time policies that write a key or value through a byte sink, straight into
// the record batch. A type plugs in by specializing kcoro::default_serializer<T>, or by passing a
// serializer object to the producer. Optional members let the producer do less: serialized_size(v)
// (the value is then written once, in place) and bytes_of(v) (the serialized form is bytes the value
// already holds, so a key is hashed and copied from where it is). serialize() is const.
//
//   struct order { std::int64_t id; std::string item; };
//   template <> struct kcoro::default_serializer<order> {
//       template <kcoro::byte_sink S> void serialize(const order& o, S& out) const {
//           kcoro::int64_serializer{}.serialize(o.id, out);
//           out.write(o.item.data(), o.item.size());
//       }
//   };
//
//   kcoro::producer<std::int64_t, order>& p = ...;
//   order o{42, "book"};
//   co_await p.send({.topic = "orders", .key = o.id, .value = o});  // the record refers to o
//
// A serializer whose serialize() returns kcoro::result<void> may fail (fallible_serializer_for):
// the record it refuses fails alone, with its error, and nothing of it is enqueued.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../byte_sink.hpp"
#include "../result.hpp"

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

KCORO_NAMESPACE_BEGIN

// S serializes T when it can write a T through any byte sink.
template <class S, class T>
concept serializer_for = requires(const S& s, const T& v, detail::byte_sink_archetype& sink) { s.serialize(v, sink); };

// A serializer that may refuse a value (one that does not fit its schema, a null where none is
// allowed): its serialize() returns kcoro::result<void>. The producer then fails that record alone
// with the serializer's error, before it takes any place in a batch; the bytes written before the
// refusal are dropped. Serializers that cannot fail return void and keep the direct path.
template <class S, class T>
concept fallible_serializer_for = serializer_for<S, T> && requires(const S& s, const T& v, detail::byte_sink_archetype& sink) {
    { s.serialize(v, sink) } -> std::same_as<result<void>>;
};

// Bytes as they are.
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
    // The serialized form is the value's own bytes: the producer hashes and copies them from there.
    bytes_view bytes_of(bytes_view b) const noexcept { return b; }
    bytes_view bytes_of(std::span<const std::byte> b) const noexcept {
        return {reinterpret_cast<const byte*>(b.data()), b.size()};
    }
};

// Strings as their bytes (UTF-8 as given), like Java's StringSerializer.
struct string_serializer {
    template <byte_sink Sink>
    void serialize(std::string_view s, Sink& out) const {
        out.write(s.data(), s.size());
    }
    std::size_t serialized_size(std::string_view s) const noexcept { return s.size(); }
    bytes_view bytes_of(std::string_view s) const noexcept { return {reinterpret_cast<const byte*>(s.data()), s.size()}; }
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
// serializers, so Java consumers read them back with the matching deserializer.
template <class T>
struct big_endian_serializer {
    static_assert(std::is_arithmetic_v<T>);
    template <byte_sink Sink>
    void serialize(T v, Sink& out) const {
        if constexpr (std::is_floating_point_v<T>) {
            using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
            detail::write_big_endian(std::bit_cast<U>(v), out);
        } else {
            detail::write_big_endian(static_cast<std::make_unsigned_t<T>>(v), out);
        }
    }
    std::size_t serialized_size(T) const noexcept { return sizeof(T); }
};
using int16_serializer = big_endian_serializer<std::int16_t>;
using int32_serializer = big_endian_serializer<std::int32_t>;
using int64_serializer = big_endian_serializer<std::int64_t>;
using float_serializer = big_endian_serializer<float>;
using double_serializer = big_endian_serializer<double>;

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
struct default_serializer<std::int16_t> : int16_serializer {};
template <>
struct default_serializer<std::int32_t> : int32_serializer {};
template <>
struct default_serializer<std::int64_t> : int64_serializer {};
template <>
struct default_serializer<float> : float_serializer {};
template <>
struct default_serializer<double> : double_serializer {};

namespace detail {
// The near misses require_serializer names: a serialize() that would compile if it were const, or
// if it took the value by const reference.
template <class S, class T>
concept serializes_only_when_mutable = requires(S& s, const T& v, byte_sink_archetype& sink) { s.serialize(v, sink); };
template <class S, class T>
concept serializes_only_mutable_values = requires(const S& s, T& v, byte_sink_archetype& sink) { s.serialize(v, sink); };
}  // namespace detail

// For the producer's entry points: true, or one static_assert naming what to do.
template <class S, class T>
consteval bool require_serializer() {
    if constexpr (serializer_for<S, T>) {
        return true;
    } else if constexpr (detail::serializes_only_when_mutable<S, T>) {
        static_assert(serializer_for<S, T>,
                      "kcoro: the serializer's serialize() must be a const member function (kcoro::serializer_for "
                      "calls it on a const serializer): mark it const, and keep any state it changes in a mutable member");
        return false;
    } else if constexpr (detail::serializes_only_mutable_values<S, T>) {
        static_assert(serializer_for<S, T>,
                      "kcoro: the serializer's serialize() must take the key or value by const reference (or by value)");
        return false;
    } else {
        static_assert(serializer_for<S, T>,
                      "kcoro: no serializer for this key or value type: specialize kcoro::default_serializer<T> "
                      "or pass a serializer satisfying kcoro::serializer_for<S, T>");
        return false;
    }
}

KCORO_NAMESPACE_END
