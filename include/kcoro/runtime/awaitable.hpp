// What `co_await x` yields, computed without awaiting: the runtime's concepts use it to state the
// result type an awaitable must produce (an awaiter, or a type with operator co_await).
#pragma once

#include "../detail/prelude.hpp"

#include <concepts>
#include <coroutine>
#include <type_traits>
#include <utility>

KCORO_NAMESPACE_BEGIN

namespace detail {

template <class A>
concept has_member_co_await = requires(A&& a) { std::forward<A>(a).operator co_await(); };
template <class A>
concept has_free_co_await = requires(A&& a) { operator co_await(std::forward<A>(a)); };

template <class A>
decltype(auto) get_awaiter(A&& a) {
    if constexpr (has_member_co_await<A>) return std::forward<A>(a).operator co_await();
    else if constexpr (has_free_co_await<A>) return operator co_await(std::forward<A>(a));
    else return std::forward<A>(a);
}

template <class W>
concept awaiter = requires(W& w, std::coroutine_handle<> h) {
    { w.await_ready() } -> std::convertible_to<bool>;
    w.await_suspend(h);
    w.await_resume();
};

}  // namespace detail

// An expression `co_await a` is valid in a kcoro task (no await_transform is involved).
template <class A>
concept awaitable = detail::awaiter<std::remove_reference_t<decltype(detail::get_awaiter(std::declval<A>()))>>;

template <awaitable A>
using await_result_t = decltype(std::declval<decltype(detail::get_awaiter(std::declval<A>()))&>().await_resume());

// `co_await a` is valid and yields something convertible to T.
template <class A, class T>
concept awaitable_of = awaitable<A> && std::convertible_to<await_result_t<A>, T>;

KCORO_NAMESPACE_END
