// The byte_stream concept: a connected, ordered, reliable byte stream (plain TCP today; TLS or a
// SASL-wrapping stream, or a simulated connection, tomorrow). The engine frames Kafka requests on
// top of it and never sees a socket.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "awaitable.hpp"

#include <cstddef>
#include <span>

KCORO_NAMESPACE_BEGIN

// `co_await s.async_read_some(buf)` -> result<size_t>: at least one byte, never zero (the end of
//     the stream is errc::connection_lost); buf must not be empty.
// `co_await s.async_write(bytes)` -> result<void>: every byte, in order, or an error.
// `co_await s.async_write(buffers)` -> result<void>: the same for a gather list (a request header
//     and record batches go out without being copied into one buffer). The views (and the span)
//     must stay valid until the write completes.
// s.close(): releases the connection; a pending read or write completes with an error.
// At most one read and one write may be pending at a time.
template <class S>
concept byte_stream = requires(S& s, mutable_bytes in, bytes_view out, std::span<const bytes_view> gather) {
    { s.async_read_some(in) } -> awaitable_of<result<std::size_t>>;
    { s.async_write(out) } -> awaitable_of<result<void>>;
    { s.async_write(gather) } -> awaitable_of<result<void>>;
    s.close();
};

KCORO_NAMESPACE_END
