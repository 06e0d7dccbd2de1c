// The runtime's contract: what the producer engine needs from the runtime it is given, and
// nothing more. The engine never reaches for a global clock, random source, socket or thread:
// everything comes through an `engine_runtime`. kcoro's own event loop provides one
// (producer/event_loop_runtime.hpp), the Asio adapter another (asio/runtime.hpp), and a simulated
// network with virtual time and a seed a third (tests/support/manual_runtime.hpp).
//
// Each requirement is its own named concept, so that a runtime that misses one is rejected with
// a diagnostic naming it (e.g. "runtime_random<my_runtime>" and "rt.random()"), not with an error
// deep inside the engine. Awaitables are checked for what co_await on them yields.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"

#include <chrono>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

KCORO_NAMESPACE_BEGIN

using steady_time = std::chrono::steady_clock::time_point;
using wall_time = std::chrono::system_clock::time_point;

// ---- awaitables ---------------------------------------------------------------------------------

// An awaiter: what co_await works with once it has applied any operator co_await. It must be
// awaitable from any coroutine, hence await_suspend(std::coroutine_handle<>).
template <class A>
concept awaiter = requires(A& a, std::coroutine_handle<> h) {
    { a.await_ready() } -> std::convertible_to<bool>;
    a.await_suspend(h);
    a.await_resume();
};

namespace detail {
template <class A>
concept has_member_co_await = requires(A&& a) { static_cast<A&&>(a).operator co_await(); };
template <class A>
concept has_free_co_await = requires(A&& a) { operator co_await(static_cast<A&&>(a)); };

// The awaiter that `co_await std::declval<A>()` uses (ignoring a promise's await_transform).
template <class A>
struct awaiter_type {
    using type = std::remove_cvref_t<A>;
};
template <has_member_co_await A>
struct awaiter_type<A> {
    using type = decltype(std::declval<A>().operator co_await());
};
template <class A>
    requires(!has_member_co_await<A> && has_free_co_await<A>)
struct awaiter_type<A> {
    using type = decltype(operator co_await(std::declval<A>()));
};
}  // namespace detail

// An expression of type A may be co_awaited (as an rvalue, the way the engine awaits what a
// runtime returns).
template <class A>
concept awaitable = awaiter<typename detail::awaiter_type<A>::type>;

// What `co_await a` yields.
template <awaitable A>
using await_result_t = decltype(std::declval<typename detail::awaiter_type<A>::type&>().await_resume());

// An awaitable whose co_await yields exactly T.
template <class A, class T>
concept awaitable_of = awaitable<A> && std::same_as<await_result_t<A>, T>;

// ---- an executor ---------------------------------------------------------------------------------

// ex.post(h) resumes h later on the executor's thread, never inline.
template <class E>
concept executor = requires(E& ex, std::coroutine_handle<> h) { ex.post(h); };

// ---- a byte stream -------------------------------------------------------------------------------

// s.read_some(buf): awaitable -> result<std::size_t>, at least one byte (end of stream is an error).
template <class S>
concept byte_stream_read_some = requires(S& s, mutable_bytes buf) {
    { s.read_some(buf) } -> awaitable_of<result<std::size_t>>;
};
// s.write(views): awaitable -> result<void>, every byte of every view, in order.
template <class S>
concept byte_stream_write = requires(S& s, std::span<const bytes_view> views) {
    { s.write(views) } -> awaitable_of<result<void>>;
};
// s.close(): wakes a pending read or write with an error.
template <class S>
concept byte_stream_close = requires(S& s) { s.close(); };

// A connected byte stream, moved into the connection that owns it.
template <class S>
concept byte_stream = std::move_constructible<S> && byte_stream_read_some<S> && byte_stream_write<S> && byte_stream_close<S>;

// ---- a timer -------------------------------------------------------------------------------------

// t.wait_until(deadline): awaitable -> bool, true when the deadline passed, false when cancelled.
template <class T>
concept timer_wait_until = requires(T& t, steady_time deadline) {
    { t.wait_until(deadline) } -> awaitable_of<bool>;
};
// t.cancel(): resumes a pending wait with false; without one it does nothing.
template <class T>
concept timer_cancel = requires(T& t) { t.cancel(); };

// A one-shot timer, reusable after each wait; one wait at a time.
template <class T>
concept timer = std::move_constructible<T> && timer_wait_until<T> && timer_cancel<T>;

// ---- the runtime ---------------------------------------------------------------------------------

template <class R>
concept runtime_stream_type = requires { typename R::stream_type; } && byte_stream<typename R::stream_type>;
template <class R>
concept runtime_timer_type = requires { typename R::timer_type; } && timer<typename R::timer_type>;
// rt.now(): the steady clock, for deadlines, linger and backoff.
template <class R>
concept runtime_now = requires(const R& rt) {
    { rt.now() } -> std::same_as<steady_time>;
};
// rt.wall_now(): the wall clock, for record timestamps.
template <class R>
concept runtime_wall_now = requires(const R& rt) {
    { rt.wall_now() } -> std::same_as<wall_time>;
};
// rt.random(): 64 random bits, for jitter and seeds; a simulated runtime makes them repeatable.
template <class R>
concept runtime_random = requires(R& rt) {
    { rt.random() } -> std::same_as<std::uint64_t>;
};
// rt.make_timer(): a new timer on the runtime.
template <class R>
concept runtime_make_timer = runtime_timer_type<R> && requires(R& rt) {
    { rt.make_timer() } -> std::same_as<typename R::timer_type>;
};
// rt.connect(host, port, timeout): awaitable -> result<R::stream_type>.
template <class R>
concept runtime_connect = runtime_stream_type<R> &&
                          requires(R& rt, std::string_view host, std::uint16_t port, std::chrono::milliseconds timeout) {
                              { rt.connect(host, port, timeout) } -> awaitable_of<result<typename R::stream_type>>;
                          };

// What the engine runs on; the engine keeps its own (moved-in) runtime object.
template <class R>
concept engine_runtime = std::move_constructible<R> && executor<R> && runtime_now<R> && runtime_wall_now<R> &&
                         runtime_random<R> && runtime_make_timer<R> && runtime_connect<R>;

KCORO_NAMESPACE_END
