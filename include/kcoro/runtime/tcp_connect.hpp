// Opening TCP connections on an event_loop: resolve, then a non-blocking connect() per address,
// in order, each awaited for writability (epoll) against what is left of the timeout, checked
// with SO_ERROR. Sockets get TCP_NODELAY: Kafka requests are whole frames, and Nagle would hold
// back the tail of one while waiting for an acknowledgement.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "dns_resolver.hpp"
#include "event_loop.hpp"
#include "ip_endpoint.hpp"
#include "task.hpp"
#include "tcp_stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

// An application's own synchronous resolution hook (e.g. a cache filled by its own asynchronous
// resolver). It runs on the loop thread, so it must not block.
using tcp_resolver = std::function<result<std::vector<ip_endpoint>>(std::string_view host, std::uint16_t port)>;

namespace detail {

// Waits until a connecting socket is writable (the connect finished, well or badly) or the
// deadline passes, whichever comes first; yields true for writable. Whichever side fires first
// unhooks the other, so the coroutine is resumed exactly once.
class connect_awaiter : io_operation, timer_node {
public:
    connect_awaiter(event_loop& loop, fd_waiters& w, steady_time deadline) noexcept
        : loop_(&loop), w_(&w), deadline_(deadline) {
        io_operation::step = &on_writable;
        timer_node::fire = &on_deadline;
    }
    connect_awaiter(const connect_awaiter&) = delete;
    connect_awaiter& operator=(const connect_awaiter&) = delete;
    ~connect_awaiter() {
        loop_->disarm(*this);
        if (registered) loop_->cancel_io(w_->writer);
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        loop_->wait_io(w_->writer, *this, h);
        loop_->arm(*this, deadline_);
    }
    bool await_resume() const noexcept { return writable_; }

private:
    static bool on_writable(io_operation& op, int) noexcept {
        auto& self = static_cast<connect_awaiter&>(op);
        self.writable_ = true;
        self.loop_->disarm(self);
        return true;
    }
    static void on_deadline(timer_node& n) {
        auto& self = static_cast<connect_awaiter&>(n);
        self.loop_->cancel_io(self.w_->writer);
        self.loop_->post(self.waiter);
    }

    event_loop* loop_;
    fd_waiters* w_;
    steady_time deadline_;
    bool writable_ = false;
};

inline error connect_error(errc code, const ip_endpoint& ep, std::string_view host, const char* what, int err) {
    std::string m = "connect to " + std::string(host) + " (" + ep.to_string() + "): " + what;
    if (err != 0) {
        m += ": ";
        m += std::strerror(err);
    }
    return error(code, std::move(m));
}

// Tries each endpoint in order until one connects; the deadline covers them all. host is only for
// messages.
inline task<result<tcp_stream>> connect_any(event_loop& loop, std::vector<ip_endpoint> endpoints, std::string host,
                                             steady_time deadline) {
    error last(errc::connection_failed, "no address to connect to for " + host);
    for (const ip_endpoint& ep : endpoints) {
        if (loop.now() >= deadline) {
            last = connect_error(errc::timed_out, ep, host, "timed out before this address was tried", 0);
            break;
        }
        const int fd = ::socket(ep.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last = connect_error(errc::connection_failed, ep, host, "socket", errno);
            continue;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int rc;
        do rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len);
        while (rc < 0 && errno == EINTR);
        if (rc < 0 && errno != EINPROGRESS) {
            last = connect_error(errc::connection_failed, ep, host, "connect", errno);
            ::close(fd);
            continue;
        }
        tcp_stream s(loop, fd);
        if (rc < 0) {
            detail::fd_waiters& w = *s.io_waiters();
            const bool writable = co_await connect_awaiter(loop, w, deadline);
            if (!writable) {
                last = connect_error(errc::timed_out, ep, host, "timed out", 0);
                continue;  // s closes the socket
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                last = connect_error(errc::connection_failed, ep, host, "connect", err);
                continue;
            }
        }
        co_return std::move(s);
    }
    co_return last;
}

}  // namespace detail

// Connects to already resolved endpoints, in order, within timeout.
inline task<result<tcp_stream>> tcp_connect(event_loop& loop, std::vector<ip_endpoint> endpoints,
                                            std::chrono::milliseconds timeout) {
    return detail::connect_any(loop, std::move(endpoints), "endpoint list", loop.now() + timeout);
}

// Connects to host:port within timeout (resolution included). host is resolved by `resolver`
// when one is given, otherwise by a dns_resolver with default options (literal, /etc/hosts,
// localhost, then DNS). Every address is tried in order.
inline task<result<tcp_stream>> tcp_connect(event_loop& loop, std::string host, std::uint16_t port,
                                            std::chrono::milliseconds timeout, const tcp_resolver* resolver = nullptr) {
    const steady_time deadline = loop.now() + timeout;
    result<std::vector<ip_endpoint>> endpoints = std::vector<ip_endpoint>{};
    if (resolver != nullptr && *resolver) {
        endpoints = (*resolver)(host, port);
    } else {
        dns_options options;
        options.timeout = std::max(std::chrono::milliseconds(1), std::min(options.timeout, timeout / options.attempts));
        dns_resolver dns(loop, options);
        endpoints = co_await dns.async_resolve(host, port);
    }
    if (!endpoints) co_return std::move(endpoints).err();
    co_return co_await detail::connect_any(loop, std::move(*endpoints), std::move(host), deadline);
}

KCORO_NAMESPACE_END
