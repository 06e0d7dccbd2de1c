// TCP on kcoro's event loop: name resolution that never stalls the loop, connect with a timeout,
// and a stream whose reads and writes suspend the coroutine instead of blocking the thread.
//
// Resolution: numeric IPv4/IPv6 literals are parsed directly, names are looked up in /etc/hosts
// ("localhost" always resolves to the loopback addresses), and other names are asked of DNS on
// the loop itself (dns.hpp) - kcoro calls neither getaddrinfo on the loop (it blocks) nor
// getaddrinfo_a (it starts threads). An application may install its own `tcp_resolver` instead.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "dns.hpp"
#include "event_loop.hpp"
#include "fd_wait.hpp"
#include "ip_endpoint.hpp"
#include "task.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

// Resolves a host name to endpoints for `port`, replacing kcoro's own resolution (literals,
// /etc/hosts, then DNS on the loop), e.g. with the application's own asynchronous resolver.
using tcp_resolver = std::function<result<std::vector<ip_endpoint>>(std::string_view host, std::uint16_t port)>;


// Literals, then /etc/hosts (read each time: it is small and may change), then "localhost".
inline result<std::vector<ip_endpoint>> resolve_without_dns(std::string_view host, std::uint16_t port) {
    std::vector<ip_endpoint> out;
    ip_endpoint ep;
    if (detail::parse_literal(host, port, ep)) {
        out.push_back(ep);
        return out;
    }
    std::ifstream hosts("/etc/hosts");
    std::string line;
    while (std::getline(hosts, line)) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream fields(line);
        std::string addr, name;
        if (!(fields >> addr)) continue;
        while (fields >> name) {
            if (name == host && detail::parse_literal(addr, port, ep)) {
                out.push_back(ep);
                break;
            }
        }
    }
    if (out.empty() && host == "localhost") {
        detail::parse_literal("127.0.0.1", port, ep);
        out.push_back(ep);
        detail::parse_literal("::1", port, ep);
        out.push_back(ep);
    }
    if (out.empty()) {
        // Appended, not "'" + std::string(host) + ...: g++ 12 at -O3 warns falsely there (GCC bug
        // 105329), and a diagnostic pragma does not hold once the header is precompiled.
        std::string why = "'";
        why.append(host);
        why += "' is not an IP literal or in /etc/hosts";
        return error(errc::resolve_failed, why);
    }
    return out;
}

// A connected, non-blocking TCP socket registered with the loop (edge-triggered). Move-only; the
// waiter block is heap-held so that moving the stream does not move what epoll points at.
class tcp_stream {
public:
    tcp_stream() = default;
    tcp_stream(event_loop& loop, int fd) : loop_(&loop), fd_(fd), waiters_(std::make_unique<detail::fd_waiters>()) {
        loop_->watch(fd_, waiters_.get());
    }
    tcp_stream(tcp_stream&& o) noexcept
        : loop_(o.loop_), fd_(std::exchange(o.fd_, -1)), waiters_(std::move(o.waiters_)) {}
    tcp_stream& operator=(tcp_stream&& o) noexcept {
        if (this != &o) {
            close();
            loop_ = o.loop_;
            fd_ = std::exchange(o.fd_, -1);
            waiters_ = std::move(o.waiters_);
        }
        return *this;
    }
    tcp_stream(const tcp_stream&) = delete;
    tcp_stream& operator=(const tcp_stream&) = delete;
    ~tcp_stream() { close(); }

    bool is_open() const noexcept { return fd_ >= 0; }

    // Wakes a pending read or write, which then fails with errc::connection_lost.
    void close() {
        if (fd_ < 0) return;
        loop_->unwatch(fd_);
        ::close(fd_);
        fd_ = -1;
        if (waiters_) {
            if (auto h = std::exchange(waiters_->reader, {})) loop_->post(h);
            if (auto h = std::exchange(waiters_->writer, {})) loop_->post(h);
        }
    }

    struct read_ready_awaiter {
        tcp_stream& s;
        bool await_ready() const noexcept { return s.fd_ < 0; }
        void await_suspend(std::coroutine_handle<> h) {
            s.waiters_->reader = h;
            s.loop_->add_io_waiter();
        }
        void await_resume() { s.loop_->remove_io_waiter(); }
    };

    // Reads at least one byte, suspending until data arrives. End of stream is an error.
    task<result<std::size_t>> read_some(mutable_bytes buf) {
        for (;;) {
            if (fd_ < 0) co_return error(errc::connection_lost, "socket closed");
            ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
            if (n > 0) co_return static_cast<std::size_t>(n);
            if (n == 0) co_return error(errc::connection_lost, "the peer closed the connection");
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                co_await read_ready_awaiter{*this};
                continue;
            }
            co_return error(errc::connection_lost, std::string("recv: ") + std::strerror(errno));
        }
    }

    struct write_ready_awaiter {
        tcp_stream& s;
        bool await_ready() const noexcept { return s.fd_ < 0; }
        void await_suspend(std::coroutine_handle<> h) {
            s.waiters_->writer = h;
            s.loop_->add_io_waiter();
        }
        void await_resume() { s.loop_->remove_io_waiter(); }
    };

    // Writes every byte of every buffer, in order (one gathering sendmsg: no copying into one buffer).
    task<result<void>> write(std::span<const bytes_view> buffers) {
        std::size_t index = 0, offset = 0;
        while (index < buffers.size()) {
            if (fd_ < 0) co_return error(errc::connection_lost, "socket closed");
            iovec iov[64];
            int count = 0;
            for (std::size_t i = index; i < buffers.size() && count < 64; ++i) {
                const std::size_t skip = i == index ? offset : 0;
                if (buffers[i].size() == skip) continue;
                iov[count].iov_base = const_cast<byte*>(buffers[i].data() + skip);
                iov[count].iov_len = buffers[i].size() - skip;
                ++count;
            }
            if (count == 0) break;
            // sendmsg with MSG_NOSIGNAL, not writev: a peer that reset the connection must give an
            // error here, not a SIGPIPE that ends the process embedding kcoro.
            msghdr msg{};
            msg.msg_iov = iov;
            msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(count);
            ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    co_await write_ready_awaiter{*this};
                    continue;
                }
                co_return error(errc::connection_lost, std::string("send: ") + std::strerror(errno));
            }
            std::size_t left = static_cast<std::size_t>(n);
            while (left > 0 && index < buffers.size()) {
                const std::size_t avail = buffers[index].size() - offset;
                if (left >= avail) {
                    left -= avail;
                    ++index;
                    offset = 0;
                } else {
                    offset += left;
                    left = 0;
                }
            }
            while (index < buffers.size() && buffers[index].size() == offset) {
                ++index;
                offset = 0;
            }
        }
        co_return ok();
    }

private:
    friend task<result<tcp_stream>> tcp_connect(event_loop&, std::string, std::uint16_t, std::chrono::milliseconds,
                                                const tcp_resolver*);
    event_loop* loop_ = nullptr;
    int fd_ = -1;
    std::unique_ptr<detail::fd_waiters> waiters_;
};

// Resumes the coroutine on the loop's next turn, after everything already posted.
struct yield_to {
    event_loop& loop;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { loop.post(h); }
    void await_resume() const noexcept {}
};

// Connects to host:port, trying each resolved address in order, each within what is left of
// `timeout`.
inline task<result<tcp_stream>> tcp_connect(event_loop& loop, std::string host, std::uint16_t port,
                                            std::chrono::milliseconds timeout, const tcp_resolver* resolver = nullptr) {
    if (loop.setup_error())
        co_return error(errc::connection_failed, "connect to " + host + ":" + std::to_string(port) +
                                                     ": the event loop cannot watch sockets (" + loop.setup_error().message() + ")");
    const auto deadline = loop.now() + timeout;
    auto endpoints = resolver && *resolver ? (*resolver)(host, port) : resolve_without_dns(host, port);
    if (!endpoints && !(resolver && *resolver)) endpoints = co_await dns_resolve(loop, host, port, timeout);
    if (!endpoints) co_return std::move(endpoints).err();
    error last(errc::connection_failed, "no address for " + host);
    for (const auto& ep : *endpoints) {
        int fd = ::socket(ep.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last = error(errc::connection_failed, std::string("socket: ") + std::strerror(errno));
            continue;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len);
        if (rc < 0 && errno != EINPROGRESS) {
            last = error(errc::connection_failed, "connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno));
            ::close(fd);
            continue;
        }
        tcp_stream s(loop, fd);
        if (rc < 0) {
            const bool done = co_await detail::poll_fd_until(loop, s.fd_, POLLOUT, deadline);
            if (!done) {
                last = error(errc::timed_out, "connect to " + host + ":" + std::to_string(port) + " timed out");
                continue;
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(s.fd_, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                last = error(errc::connection_failed, "connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(err));
                continue;
            }
        }
        co_return std::move(s);
    }
    co_return last;
}

KCORO_NAMESPACE_END
