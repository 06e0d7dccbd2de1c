// tcp_listener: a listening socket on an event_loop whose accepts suspend the coroutine. For
// loopback servers in tests and for tools that play a broker; kcoro's producer never listens.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "event_loop.hpp"
#include "ip_endpoint.hpp"
#include "tcp_stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <coroutine>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

KCORO_NAMESPACE_BEGIN

class tcp_listener {
public:
    // Binds and listens on ep (port 0: the kernel picks one; see local_endpoint()).
    static result<tcp_listener> listen(event_loop& loop, const ip_endpoint& ep, int backlog = 128) {
        const int fd = ::socket(ep.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return error(errc::connection_failed, std::string("socket: ") + std::strerror(errno));
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) != 0 || ::listen(fd, backlog) != 0) {
            const int err = errno;
            ::close(fd);
            return error(errc::connection_failed, "listen on " + ep.to_string() + ": " + std::strerror(err));
        }
        return tcp_listener(loop, fd);
    }

    tcp_listener(tcp_listener&& o) noexcept : loop_(o.loop_), waiters_(std::move(o.waiters_)) {}
    tcp_listener& operator=(tcp_listener&&) = delete;
    tcp_listener(const tcp_listener&) = delete;
    ~tcp_listener() { close(); }

    ip_endpoint local_endpoint() const {
        ip_endpoint ep;
        ep.len = sizeof ep.addr;
        ::getsockname(waiters_->fd, reinterpret_cast<sockaddr*>(&ep.addr), &ep.len);
        return ep;
    }

    // A pending accept completes with errc::connection_lost "the stream was closed".
    void close() {
        if (!waiters_ || waiters_->fd < 0) return;
        loop_->unwatch(*waiters_);
        ::close(waiters_->fd);
        waiters_->fd = -1;
        loop_->close_io(*waiters_);
    }

    class accept_awaiter : detail::io_operation {
    public:
        explicit accept_awaiter(tcp_listener& l) noexcept : loop_(l.loop_), w_(l.waiters_.get()) { step = &attempt; }
        accept_awaiter(const accept_awaiter&) = delete;
        accept_awaiter& operator=(const accept_awaiter&) = delete;
        ~accept_awaiter() {
            if (registered) loop_->cancel_io(w_->reader);
        }
        bool await_ready() noexcept { return attempt(*this, w_->fd); }
        void await_suspend(std::coroutine_handle<> h) { loop_->wait_io(w_->reader, *this, h); }
        result<tcp_stream> await_resume() {
            if (fd_ >= 0) return tcp_stream(*loop_, fd_);
            return detail::stream_error("accept", err_);
        }

    private:
        static bool attempt(detail::io_operation& op, int fd) noexcept {
            auto& self = static_cast<accept_awaiter&>(op);
            if (fd < 0) {
                self.err_ = detail::closed_locally;
                return true;
            }
            for (;;) {
                const int c = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c >= 0) {
                    int one = 1;
                    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    self.fd_ = c;
                    return true;
                }
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
                self.err_ = errno;
                return true;
            }
        }
        event_loop* loop_;
        detail::fd_waiters* w_;
        int fd_ = -1;
        int err_ = 0;
    };
    // `co_await l.async_accept()` -> result<tcp_stream>. One accept at a time.
    accept_awaiter async_accept() noexcept { return accept_awaiter(*this); }

private:
    tcp_listener(event_loop& loop, int fd) : loop_(&loop), waiters_(std::make_unique<detail::fd_waiters>()) {
        waiters_->fd = fd;
        loop_->watch(*waiters_);
    }

    event_loop* loop_;
    std::unique_ptr<detail::fd_waiters> waiters_;
};

KCORO_NAMESPACE_END
