// The typed way in: a struct says which of its members are the fields of an Avro record, an enum
// which of its enumerators are the symbols of an Avro enum, and avro::encoder<T> writes them with
// no datum in between. The mapping is checked against the schema once, when the encoder is made.
//
//   namespace shop {
//   enum class status { open, shipped };
//   struct order { std::int64_t id; std::string item; std::optional<std::string> note; status state; };
//   KCORO_AVRO_ENUM(status, open, shipped)           // in the enum's namespace
//   KCORO_AVRO_RECORD(order, id, item, note, state)  // in the struct's namespace
//   }
//
// The macros define kcoro_avro_members / kcoro_avro_symbols, found by argument-dependent lookup;
// write them by hand where a field's name differs from the member's:
//
//   constexpr auto kcoro_avro_members(kcoro::avro::type_tag<order>) {
//       return std::make_tuple(kcoro::avro::member("order_id", &order::id), kcoro::avro::member("item", &order::item));
//   }
//
// Members map by field name, in any order; a schema field with a default may be left out of the
// struct (the default is written). What each C++ type maps to:
//   std::monostate, std::nullptr_t -> null; bool -> boolean; integers up to 32 bits -> int, long, float, double; 64-bit integers and
//   std::uint32_t -> long, float, double; float -> float, double; double -> double;
//   std::string, std::string_view -> string (a uuid string is checked), enum (a symbol);
//   std::vector<std::uint8_t>, std::vector<std::byte>, kcoro::bytes_view -> bytes, fixed (its size);
//   std::array<std::uint8_t, N> -> fixed of size N, bytes;
//   avro::decimal -> decimal; avro::uuid -> uuid, string, fixed of 16;
//   std::chrono::sys_days -> date; std::chrono::duration -> time-millis, time-micros;
//   std::chrono::sys_time<D> -> timestamp-*; std::chrono::local_time<D> -> local-timestamp-*;
//   std::optional<T> -> a union with null; std::variant<...> -> a union (std::monostate is null);
//   T -> a union with a branch for T; std::vector<T>, std::array<T, N> -> array;
//   std::map / std::unordered_map with std::string keys -> map; a mapped struct -> record;
//   a mapped enum -> enum; avro::datum, avro::generic_record -> anything, checked per value.
#pragma once

#include "../detail/prelude.hpp"

#include <array>
#include <string_view>
#include <tuple>
#include <type_traits>

KCORO_NAMESPACE_BEGIN
namespace avro {

template <class T>
struct type_tag {};

template <class T, class M>
struct member_ref {
    using class_type = T;
    using member_type = M;
    std::string_view name;
    M T::*pointer;
};

// A struct member that is the record field `name`.
template <class T, class M>
constexpr member_ref<T, M> member(std::string_view name, M T::*pointer) noexcept {
    return {name, pointer};
}

template <class E>
struct symbol_ref {
    std::string_view name;
    E value;
};

// A struct is mapped when kcoro_avro_members(type_tag<T>) finds a tuple of members.
template <class T>
concept mapped_record = std::is_class_v<T> && requires { kcoro_avro_members(type_tag<T>{}); };
// An enum is mapped when kcoro_avro_symbols(type_tag<E>) finds its enumerators' names.
template <class E>
concept mapped_enum = std::is_enum_v<E> && requires { kcoro_avro_symbols(type_tag<E>{}); };

}  // namespace avro
KCORO_NAMESPACE_END

// A for-each over macro arguments (up to 256), by repeated rescanning with __VA_OPT__.
#define KCORO_AVRO_PARENS ()
#define KCORO_AVRO_EXPAND(...) KCORO_AVRO_EXPAND4(KCORO_AVRO_EXPAND4(KCORO_AVRO_EXPAND4(KCORO_AVRO_EXPAND4(__VA_ARGS__))))
#define KCORO_AVRO_EXPAND4(...) KCORO_AVRO_EXPAND3(KCORO_AVRO_EXPAND3(KCORO_AVRO_EXPAND3(KCORO_AVRO_EXPAND3(__VA_ARGS__))))
#define KCORO_AVRO_EXPAND3(...) KCORO_AVRO_EXPAND2(KCORO_AVRO_EXPAND2(KCORO_AVRO_EXPAND2(KCORO_AVRO_EXPAND2(__VA_ARGS__))))
#define KCORO_AVRO_EXPAND2(...) KCORO_AVRO_EXPAND1(KCORO_AVRO_EXPAND1(KCORO_AVRO_EXPAND1(KCORO_AVRO_EXPAND1(__VA_ARGS__))))
#define KCORO_AVRO_EXPAND1(...) __VA_ARGS__
#define KCORO_AVRO_FOR_EACH(macro, T, ...) __VA_OPT__(KCORO_AVRO_EXPAND(KCORO_AVRO_FOR_EACH_STEP(macro, T, __VA_ARGS__)))
#define KCORO_AVRO_FOR_EACH_STEP(macro, T, a, ...) \
    macro(T, a) __VA_OPT__(, KCORO_AVRO_FOR_EACH_AGAIN KCORO_AVRO_PARENS(macro, T, __VA_ARGS__))
#define KCORO_AVRO_FOR_EACH_AGAIN() KCORO_AVRO_FOR_EACH_STEP

#define KCORO_AVRO_MEMBER_REF(Type, m) ::kcoro::avro::member(#m, &Type::m)
#define KCORO_AVRO_SYMBOL_REF(Enum, s) ::kcoro::avro::symbol_ref<Enum>{#s, Enum::s}

// Maps the listed members of struct `Type` to the fields of the same names. Use it in Type's namespace.
#define KCORO_AVRO_RECORD(Type, ...)                                                  \
    [[maybe_unused]] constexpr auto kcoro_avro_members(::kcoro::avro::type_tag<Type>) noexcept { \
        return ::std::make_tuple(KCORO_AVRO_FOR_EACH(KCORO_AVRO_MEMBER_REF, Type, __VA_ARGS__)); \
    }

// Maps the listed enumerators of enum `Enum` to the symbols of the same names. Use it in Enum's namespace.
#define KCORO_AVRO_ENUM(Enum, ...)                                                    \
    [[maybe_unused]] constexpr auto kcoro_avro_symbols(::kcoro::avro::type_tag<Enum>) noexcept { \
        return ::std::array{KCORO_AVRO_FOR_EACH(KCORO_AVRO_SYMBOL_REF, Enum, __VA_ARGS__)};     \
    }
