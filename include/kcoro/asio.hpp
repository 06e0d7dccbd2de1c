// The Asio adapter: the same producer on any Asio executor, with sends as Asio asynchronous
// operations, so that inside an asio::awaitable coroutine
//
//     auto md = co_await producer.async_send(rec, asio::use_awaitable);   // kcoro::delivery_result
//
// works, and so do callbacks, asio::deferred and futures. Include this header (it is not part of
// kcoro.hpp) and link kcoro::asio. Standalone Asio (ASIO_STANDALONE); no exception is needed to
// report an outcome: errors arrive as values in the delivery_result.
//
//   kcoro::asio_runtime   the engine_runtime for an Asio executor (asio/runtime.hpp)
//   kcoro::asio_producer  the producer on it, with completion-token operations (asio/producer.hpp)
#pragma once

#include "asio/producer.hpp"
#include "asio/runtime.hpp"
