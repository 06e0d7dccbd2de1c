// The Asio adapter: the same producer on any Asio executor, with sends as Asio asynchronous
// operations, so that inside an asio::awaitable coroutine
//
//     auto md = co_await producer.async_send(rec, asio::use_awaitable);   // kcoro::delivery_result
//
// works, and so do callbacks, asio::deferred and futures. Include this header (it is not part of
// kcoro.hpp) and link kcoro::asio. Standalone Asio (ASIO_STANDALONE); no exception is needed to
// report an outcome: errors arrive as values in the delivery_result.
#pragma once

#include "kcoro.hpp"

#include <asio.hpp>

#include <chrono>
#include <coroutine>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

// The engine_runtime for an Asio executor: timers are asio::steady_timer, streams
// asio::ip::tcp::socket, names resolve with asio's asynchronous resolver.
class asio_runtime {
public:
    class timer_type {
    public:
        explicit timer_type(const asio::any_io_executor& ex) : timer_(std::make_unique<asio::steady_timer>(ex)) {}

        struct awaiter {
            timer_type& t;
            steady_time when;
            bool expired = true;
            bool await_ready() const noexcept { return std::chrono::steady_clock::now() >= when; }
            void await_suspend(std::coroutine_handle<> h) {
                t.timer_->expires_at(when);
                t.timer_->async_wait([this, h](const std::error_code& ec) {
                    expired = !ec;
                    h.resume();
                });
            }
            bool await_resume() const noexcept { return expired; }
        };
        awaiter wait_until(steady_time when) { return awaiter{*this, when}; }
        void cancel() { timer_->cancel(); }

    private:
        std::unique_ptr<asio::steady_timer> timer_;
    };

    class stream_type {
    public:
        explicit stream_type(asio::ip::tcp::socket s) : socket_(std::make_unique<asio::ip::tcp::socket>(std::move(s))) {}

        struct read_awaiter {
            asio::ip::tcp::socket& s;
            mutable_bytes buf;
            result<std::size_t> out = std::size_t{0};
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<> h) {
                s.async_read_some(asio::buffer(buf.data(), buf.size()), [this, h](const std::error_code& ec, std::size_t n) {
                    if (ec == asio::error::eof) out = error(errc::connection_lost, "the peer closed the connection");
                    else if (ec) out = error(errc::connection_lost, ec.message());
                    else out = n;
                    h.resume();
                });
            }
            result<std::size_t> await_resume() { return std::move(out); }
        };
        read_awaiter read_some(mutable_bytes buf) { return read_awaiter{*socket_, buf}; }

        struct write_awaiter {
            asio::ip::tcp::socket& s;
            std::vector<asio::const_buffer> bufs;
            result<void> out;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<> h) {
                asio::async_write(s, bufs, [this, h](const std::error_code& ec, std::size_t) {
                    if (ec) out = error(errc::connection_lost, ec.message());
                    h.resume();
                });
            }
            result<void> await_resume() { return std::move(out); }
        };
        write_awaiter write(std::span<const bytes_view> buffers) {
            write_awaiter w{*socket_, {}, {}};
            for (auto b : buffers) w.bufs.emplace_back(b.data(), b.size());
            return w;
        }

        void close() {
            std::error_code ignored;
            socket_->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
            socket_->close(ignored);
        }

    private:
        std::unique_ptr<asio::ip::tcp::socket> socket_;
    };

    explicit asio_runtime(asio::any_io_executor ex) : ex_(std::move(ex)) {}

    steady_time now() const noexcept { return std::chrono::steady_clock::now(); }
    void post(std::coroutine_handle<> h) { asio::post(ex_, [h] { h.resume(); }); }
    timer_type make_timer() { return timer_type(ex_); }
    const asio::any_io_executor& executor() const noexcept { return ex_; }

    task<result<stream_type>> connect(std::string_view host, std::uint16_t port, std::chrono::milliseconds timeout) {
        return connect_impl(ex_, std::string(host), port, timeout);
    }

private:
    struct resolve_awaiter {
        asio::ip::tcp::resolver& r;
        std::string host;
        std::string port;
        std::error_code ec;
        asio::ip::tcp::resolver::results_type results;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            r.async_resolve(host, port, [this, h](const std::error_code& e, asio::ip::tcp::resolver::results_type res) {
                ec = e;
                results = std::move(res);
                h.resume();
            });
        }
        void await_resume() const noexcept {}
    };
    struct connect_awaiter {
        asio::ip::tcp::socket& s;
        asio::ip::tcp::endpoint ep;
        std::error_code ec;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            s.async_connect(ep, [this, h](const std::error_code& e) {
                ec = e;
                h.resume();
            });
        }
        void await_resume() const noexcept {}
    };

    static task<result<stream_type>> connect_impl(asio::any_io_executor ex, std::string host, std::uint16_t port,
                                                  std::chrono::milliseconds timeout) {
        asio::ip::tcp::resolver resolver(ex);
        resolve_awaiter ra{resolver, host, std::to_string(port), {}, {}};
        co_await ra;
        if (ra.ec) co_return error(errc::resolve_failed, host + ": " + ra.ec.message());
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        error last(errc::connection_failed, "no address for " + host);
        for (const auto& entry : ra.results) {
            // The deadline closes the socket, which completes the connect with an error. The timer's
            // handler may run after this iteration, so it holds the socket by shared_ptr.
            auto socket = std::make_shared<asio::ip::tcp::socket>(ex);
            auto timed_out = std::make_shared<bool>(false);
            asio::steady_timer timer(ex);
            timer.expires_at(deadline);
            timer.async_wait([timed_out, socket](const std::error_code& ec) {
                if (!ec) {
                    *timed_out = true;
                    std::error_code ignored;
                    socket->close(ignored);
                }
            });
            connect_awaiter ca{*socket, entry.endpoint(), {}};
            co_await ca;
            // Cancelling posts the timer's handler; it sees an error and leaves the socket alone.
            timer.cancel();
            if (*timed_out) {
                last = error(errc::timed_out, "connect to " + host + ":" + std::to_string(port) + " timed out");
                break;
            }
            if (ca.ec) {
                last = error(errc::connection_failed, "connect to " + host + ":" + std::to_string(port) + ": " + ca.ec.message());
                continue;
            }
            std::error_code ignored;
            socket->set_option(asio::ip::tcp::no_delay(true), ignored);
            co_return stream_type(std::move(*socket));
        }
        co_return last;
    }

    asio::any_io_executor ex_;
};

static_assert(engine_runtime<asio_runtime>);

// A producer on an Asio executor. Everything of kcoro::basic_producer is reachable with `->`;
// the async_ functions are Asio asynchronous operations taking any completion token.
template <class Key = std::string_view, class Value = std::string_view, class Partitioner = default_partitioner,
          class KeySerializer = default_serializer<Key>, class ValueSerializer = default_serializer<Value>>
class asio_producer {
public:
    using engine_type = basic_producer<asio_runtime, Key, Value, Partitioner, KeySerializer, ValueSerializer>;
    using record_type = typename engine_type::record_type;

    static result<asio_producer> create(asio::any_io_executor ex, producer_config config) {
        auto p = engine_type::create(asio_runtime(ex), std::move(config));
        if (!p) return std::move(p).err();
        return asio_producer(std::move(*p));
    }

    engine_type* operator->() noexcept { return engine_.get(); }
    engine_type& engine() noexcept { return *engine_; }

    // Completes with the record's delivery_result once the broker has acknowledged it (or it
    // failed). The record's views must stay valid until the operation completes.
    template <class CompletionToken>
    auto async_send(const record_type& rec, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(delivery_result)>(
            [this](auto handler, const record_type* r) {
                detail::start_detached(engine_->runtime(), send_then_complete(*engine_, r, std::move(handler)));
            },
            token, &rec);
    }

    // Completes once every record so far is acknowledged or failed.
    template <class CompletionToken>
    auto async_flush(CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void()>(
            [this](auto handler) { detail::start_detached(engine_->runtime(), flush_then_complete(*engine_, std::move(handler))); },
            token);
    }

    // Delivers or fails every record within `timeout`, then completes with the close result.
    template <class CompletionToken>
    auto async_close(std::chrono::milliseconds timeout, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(result<void>)>(
            [this, timeout](auto handler) {
                detail::start_detached(engine_->runtime(), close_then_complete(*engine_, timeout, std::move(handler)));
            },
            token);
    }

private:
    explicit asio_producer(std::unique_ptr<engine_type> e) : engine_(std::move(e)) {}

    template <class Handler>
    static detail::detached_task send_then_complete(engine_type& p, const record_type* rec, Handler handler) {
        auto r = co_await p.send(*rec);
        auto ex = asio::get_associated_executor(handler, p.runtime().executor());
        asio::dispatch(ex, [h = std::move(handler), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
    }
    template <class Handler>
    static detail::detached_task flush_then_complete(engine_type& p, Handler handler) {
        co_await p.flush();
        auto ex = asio::get_associated_executor(handler, p.runtime().executor());
        asio::dispatch(ex, [h = std::move(handler)]() mutable { std::move(h)(); });
    }
    template <class Handler>
    static detail::detached_task close_then_complete(engine_type& p, std::chrono::milliseconds timeout, Handler handler) {
        auto r = co_await p.close(timeout);
        auto ex = asio::get_associated_executor(handler, p.runtime().executor());
        asio::dispatch(ex, [h = std::move(handler), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
    }

    std::unique_ptr<engine_type> engine_;
};

KCORO_NAMESPACE_END
