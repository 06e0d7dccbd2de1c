// tcp_stream: a connected non-blocking TCP socket on an event_loop; kcoro's byte_stream.
//
// Reads and writes are plain awaiters (no coroutine frame, no allocation): each tries the system
// call at once and suspends only on EAGAIN, parking itself in the socket's reader or writer slot
// until epoll (edge-triggered) reports readiness; the loop then retries it and resumes the
// coroutine once it completes. Writes use sendmsg(MSG_NOSIGNAL), so a peer that went away is an
// error, never a SIGPIPE.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "event_loop.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>

KCORO_NAMESPACE_BEGIN

namespace detail {
// Errors are kept as errno values until await_resume, so the success path builds no string.
constexpr int closed_locally = -1;

inline error stream_error(const char* what, int err) {
    if (err == closed_locally) return error(errc::connection_lost, "the stream was closed");
    if (err == 0) return error(errc::connection_lost, "the peer closed the connection");
    return error(errc::connection_lost, std::string(what) + ": " + std::strerror(err));
}
}  // namespace detail

class tcp_stream {
public:
    tcp_stream() = default;
    // Takes ownership of a connected non-blocking socket and registers it with the loop.
    tcp_stream(event_loop& loop, int fd) : loop_(&loop), waiters_(std::make_unique<detail::fd_waiters>()) {
        waiters_->fd = fd;
        loop_->watch(*waiters_);
    }
    tcp_stream(tcp_stream&& o) noexcept : loop_(o.loop_), waiters_(std::move(o.waiters_)) {}
    tcp_stream& operator=(tcp_stream&& o) noexcept {
        if (this != &o) {
            close();
            loop_ = o.loop_;
            waiters_ = std::move(o.waiters_);
        }
        return *this;
    }
    tcp_stream(const tcp_stream&) = delete;
    tcp_stream& operator=(const tcp_stream&) = delete;
    ~tcp_stream() { close(); }

    bool is_open() const noexcept { return waiters_ && waiters_->fd >= 0; }
    // What the loop parks this socket's operations on; for the runtime's own awaiters (connect).
    detail::fd_waiters* io_waiters() noexcept { return waiters_.get(); }
    int native_handle() const noexcept { return waiters_ ? waiters_->fd : -1; }

    // Closes the socket. A pending read or write is resumed (later, on the loop) with
    // errc::connection_lost "the stream was closed".
    void close() {
        if (!is_open()) return;
        loop_->unwatch(*waiters_);
        ::close(waiters_->fd);
        waiters_->fd = -1;
        loop_->close_io(*waiters_);
    }

    class read_awaiter : detail::io_operation {
    public:
        read_awaiter(tcp_stream& s, mutable_bytes buf) noexcept : loop_(s.loop_), w_(s.waiters_.get()), buf_(buf) {
            step = &attempt;
        }
        read_awaiter(const read_awaiter&) = delete;
        read_awaiter& operator=(const read_awaiter&) = delete;
        ~read_awaiter() {
            if (registered) loop_->cancel_io(w_->reader);
        }

        bool await_ready() noexcept {
            if (buf_.empty()) {
                err_ = EINVAL;
                return true;
            }
            return attempt(*this, w_ != nullptr ? w_->fd : -1);
        }
        void await_suspend(std::coroutine_handle<> h) { loop_->wait_io(w_->reader, *this, h); }
        result<std::size_t> await_resume() const {
            if (n_ > 0) return n_;
            return detail::stream_error("recv", err_);
        }

    private:
        static bool attempt(detail::io_operation& op, int fd) noexcept {
            auto& self = static_cast<read_awaiter&>(op);
            if (fd < 0) {
                self.err_ = detail::closed_locally;
                return true;
            }
            for (;;) {
                const ssize_t n = ::recv(fd, self.buf_.data(), self.buf_.size(), 0);
                if (n > 0) {
                    self.n_ = static_cast<std::size_t>(n);
                    return true;
                }
                if (n == 0) {
                    self.err_ = 0;
                    return true;
                }
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
                self.err_ = errno;
                return true;
            }
        }

        // The loop and the waiter block, not the stream: the stream may move while this waits.
        event_loop* loop_;
        detail::fd_waiters* w_;
        mutable_bytes buf_;
        std::size_t n_ = 0;
        int err_ = 0;
    };

    class write_awaiter : detail::io_operation {
    public:
        write_awaiter(tcp_stream& s, std::span<const bytes_view> buffers) noexcept
            : loop_(s.loop_), w_(s.waiters_.get()), buffers_(buffers) {
            step = &attempt;
        }
        write_awaiter(tcp_stream& s, bytes_view one) noexcept
            : loop_(s.loop_), w_(s.waiters_.get()), one_(one), single_(true) {
            step = &attempt;
        }
        write_awaiter(const write_awaiter&) = delete;
        write_awaiter& operator=(const write_awaiter&) = delete;
        ~write_awaiter() {
            if (registered) loop_->cancel_io(w_->writer);
        }

        bool await_ready() noexcept { return attempt(*this, w_ != nullptr ? w_->fd : -1); }
        void await_suspend(std::coroutine_handle<> h) { loop_->wait_io(w_->writer, *this, h); }
        result<void> await_resume() const {
            if (err_ == no_error) return ok();
            return detail::stream_error("send", err_);
        }

    private:
        static constexpr int no_error = -2;
        // The single-buffer view is taken here, not at construction, so the awaiter may be moved
        // into the coroutine frame without leaving a span pointing at the old copy.
        std::span<const bytes_view> buffers() const noexcept {
            return single_ ? std::span<const bytes_view>(&one_, 1) : buffers_;
        }

        static bool attempt(detail::io_operation& op, int fd) noexcept {
            auto& self = static_cast<write_awaiter&>(op);
            const auto bufs = self.buffers();
            for (;;) {
                while (self.index_ < bufs.size() && bufs[self.index_].size() == self.offset_) {
                    ++self.index_;
                    self.offset_ = 0;
                }
                if (self.index_ == bufs.size()) {
                    self.err_ = no_error;
                    return true;
                }
                if (fd < 0) {
                    self.err_ = detail::closed_locally;
                    return true;
                }
                iovec iov[64];
                std::size_t count = 0;
                for (std::size_t i = self.index_; i < bufs.size() && count < 64; ++i) {
                    const std::size_t skip = i == self.index_ ? self.offset_ : 0;
                    if (bufs[i].size() == skip) continue;
                    iov[count].iov_base = const_cast<byte*>(bufs[i].data() + skip);
                    iov[count].iov_len = bufs[i].size() - skip;
                    ++count;
                }
                msghdr msg{};
                msg.msg_iov = iov;
                msg.msg_iovlen = count;
                const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
                if (n < 0) {
                    if (errno == EINTR) continue;
                    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
                    self.err_ = errno;
                    return true;
                }
                std::size_t left = static_cast<std::size_t>(n);
                while (left > 0) {
                    const std::size_t avail = bufs[self.index_].size() - self.offset_;
                    if (left >= avail) {
                        left -= avail;
                        ++self.index_;
                        self.offset_ = 0;
                    } else {
                        self.offset_ += left;
                        left = 0;
                    }
                }
            }
        }

        event_loop* loop_;
        detail::fd_waiters* w_;
        std::span<const bytes_view> buffers_;
        bytes_view one_;
        bool single_ = false;
        std::size_t index_ = 0;
        std::size_t offset_ = 0;
        int err_ = no_error;
    };

    // `co_await s.async_read_some(buf)` -> result<size_t>: at least one byte; the end of the
    // stream is errc::connection_lost. One read at a time.
    read_awaiter async_read_some(mutable_bytes buf) noexcept { return read_awaiter(*this, buf); }
    // `co_await s.async_write(...)` -> result<void>: every byte of every buffer, in order, without
    // copying them together. The buffers (and the span) must outlive the write. One write at a time.
    write_awaiter async_write(bytes_view bytes) noexcept { return write_awaiter(*this, bytes); }
    write_awaiter async_write(std::span<const bytes_view> buffers) noexcept { return write_awaiter(*this, buffers); }

    // The names the producer engine's runtime concept uses.
    read_awaiter read_some(mutable_bytes buf) noexcept { return async_read_some(buf); }
    write_awaiter write(std::span<const bytes_view> buffers) noexcept { return async_write(buffers); }

private:
    event_loop* loop_ = nullptr;
    std::unique_ptr<detail::fd_waiters> waiters_;
};

KCORO_NAMESPACE_END
