// The transport concept: how a stream to host:port is opened. Kept apart from the stream so a TLS
// transport can wrap a TCP one, and a simulated network can hand out in-memory streams.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "awaitable.hpp"
#include "byte_stream.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

// `co_await t.async_connect(host, port, timeout)` -> result<T::stream_type>, a byte_stream.
// Fails with errc::resolve_failed, errc::connection_failed or errc::timed_out (the whole attempt,
// over every address the host resolves to, stays within timeout). host is copied before the
// first suspension, so a temporary string is fine.
template <class T>
concept transport = byte_stream<typename T::stream_type> &&
                    requires(T& t, std::string_view host, std::uint16_t port, std::chrono::milliseconds timeout) {
                        { t.async_connect(host, port, timeout) } -> awaitable_of<result<typename T::stream_type>>;
                    };

KCORO_NAMESPACE_END
