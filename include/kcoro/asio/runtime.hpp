// asio_runtime: the engine_runtime (runtime/runtime_concepts.hpp) for any Asio executor - an
// io_context's, a strand, a thread pool's. Timers are asio::steady_timer, streams
// asio::ip::tcp::socket, and every completion runs on the executor given at construction.
//
// The awaiters bridge Asio completion handlers to coroutine handles without allocating anything
// themselves: each awaiter lives in the suspended coroutine's frame, holds the outcome, and the
// completion handler (a lambda holding one pointer, which fits Asio's recycled operation memory)
// stores it there and resumes the coroutine as its last action. A handler never outlives the
// awaiter it points to: the coroutine stays suspended until that handler runs.
//
// Error-code overloads are used throughout; the only Asio calls that could throw are those that
// Asio offers no error_code form for (timer expiry/cancel), which fail only on a broken system.
// With -fno-exceptions, Asio (1.22 and later) needs ASIO_NO_EXCEPTIONS, which this header defines
// when it includes Asio first, and a definition of asio::detail::throw_exception from the program:
//     namespace asio::detail { template <class E> void throw_exception(const E&) { std::abort(); } }
//
// Names: numeric IPv4/IPv6 addresses are connected to directly, with no resolution. Other names
// go to asio::ip::tcp::resolver, which runs getaddrinfo on a thread of Asio's own (one per
// execution context, started by Asio at the first lookup); pass addresses to avoid it.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../detail/splitmix64.hpp"
#include "../error.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../result.hpp"
#include "../runtime/teardown_list.hpp"

#if !KCORO_HAS_EXCEPTIONS && !defined(ASIO_NO_EXCEPTIONS)
#define ASIO_NO_EXCEPTIONS 1
#endif
#include <asio.hpp>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

KCORO_NAMESPACE_BEGIN

namespace detail {

// A span of byte views seen as an Asio ConstBufferSequence, so that one async_write gathers them
// all without copying the views (let alone the bytes) anywhere.
class asio_gather_buffers {
public:
    class const_iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = asio::const_buffer;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = asio::const_buffer;

        const_iterator() noexcept = default;
        explicit const_iterator(const bytes_view* p) noexcept : p_(p) {}

        asio::const_buffer operator*() const noexcept { return asio::const_buffer(p_->data(), p_->size()); }
        asio::const_buffer operator[](difference_type n) const noexcept { return *(*this + n); }
        const_iterator& operator++() noexcept {
            ++p_;
            return *this;
        }
        const_iterator operator++(int) noexcept { return const_iterator(p_++); }
        const_iterator& operator--() noexcept {
            --p_;
            return *this;
        }
        const_iterator operator--(int) noexcept { return const_iterator(p_--); }
        const_iterator& operator+=(difference_type n) noexcept {
            p_ += n;
            return *this;
        }
        const_iterator& operator-=(difference_type n) noexcept {
            p_ -= n;
            return *this;
        }
        friend const_iterator operator+(const_iterator i, difference_type n) noexcept { return i += n; }
        friend const_iterator operator+(difference_type n, const_iterator i) noexcept { return i += n; }
        friend const_iterator operator-(const_iterator i, difference_type n) noexcept { return i -= n; }
        friend difference_type operator-(const_iterator a, const_iterator b) noexcept { return a.p_ - b.p_; }
        friend bool operator==(const_iterator a, const_iterator b) noexcept { return a.p_ == b.p_; }
        friend auto operator<=>(const_iterator a, const_iterator b) noexcept { return a.p_ <=> b.p_; }

    private:
        const bytes_view* p_ = nullptr;
    };
    using value_type = asio::const_buffer;

    explicit asio_gather_buffers(std::span<const bytes_view> views) noexcept : views_(views) {}
    const_iterator begin() const noexcept { return const_iterator(views_.data()); }
    const_iterator end() const noexcept { return const_iterator(views_.data() + views_.size()); }

private:
    std::span<const bytes_view> views_;
};

// Runs kcoro's teardown hooks when its execution context shuts down (an io_context being
// destroyed): a producer destroyed while its coroutines were still suspended on the context leaves
// a hook here. Added after the context's own services, it is shut down before them, while the
// timers and sockets those coroutines wait on still work; Asio then destroys the handlers of their
// cancelled operations without running them.
class asio_teardown_service : public asio::execution_context::service {
public:
    using key_type = asio_teardown_service;
    inline static asio::execution_context::id id;

    explicit asio_teardown_service(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}
    void add(teardown_list::hook& h) noexcept { hooks_.add(h); }

private:
    void shutdown() override { hooks_.run_all(); }
    teardown_list hooks_;
};

inline error asio_io_error(const std::error_code& ec) {
    if (ec == asio::error::eof) return error(errc::connection_lost, "the peer closed the connection");
    if (ec == asio::error::operation_aborted) return error(errc::connection_lost, "the connection was closed");
    return error(errc::connection_lost, ec.message());
}

}  // namespace detail

class asio_runtime {
public:
    // A one-shot steady_timer. wait_until() may be called again after each wait ends; one wait at a
    // time. Moving or destroying the timer while a wait is pending is safe: a destroyed timer
    // resumes its waiter with false.
    class timer_type {
    public:
        explicit timer_type(const asio::any_io_executor& ex) : timer_(ex) {}
        timer_type(timer_type&& o) noexcept : timer_(std::move(o.timer_)), waiting_(std::exchange(o.waiting_, nullptr)) {
            if (waiting_ != nullptr) waiting_->timer_ = this;
        }
        timer_type& operator=(timer_type&&) = delete;
        timer_type(const timer_type&) = delete;
        timer_type& operator=(const timer_type&) = delete;
        ~timer_type() {
            if (waiting_ != nullptr) {
                waiting_->timer_ = nullptr;
                waiting_->cancelled_ = true;
            }
            // asio::steady_timer's destructor cancels the wait; its handler still runs, later.
        }

        class awaiter {
        public:
            awaiter(timer_type& t, steady_time when) noexcept : timer_(&t), when_(when) {}
            awaiter(const awaiter&) = delete;
            awaiter& operator=(const awaiter&) = delete;
            // Destroyed while waiting (its coroutine's frame destroyed as an execution context shuts
            // down, whose handlers then never run): the timer forgets it.
            ~awaiter() {
                if (timer_ != nullptr && timer_->waiting_ == this) timer_->waiting_ = nullptr;
            }

            bool await_ready() const noexcept { return std::chrono::steady_clock::now() >= when_; }
            void await_suspend(std::coroutine_handle<> h) {
                handle_ = h;
                timer_->waiting_ = this;
                timer_->timer_.expires_at(when_);
                timer_->timer_.async_wait([this](const std::error_code& ec) {
                    if (ec) cancelled_ = true;
                    if (timer_ != nullptr) timer_->waiting_ = nullptr;
                    timer_ = nullptr;
                    handle_.resume();  // last: the awaiter may be gone after this
                });
            }
            // true: the deadline passed; false: cancel() (or the timer's destruction) ended the wait.
            bool await_resume() const noexcept { return !cancelled_; }

        private:
            friend class timer_type;
            timer_type* timer_;
            steady_time when_;
            std::coroutine_handle<> handle_;
            bool cancelled_ = false;
        };

        awaiter wait_until(steady_time when) noexcept { return awaiter(*this, when); }

        // Resumes a pending wait with false, even when its deadline has already passed but its
        // completion has not run yet. Without a pending wait it does nothing.
        void cancel() {
            if (waiting_ == nullptr) return;
            waiting_->cancelled_ = true;
            timer_.cancel();
        }

        asio::steady_timer& native() noexcept { return timer_; }

    private:
        asio::steady_timer timer_;
        awaiter* waiting_ = nullptr;
    };

    // A connected TCP socket. Move-only. One read and one write may be pending at a time; the
    // buffers passed to them must stay valid until the co_await returns.
    class stream_type {
    public:
        explicit stream_type(asio::ip::tcp::socket s) noexcept : socket_(std::move(s)) {}
        stream_type(stream_type&&) noexcept = default;
        stream_type& operator=(stream_type&&) noexcept = default;
        stream_type(const stream_type&) = delete;
        stream_type& operator=(const stream_type&) = delete;

        class read_awaiter {
        public:
            read_awaiter(asio::ip::tcp::socket& s, mutable_bytes buf) noexcept : socket_(&s), buf_(buf) {}
            read_awaiter(const read_awaiter&) = delete;
            read_awaiter& operator=(const read_awaiter&) = delete;

            bool await_ready() const noexcept { return buf_.empty(); }
            void await_suspend(std::coroutine_handle<> h) {
                handle_ = h;
                socket_->async_read_some(asio::buffer(buf_.data(), buf_.size()),
                                         [this](const std::error_code& ec, std::size_t n) {
                                             ec_ = ec;
                                             n_ = n;
                                             handle_.resume();  // last: the awaiter may be gone after this
                                         });
            }
            // At least one byte, or an error: end of stream is errc::connection_lost.
            result<std::size_t> await_resume() const {
                if (buf_.empty()) return error(errc::connection_lost, "read_some needs a non-empty buffer");
                if (ec_) return detail::asio_io_error(ec_);
                if (n_ == 0) return error(errc::connection_lost, "the peer closed the connection");
                return n_;
            }

        private:
            asio::ip::tcp::socket* socket_;
            mutable_bytes buf_;
            std::coroutine_handle<> handle_;
            std::error_code ec_;
            std::size_t n_ = 0;
        };

        class write_awaiter {
        public:
            write_awaiter(asio::ip::tcp::socket& s, std::span<const bytes_view> bufs) noexcept : socket_(&s), bufs_(bufs) {}
            write_awaiter(const write_awaiter&) = delete;
            write_awaiter& operator=(const write_awaiter&) = delete;

            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<> h) {
                handle_ = h;
                asio::async_write(*socket_, bufs_, [this](const std::error_code& ec, std::size_t) {
                    ec_ = ec;
                    handle_.resume();  // last: the awaiter may be gone after this
                });
            }
            result<void> await_resume() const {
                if (ec_) return detail::asio_io_error(ec_);
                return {};
            }

        private:
            asio::ip::tcp::socket* socket_;
            detail::asio_gather_buffers bufs_;
            std::coroutine_handle<> handle_;
            std::error_code ec_;
        };

        // Reads what is available, at least one byte.
        read_awaiter read_some(mutable_bytes buf) noexcept { return read_awaiter(socket_, buf); }
        // Writes every byte of every view, in order, with one gathering async_write.
        write_awaiter write(std::span<const bytes_view> bufs) noexcept { return write_awaiter(socket_, bufs); }
        // Closes the socket; a pending read or write then completes with errc::connection_lost.
        void close() noexcept {
            std::error_code ignored;
            socket_.close(ignored);
        }
        bool is_open() const noexcept { return socket_.is_open(); }
        asio::ip::tcp::socket& socket() noexcept { return socket_; }

    private:
        asio::ip::tcp::socket socket_;
    };

    // Resolves (names only), connects to the first address that accepts within `timeout` (which
    // covers resolution and every attempt), and sets TCP_NODELAY. Yields result<stream_type>:
    // errc::resolve_failed, errc::connection_failed or errc::timed_out on failure.
    class connect_awaiter {
    public:
        connect_awaiter(const asio::any_io_executor& ex, std::string_view host, std::uint16_t port,
                        std::chrono::milliseconds timeout)
            : host_(host), port_(port), timeout_(timeout), resolver_(ex), socket_(ex), deadline_(ex) {}
        connect_awaiter(const connect_awaiter&) = delete;
        connect_awaiter& operator=(const connect_awaiter&) = delete;

        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            handle_ = h;
            // The deadline races the resolve and connect; the coroutine resumes only once both the
            // deadline's handler and the connect chain's last handler have run.
            outstanding_ = 2;
            deadline_.expires_after(timeout_);
            deadline_.async_wait([this](const std::error_code& ec) {
                if (!ec && !done_) {
                    timed_out_ = true;
                    resolver_.cancel();
                    std::error_code ignored;
                    socket_.close(ignored);
                }
                finish_one();
            });
            std::error_code ec;
            const asio::ip::address literal = asio::ip::make_address(host_, ec);
            if (!ec) {
                literal_ = asio::ip::tcp::endpoint(literal, port_);
                asio::async_connect(socket_, std::span<const asio::ip::tcp::endpoint>(&literal_, 1),
                                    [this](const std::error_code& e, const asio::ip::tcp::endpoint&) { connected(e); });
                return;
            }
            resolver_.async_resolve(host_, std::to_string(port_), asio::ip::resolver_base::numeric_service,
                                    [this](const std::error_code& e, asio::ip::tcp::resolver::results_type r) {
                                        resolved(e, std::move(r));
                                    });
        }
        result<stream_type> await_resume() {
            if (timed_out_)
                return error(errc::timed_out, "connect to " + host_ + ":" + std::to_string(port_) + " timed out after " +
                                                  std::to_string(timeout_.count()) + " ms");
            if (err_) return std::move(err_);
            std::error_code ignored;
            socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
            return stream_type(std::move(socket_));
        }

    private:
        void resolved(const std::error_code& ec, asio::ip::tcp::resolver::results_type results) {
            if (ec || timed_out_) {
                if (!timed_out_) err_ = error(errc::resolve_failed, "'" + host_ + "': " + ec.message());
                done();
                return;
            }
            results_ = std::move(results);
            asio::async_connect(socket_, results_,
                                [this](const std::error_code& e, const asio::ip::tcp::endpoint&) { connected(e); });
        }
        void connected(const std::error_code& ec) {
            if (ec && !timed_out_)
                err_ = error(errc::connection_failed, "connect to " + host_ + ":" + std::to_string(port_) + ": " + ec.message());
            done();
        }
        void done() {
            done_ = true;
            deadline_.cancel();  // its handler sees done_ (or an aborted wait) and leaves the socket alone
            finish_one();
        }
        void finish_one() {
            if (--outstanding_ == 0) handle_.resume();  // last: the awaiter may be gone after this
        }

        std::string host_;
        std::uint16_t port_;
        std::chrono::milliseconds timeout_;
        asio::ip::tcp::resolver resolver_;
        asio::ip::tcp::socket socket_;
        asio::steady_timer deadline_;
        asio::ip::tcp::endpoint literal_;
        asio::ip::tcp::resolver::results_type results_;
        std::coroutine_handle<> handle_;
        error err_;
        int outstanding_ = 0;
        bool done_ = false;
        bool timed_out_ = false;
    };

    explicit asio_runtime(asio::any_io_executor ex) noexcept : ex_(std::move(ex)) {}

    steady_time now() const noexcept { return std::chrono::steady_clock::now(); }
    // For record timestamps.
    std::chrono::system_clock::time_point wall_now() const noexcept { return std::chrono::system_clock::now(); }
    // For jitter and seeds: a generator seeded once, from the system's entropy, at construction.
    std::uint64_t random() noexcept { return random_.next(); }
    // Resumes h later on the executor, never inline.
    void post(std::coroutine_handle<> h) {
        asio::post(ex_, [h] { h.resume(); });
    }
    timer_type make_timer() { return timer_type(ex_); }
    connect_awaiter connect(std::string_view host, std::uint16_t port, std::chrono::milliseconds timeout) {
        return connect_awaiter(ex_, host, port, timeout);
    }
    const asio::any_io_executor& executor() const noexcept { return ex_; }
    // Runs the hook when the executor's execution context shuts down (see runtime/teardown_list.hpp).
    void at_teardown(teardown_list::hook& h) {
        asio::execution_context& ctx = asio::query(ex_, asio::execution::context);
        asio::use_service<detail::asio_teardown_service>(ctx).add(h);
    }

private:
    asio::any_io_executor ex_;
    detail::splitmix64 random_{detail::entropy_seed()};
};

static_assert(engine_runtime<asio_runtime>);

KCORO_NAMESPACE_END
