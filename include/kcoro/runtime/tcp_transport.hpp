// tcp_transport: kcoro's transport over plain TCP on an event_loop (what a TLS transport would
// wrap). Resolution goes through the tcp_resolver hook when one is set, else dns_resolver.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "event_loop.hpp"
#include "task.hpp"
#include "tcp_connect.hpp"
#include "tcp_stream.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

class tcp_transport {
public:
    using stream_type = tcp_stream;

    explicit tcp_transport(event_loop& loop, tcp_resolver resolver = {}) : loop_(&loop), resolver_(std::move(resolver)) {}

    // `co_await t.async_connect(host, port, timeout)` -> result<tcp_stream>. The transport must
    // outlive the connect.
    task<result<tcp_stream>> async_connect(std::string_view host, std::uint16_t port, std::chrono::milliseconds timeout) {
        return tcp_connect(*loop_, std::string(host), port, timeout, resolver_ ? &resolver_ : nullptr);
    }
    event_loop& loop() const noexcept { return *loop_; }

private:
    event_loop* loop_;
    tcp_resolver resolver_;
};

KCORO_NAMESPACE_END
