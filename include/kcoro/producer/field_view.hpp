// A record's key or value as send() takes it: a view of the caller's object, or nothing (a null
// key or value). The producer serializes it into the batch during send(), so the object needs to
// live only until send() has returned or its co_await has resumed; it stays the caller's.
//
// Why views: g++ 12 destroys the members of a braced temporary inside a co_await expression twice
// (GCC bugs 100611, 101367 and 101976: the temporary's subobjects are "promoted" into the
// coroutine frame and destroyed both there and in place). A record holding a std::string or a user
// struct by value made `co_await p.send({.key = k, .value = v})` a double free under g++ 12, at
// every optimization level. A record of views has no destructor to run twice.
//
// A trivially copyable T (integers, std::string_view, kcoro::bytes_view, spans, plain structs) is
// held by value: a copy of it is as good as the original and dies without a destructor. Any other
// T (std::string, a struct holding one) is held by address, and a temporary of it is refused at
// compile time, because a record kept in a variable would outlive it. The same goes for a view
// made from a temporary that owns its bytes (a std::string_view of a std::string returned by a
// call): name the owner first.
#pragma once

#include "../detail/prelude.hpp"

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

KCORO_NAMESPACE_BEGIN

template <class T>
class field_view;

namespace detail {
template <class>
inline constexpr bool is_field_view = false;
template <class T>
inline constexpr bool is_field_view<field_view<T>> = true;

template <class>
inline constexpr bool always_false = false;
}  // namespace detail

template <class T>
class field_view {
    static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "kcoro: field_view<T> takes a plain object type");
    static constexpr bool by_value = std::is_trivially_copyable_v<T>;

    template <class U>
    static constexpr bool other_source = !std::is_same_v<std::remove_cvref_t<U>, std::nullopt_t> &&
                                         !detail::is_field_view<std::remove_cvref_t<U>> &&
                                         (std::is_same_v<std::remove_cvref_t<U>, T> || std::is_convertible_v<U&&, T>);
    // What a view would outlive: held by value, a T made from a temporary that owns memory (a
    // std::string_view of a returned std::string); held by address, any T but the caller's own.
    template <class U>
    static constexpr bool dangling_source =
        by_value ? !std::is_lvalue_reference_v<U> && !std::is_trivially_copyable_v<std::remove_cvref_t<U>>
                 : !(std::is_lvalue_reference_v<U> && std::is_base_of_v<T, std::remove_cvref_t<U>>);

public:
    using value_type = T;

    constexpr field_view() noexcept = default;
    constexpr field_view(std::nullopt_t) noexcept {}  // NOLINT: implicit, as for std::optional

    // The caller's object: by address, or by value when T is trivially copyable.
    constexpr field_view(const T& v) noexcept : store_(make(v)) {}  // NOLINT: implicit by design

    // Held by value: whatever T is implicitly made from, as std::optional<T> would take it (a
    // string literal or a std::string for a std::string_view field, an int for an int64 field).
    template <class U>
        requires(by_value && other_source<U> && !std::is_same_v<std::remove_cvref_t<U>, T> && !dangling_source<U>)
    constexpr field_view(U&& u) noexcept(std::is_nothrow_convertible_v<U&&, T>)  // NOLINT: implicit by design
        : store_(std::in_place, std::forward<U>(u)) {}

    // A view of a temporary would dangle in a record kept in a variable: refused, with a message.
    template <class U>
        requires(other_source<U> && dangling_source<U>)
    field_view(U&&) {  // NOLINT: implicit, so that the message shows instead of "no conversion"
        static_assert(detail::always_false<U>,
                      "kcoro: a record's key and value are views of objects the caller keeps alive until the send "
                      "resumes, and this one is a temporary: name it in a variable first (for string literals, "
                      "use std::string_view as the producer's key or value type)");
    }

    constexpr bool has_value() const noexcept { return get() != nullptr; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr const T& operator*() const noexcept { return *get(); }
    constexpr const T* operator->() const noexcept { return get(); }

private:
    using store_type = std::conditional_t<by_value, std::optional<T>, const T*>;

    static constexpr store_type make(const T& v) noexcept {
        if constexpr (by_value) return store_type(v);
        else return std::addressof(v);
    }
    constexpr const T* get() const noexcept {
        if constexpr (by_value) return store_ ? std::addressof(*store_) : nullptr;
        else return store_;
    }

    store_type store_{};
};

KCORO_NAMESPACE_END
