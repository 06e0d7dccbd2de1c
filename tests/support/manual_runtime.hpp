// A runtime for the producer engine whose clock moves only when the test moves it: virtual time,
// timers, a ready queue and in-memory byte streams to listeners the test registers. It satisfies
// kcoro::engine_runtime, runs everything on the calling thread and in an order that depends on
// nothing but the test, so a test can say "the batch reaches the broker exactly 5 ms after the
// first append" and mean it.
//
//   manual_loop loop;                     the state: clock, ready queue, timed events, listeners
//   manual_runtime rt(loop);              what the engine is given (a handle; copies share the loop)
//   loop.listen("127.0.0.1", 9092, fn)    fn(server_end) takes each accepted connection
//   loop.advance(5ms) / loop.run_until(pred, limit)
//
// Nothing here reads a real clock, starts a thread or touches a socket.
#pragma once

#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kcoro_test {

using steady_time = kcoro::steady_time;
using namespace std::chrono_literals;

class manual_loop;

// One direction-pair of an in-memory connection. The client end is the engine's stream; the
// server end is driven by callbacks (a fake broker), not by coroutines.
struct memory_pipe {
    manual_loop* loop = nullptr;
    std::vector<kcoro::byte> to_client;
    std::size_t to_client_read = 0;
    std::coroutine_handle<> client_reader;
    bool client_closed = false;  // the client closed its end
    bool server_closed = false;  // the server closed its end: the client reads end of stream
    std::function<void(kcoro::bytes_view)> on_client_bytes;  // the server's reader
    std::function<void()> on_client_close;

    // From the server: bytes for the client to read, or the end of the stream.
    void send_to_client(kcoro::bytes_view b);
    void close_from_server();
};

// The state behind manual_runtime: what time it is and what is due.
class manual_loop {
public:
    using accept_fn = std::function<void(std::shared_ptr<memory_pipe>)>;
    // How a connect to an address without a listener fails.
    enum class unreachable { refused, no_such_host, black_hole };

    manual_loop() = default;
    manual_loop(const manual_loop&) = delete;
    manual_loop& operator=(const manual_loop&) = delete;
    ~manual_loop() {
        // The test's own coroutines that never finished, then (as kcoro's event loop does) what an
        // engine left suspended on this runtime: destroyed with it, before the state they refer to.
        test_frames_.destroy_suspended();
        teardown_.run_all();
    }

    steady_time now() const noexcept { return now_; }
    // The wall clock moves with the virtual steady clock, from wall_epoch at the loop's start.
    std::chrono::system_clock::time_point wall_now() const noexcept {
        return wall_epoch + std::chrono::duration_cast<std::chrono::system_clock::duration>(now_ - start);
    }
    static constexpr steady_time start = steady_time{} + 24h;  // far from the clock's epoch, like a real steady clock
    static constexpr std::chrono::system_clock::time_point wall_epoch =
        std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
    void post(std::coroutine_handle<> h) { ready_.push_back(h); }

    // A timed event: when it runs and, for events at the same time, in which order.
    using event_id = std::pair<steady_time, std::uint64_t>;

    // Runs fn at virtual time `at` (now, if `at` has passed), after what is already due then.
    event_id schedule(steady_time at, std::function<void()> fn) {
        const event_id id{at < now_ ? now_ : at, ++seq_};
        timed_.emplace(id, std::move(fn));
        return id;
    }
    void unschedule(const event_id& id) { timed_.erase(id); }

    // Resumes everything ready, including what that posts, without moving the clock. A runaway
    // (a coroutine that keeps posting itself) fails the test instead of hanging it.
    std::size_t run_ready() {
        std::size_t n = 0;
        while (!ready_.empty()) {
            auto h = ready_.front();
            ready_.pop_front();
            h.resume();
            if (++n > 1000000) {
                FAIL("manual_loop: more than a million resumptions at one instant (a busy loop)");
                break;
            }
        }
        resumed_ += n;
        return n;
    }

    // Runs everything due up to `t`, in time order, moving the clock to each event, then to `t`.
    void advance_to(steady_time t) {
        for (;;) {
            run_ready();
            if (timed_.empty() || timed_.begin()->first.first > t) break;
            fire_next();
        }
        if (t > now_) now_ = t;
        run_ready();
    }
    void advance(std::chrono::nanoseconds d) { advance_to(now_ + d); }

    // Runs events in time order until pred() holds or the clock would pass `limit`. True when pred() held.
    template <class Pred>
    bool run_until(Pred&& pred, std::chrono::nanoseconds limit) {
        const steady_time until = now_ + limit;
        for (;;) {
            run_ready();
            if (pred()) return true;
            if (timed_.empty() || timed_.begin()->first.first > until) {
                now_ = until;
                run_ready();
                return pred();
            }
            fire_next();
        }
    }

    // Runs until nothing is ready or due within `limit` (timers further out stay pending).
    void run_idle(std::chrono::nanoseconds limit = 1h) {
        const steady_time until = now_ + limit;
        for (;;) {
            run_ready();
            if (timed_.empty() || timed_.begin()->first.first > until) return;
            fire_next();
        }
    }

    // ---- the network ---------------------------------------------------------------------------

    void listen(std::string host, std::uint16_t port, accept_fn fn) { listeners_[{std::move(host), port}] = std::move(fn); }
    void unlisten(const std::string& host, std::uint16_t port) { listeners_.erase({host, port}); }
    void set_unreachable(const std::string& host, unreachable how) { unreachable_[host] = how; }
    std::uint64_t connect_attempts() const noexcept { return connects_; }

    // ---- what the engine may ask of a runtime beyond engine_runtime --------------------------

    void at_teardown(kcoro::teardown_list::hook& h) { teardown_.add(h); }
    std::size_t resumptions() const noexcept { return resumed_; }
    std::size_t pending_events() const noexcept { return timed_.size() + ready_.size(); }

    // For spawn(): the test coroutines alive on this loop.
    kcoro::detail::detached_scope& test_frames() noexcept { return test_frames_; }

private:
    friend class manual_runtime;

    void fire_next() {
        auto it = timed_.begin();
        if (it->first.first > now_) now_ = it->first.first;
        auto fn = std::move(it->second);
        timed_.erase(it);
        fn();
    }

    steady_time now_ = start;
    std::deque<std::coroutine_handle<>> ready_;
    std::map<event_id, std::function<void()>> timed_;
    std::uint64_t seq_ = 0;
    std::size_t resumed_ = 0;
    std::uint64_t connects_ = 0;
    std::map<std::pair<std::string, std::uint16_t>, accept_fn> listeners_;
    std::map<std::string, unreachable> unreachable_;
    kcoro::teardown_list teardown_;
    kcoro::detail::detached_scope test_frames_;
};

inline void memory_pipe::send_to_client(kcoro::bytes_view b) {
    if (client_closed || server_closed) return;
    to_client.insert(to_client.end(), b.begin(), b.end());
    if (auto h = std::exchange(client_reader, {})) loop->post(h);
}
inline void memory_pipe::close_from_server() {
    if (server_closed) return;
    server_closed = true;
    if (auto h = std::exchange(client_reader, {})) loop->post(h);
}

// The engine_runtime over a manual_loop.
class manual_runtime {
public:
    // `seed` fixes what random() returns: the same seed, the same sequence, in every run.
    explicit manual_runtime(manual_loop& loop, std::uint64_t seed = 42) noexcept : loop_(&loop), random_(seed) {}

    // A one-shot timer on virtual time. Destroying or cancelling it resumes a pending wait with false.
    class timer_type {
    public:
        explicit timer_type(manual_loop& loop) noexcept : loop_(&loop) {}
        timer_type(timer_type&& o) noexcept
            : loop_(o.loop_), armed_(std::exchange(o.armed_, false)), event_(o.event_), when_(o.when_), waiter_(std::exchange(o.waiter_, {})) {
            if (armed_) rearm();
        }
        timer_type& operator=(timer_type&&) = delete;
        timer_type(const timer_type&) = delete;
        ~timer_type() { cancel(); }

        struct awaiter {
            timer_type& t;
            steady_time when;
            bool await_ready() const noexcept { return t.loop_->now() >= when; }
            void await_suspend(std::coroutine_handle<> h) {
                t.cancelled_ = false;
                t.waiter_ = h;
                t.when_ = when;
                t.rearm();
            }
            bool await_resume() const noexcept { return !t.cancelled_; }
        };
        awaiter wait_until(steady_time when) noexcept {
            cancelled_ = false;
            return awaiter{*this, when};
        }
        void cancel() {
            if (!armed_) return;
            loop_->unschedule(event_);
            armed_ = false;
            cancelled_ = true;
            if (auto h = std::exchange(waiter_, {})) loop_->post(h);
        }

    private:
        void rearm() {
            if (armed_) loop_->unschedule(event_);
            armed_ = true;
            event_ = loop_->schedule(when_, [this] {
                armed_ = false;
                if (auto h = std::exchange(waiter_, {})) loop_->post(h);
            });
        }
        manual_loop* loop_;
        bool armed_ = false;
        manual_loop::event_id event_{};
        steady_time when_{};
        std::coroutine_handle<> waiter_;
        bool cancelled_ = false;
    };

    // The client end of an in-memory connection.
    class stream_type {
    public:
        explicit stream_type(std::shared_ptr<memory_pipe> p) noexcept : pipe_(std::move(p)) {}
        stream_type(stream_type&&) noexcept = default;
        stream_type& operator=(stream_type&&) noexcept = default;
        ~stream_type() { close(); }

        struct read_awaiter {
            memory_pipe* p;
            kcoro::mutable_bytes buf;
            bool await_ready() const noexcept { return available() || p->client_closed || p->server_closed; }
            void await_suspend(std::coroutine_handle<> h) noexcept { p->client_reader = h; }
            kcoro::result<std::size_t> await_resume() {
                if (p->client_closed) return kcoro::error(kcoro::errc::connection_lost, "socket closed");
                if (!available()) return kcoro::error(kcoro::errc::connection_lost, "the peer closed the connection");
                const std::size_t n = std::min(buf.size(), p->to_client.size() - p->to_client_read);
                std::memcpy(buf.data(), p->to_client.data() + p->to_client_read, n);
                p->to_client_read += n;
                if (p->to_client_read == p->to_client.size()) {
                    p->to_client.clear();
                    p->to_client_read = 0;
                }
                return n;
            }
            bool available() const noexcept { return p->to_client.size() > p->to_client_read; }
        };
        read_awaiter read_some(kcoro::mutable_bytes buf) noexcept { return read_awaiter{pipe_.get(), buf}; }

        // Hands the bytes to the server at the current virtual time, after what is ready now.
        struct write_awaiter {
            std::shared_ptr<memory_pipe> p;
            std::span<const kcoro::bytes_view> bufs;
            bool ok = true;
            bool await_ready() {
                if (p->client_closed || p->server_closed) {
                    ok = false;
                    return true;
                }
                std::vector<kcoro::byte> all;
                for (const auto& b : bufs) all.insert(all.end(), b.begin(), b.end());
                (void)p->loop->schedule(p->loop->now(), [pipe = p, bytes = std::move(all)] {
                    if (pipe->client_closed || pipe->server_closed) return;
                    // A copy: the server may replace its reader while it runs.
                    if (auto reader = pipe->on_client_bytes) reader(kcoro::bytes_view(bytes.data(), bytes.size()));
                });
                return true;
            }
            void await_suspend(std::coroutine_handle<>) noexcept {}
            kcoro::result<void> await_resume() const {
                if (!ok) return kcoro::error(kcoro::errc::connection_lost, "socket closed");
                return {};
            }
        };
        write_awaiter write(std::span<const kcoro::bytes_view> bufs) { return write_awaiter{pipe_, bufs}; }

        void close() {
            if (!pipe_ || pipe_->client_closed) return;
            pipe_->client_closed = true;
            if (auto h = std::exchange(pipe_->client_reader, {})) pipe_->loop->post(h);
            auto pipe = pipe_;
            (void)pipe_->loop->schedule(pipe_->loop->now(), [pipe] {
                if (auto on_close = pipe->on_client_close) on_close();
            });
        }

    private:
        std::shared_ptr<memory_pipe> pipe_;
    };

    // Completes on a later turn: with a stream when a listener takes host:port, else with the
    // error a real network would give (refused, no such host, or nothing until the timeout).
    struct connect_awaiter {
        manual_loop* loop;
        std::string host;
        std::uint16_t port;
        std::chrono::milliseconds timeout;
        std::optional<kcoro::result<stream_type>> out;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            ++loop->connects_;
            const std::string where = host + ":" + std::to_string(port);
            if (auto it = loop->listeners_.find({host, port}); it != loop->listeners_.end()) {
                auto pipe = std::make_shared<memory_pipe>();
                pipe->loop = loop;
                it->second(pipe);
                out.emplace(stream_type(std::move(pipe)));
                loop->post(h);
                return;
            }
            auto how = loop->unreachable_.find(host);
            const auto kind = how == loop->unreachable_.end() ? manual_loop::unreachable::refused : how->second;
            if (kind == manual_loop::unreachable::refused) {
                out.emplace(kcoro::error(kcoro::errc::connection_failed, "connect to " + where + ": Connection refused"));
                loop->post(h);
            } else if (kind == manual_loop::unreachable::no_such_host) {
                out.emplace(kcoro::error(kcoro::errc::resolve_failed, host + ": no such host"));
                loop->post(h);
            } else {
                out.emplace(kcoro::error(kcoro::errc::timed_out, "connect to " + where + " timed out"));
                (void)loop->schedule(loop->now() + timeout, [l = loop, h] { l->post(h); });
            }
        }
        kcoro::result<stream_type> await_resume() { return std::move(*out); }
    };

    steady_time now() const noexcept { return loop_->now(); }
    std::chrono::system_clock::time_point wall_now() const noexcept { return loop_->wall_now(); }
    std::uint64_t random() noexcept { return random_.next(); }
    void post(std::coroutine_handle<> h) { loop_->post(h); }
    timer_type make_timer() { return timer_type(*loop_); }
    connect_awaiter connect(std::string_view host, std::uint16_t port, std::chrono::milliseconds timeout) {
        return connect_awaiter{loop_, std::string(host), port, timeout, std::nullopt};
    }
    void at_teardown(kcoro::teardown_list::hook& h) { loop_->at_teardown(h); }
    manual_loop& loop() noexcept { return *loop_; }

private:
    manual_loop* loop_;
    kcoro::detail::splitmix64 random_;
};

static_assert(kcoro::engine_runtime<manual_runtime>);

// A coroutine a test starts on the loop and whose value it reads once the loop has run it to its end.
template <class T>
struct spawned {
    std::optional<T> value;
    bool done() const noexcept { return value.has_value(); }
};

namespace detail {
template <class T>
kcoro::detail::detached_task run_into(kcoro::task<T> t, std::shared_ptr<spawned<T>> out) {
    out->value.emplace(co_await std::move(t));
}
inline kcoro::detail::detached_task run_void(kcoro::task<void> t, std::shared_ptr<spawned<bool>> out) {
    co_await std::move(t);
    out->value.emplace(true);
}
}  // namespace detail

// Starts `t` on the loop's next turn; read the outcome from the returned object once done(). One
// that has not ended when the loop is destroyed is destroyed with it.
template <class T>
std::shared_ptr<spawned<T>> spawn(manual_loop& loop, kcoro::task<T> t) {
    auto out = std::make_shared<spawned<T>>();
    kcoro::detail::start_detached(loop, loop.test_frames(), detail::run_into(std::move(t), out));
    return out;
}
inline std::shared_ptr<spawned<bool>> spawn(manual_loop& loop, kcoro::task<void> t) {
    auto out = std::make_shared<spawned<bool>>();
    kcoro::detail::start_detached(loop, loop.test_frames(), detail::run_void(std::move(t), out));
    return out;
}

}  // namespace kcoro_test
