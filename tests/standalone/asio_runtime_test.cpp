// kcoro::asio_runtime on an asio::io_context run by this thread alone: TCP against an echo server
// that Asio runs in the same io_context, connect failures and timeouts, timers, cancellation and
// wake_signal - and no thread started by any of it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <kcoro/asio.hpp>

#include "../support/rdkafka_mock_cluster.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Counts C++ heap allocations (librdkafka's threads allocate too, hence atomic). Asio takes its
// operation memory from its own per-thread cache (aligned_alloc), outside this count.
std::atomic<long> g_allocations{0};
// Every replaceable non-aligned form is replaced, so that none is paired with another allocator's.
namespace {
void* counted_malloc(std::size_t n) noexcept {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n != 0 ? n : 1);
}
void* counted_new(std::size_t n) {
    if (void* p = counted_malloc(n)) return p;
    std::abort();
}
}  // namespace
void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace std::chrono_literals;
using kcoro::asio_runtime;
using kcoro::errc;
using kcoro::detail::detached_task;
using kcoro::detail::start_detached;
using clock_type = std::chrono::steady_clock;

namespace {

int thread_count() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/task")) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
    }
    return n;
}

int baseline_threads = 0;

// Runs the io_context until *done, failing (rather than hanging) if nothing happens for 10 s.
void drive(asio::io_context& io, const bool& done) {
    while (!done)
        if (io.run_one_for(10s) == 0) break;
    CHECK(done);
}

long long ms_since(clock_type::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t).count();
}

// An echo server on 127.0.0.1, written with plain Asio callbacks. close_on_accept makes it close
// each connection at once instead.
struct echo_server {
    asio::ip::tcp::acceptor acceptor;
    bool close_on_accept = false;
    std::vector<std::shared_ptr<asio::ip::tcp::socket>> sessions;

    explicit echo_server(asio::io_context& io, bool close_at_once = false)
        : acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0)), close_on_accept(close_at_once) {
        accept();
    }
    std::uint16_t port() const { return acceptor.local_endpoint().port(); }
    void stop() {
        std::error_code ignored;
        acceptor.close(ignored);
        for (auto& s : sessions) s->close(ignored);
    }

    void accept() {
        acceptor.async_accept([this](const std::error_code& ec, asio::ip::tcp::socket s) {
            if (ec) return;
            auto sp = std::make_shared<asio::ip::tcp::socket>(std::move(s));
            if (close_on_accept) {
                std::error_code ignored;
                sp->close(ignored);
            } else {
                sessions.push_back(sp);
                echo(sp, std::make_shared<std::array<char, 4096>>());
            }
            accept();
        });
    }
    static void echo(std::shared_ptr<asio::ip::tcp::socket> s, std::shared_ptr<std::array<char, 4096>> buf) {
        s->async_read_some(asio::buffer(*buf), [s, buf](const std::error_code& ec, std::size_t n) {
            if (ec) return;
            asio::async_write(*s, asio::buffer(buf->data(), n), [s, buf](const std::error_code& wec, std::size_t) {
                if (!wec) echo(s, buf);
            });
        });
    }
};

// ---- coroutines driven by the tests ----------------------------------------------------------

struct echo_outcome {
    bool done = false;
    bool connected = false;
    std::string connect_error;
    bool wrote = false;
    std::string received;
    int threads_while_connected = 0;
};

detached_task echo_roundtrip(asio_runtime* rt, std::string host, std::uint16_t port, std::vector<std::string>* parts,
                             echo_outcome* out) {
    auto s = co_await rt->connect(host, port, 5000ms);
    out->connected = s.has_value();
    if (!s) {
        out->connect_error = s.err().message();
        out->done = true;
        co_return;
    }
    out->threads_while_connected = thread_count();
    // Asio's default socket options must have been changed: TCP_NODELAY is on.
    asio::ip::tcp::no_delay nd;
    std::error_code opt_ec;
    s->socket().get_option(nd, opt_ec);
    CHECK_FALSE(opt_ec);
    CHECK(nd.value());

    std::vector<kcoro::bytes_view> views;
    std::size_t total = 0;
    for (const auto& p : *parts) {
        views.push_back(kcoro::as_bytes(p));
        total += p.size();
    }
    auto w = co_await s->write(views);
    out->wrote = w.has_value();
    std::vector<kcoro::byte> buf(8192);
    while (out->received.size() < total) {
        auto n = co_await s->read_some(kcoro::mutable_bytes(buf.data(), buf.size()));
        if (!n) break;
        CHECK(*n > 0);
        out->received.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    s->close();
    out->done = true;
}

struct connect_outcome {
    bool done = false;
    bool ok = false;
    errc kind = errc::none;
    std::string message;
    long long elapsed_ms = 0;
};

detached_task try_connect(asio_runtime* rt, std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
                          connect_outcome* out) {
    const auto start = clock_type::now();
    auto s = co_await rt->connect(host, port, timeout);
    out->elapsed_ms = ms_since(start);
    out->ok = s.has_value();
    if (!s) {
        out->kind = s.err().kind();
        out->message = s.err().message();
    }
    out->done = true;
}

struct read_outcome {
    bool done = false;
    bool ok = false;
    errc kind = errc::none;
    std::string message;
};

// Connects, then reads once: the server either closes (EOF) or another coroutine closes `*slot`.
detached_task connect_and_read(asio_runtime* rt, std::uint16_t port, std::optional<asio_runtime::stream_type>* slot,
                               read_outcome* out) {
    auto s = co_await rt->connect("127.0.0.1", port, 5000ms);
    CHECK(s.has_value());
    if (!s) {
        out->message = s.err().message();
        out->done = true;
        co_return;
    }
    slot->emplace(std::move(*s));
    std::array<kcoro::byte, 64> buf{};
    auto n = co_await (*slot)->read_some(kcoro::mutable_bytes(buf));
    out->ok = n.has_value();
    if (!n) {
        out->kind = n.err().kind();
        out->message = n.err().message();
    }
    out->done = true;
}

// Closes the stream once it exists and `delay` has passed (the reader is then suspended in read_some).
detached_task close_after(asio_runtime* rt, std::chrono::milliseconds delay, std::optional<asio_runtime::stream_type>* slot,
                          const read_outcome* reader) {
    auto t = rt->make_timer();
    const bool expired = co_await t.wait_until(rt->now() + delay);
    CHECK(expired);
    while (!slot->has_value() && !reader->done) (void)co_await t.wait_until(rt->now() + 5ms);
    if (slot->has_value()) (*slot)->close();
}

struct timer_outcome {
    bool done = false;
    bool expired = false;
    long long elapsed_ms = 0;
    bool on_time = false;  // resumed no earlier than its deadline
};

detached_task wait_timer(asio_runtime::timer_type* t, clock_type::time_point deadline, timer_outcome* out,
                         std::vector<int>* order, int id) {
    const auto start = clock_type::now();
    out->expired = co_await t->wait_until(deadline);
    out->on_time = clock_type::now() >= deadline;
    out->elapsed_ms = ms_since(start);
    if (order) order->push_back(id);
    out->done = true;
}

detached_task cancel_after(asio_runtime* rt, std::chrono::milliseconds delay, asio_runtime::timer_type* victim, bool* done) {
    auto t = rt->make_timer();
    const bool expired = co_await t.wait_until(rt->now() + delay);
    CHECK(expired);
    victim->cancel();
    *done = true;
}

// Two waiters on the same deadline: both complete in one pass of the reactor, so the second's
// completion is already queued when the first, once resumed, cancels it.
detached_task wait_then_cancel_other(asio_runtime::timer_type* mine, asio_runtime::timer_type* other,
                                     clock_type::time_point deadline, int* other_done, bool* result, int* done) {
    *result = co_await mine->wait_until(deadline);
    if (*other_done == 0) other->cancel();
    ++*other_done;
    ++*done;
}

struct signal_outcome {
    bool done = false;
    long long elapsed_ms = 0;
    clock_type::time_point woke_at{};
};

detached_task wait_signal(kcoro::detail::wake_signal<asio_runtime>* s, clock_type::time_point deadline, signal_outcome* out) {
    const auto start = clock_type::now();
    co_await s->wait_until(deadline);
    out->woke_at = clock_type::now();
    out->elapsed_ms = ms_since(start);
    out->done = true;
}

detached_task notify_after(asio_runtime* rt, std::chrono::milliseconds delay, kcoro::detail::wake_signal<asio_runtime>* s) {
    auto t = rt->make_timer();
    const bool expired = co_await t.wait_until(rt->now() + delay);
    CHECK(expired);
    s->notify();
}

detached_task set_flag(bool* flag) {
    *flag = true;
    co_return;
}

struct post_awaiter {
    asio_runtime* rt;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { rt->post(h); }
    void await_resume() const noexcept {}
};

struct steady_outcome {
    bool done = false;
    bool failed = false;
    long allocations = -1;
    int rounds = 0;
};

// Ping-pong between two connected streams, a timer wait and a post per round, one operation
// outstanding at a time; allocations are counted after a warm-up.
detached_task steady_state(asio_runtime* rt, asio_runtime::stream_type* a, asio_runtime::stream_type* b, steady_outcome* out) {
    auto t = rt->make_timer();
    const std::array<kcoro::bytes_view, 3> views{kcoro::as_bytes("ping "), kcoro::as_bytes("and "), kcoro::as_bytes("gathered")};
    constexpr std::string_view expected = "ping and gathered";
    std::array<kcoro::byte, 64> in{};
    long before = 0;
    for (int round = 0; round < 220 && !out->failed; ++round) {
        if (round == 20) before = g_allocations.load();
        for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
            auto w = co_await from->write(views);
            if (!w) out->failed = true;
            std::size_t got = 0;
            while (!out->failed && got < expected.size()) {
                auto n = co_await to->read_some(kcoro::mutable_bytes(in.data() + got, in.size() - got));
                if (!n) out->failed = true;
                else got += *n;
            }
            if (kcoro::as_string_view(kcoro::bytes_view(in.data(), got)) != expected) out->failed = true;
        }
        if (!co_await t.wait_until(rt->now() + 200us)) out->failed = true;
        co_await post_awaiter{rt};
        ++out->rounds;
    }
    out->allocations = g_allocations.load() - before;
    out->done = true;
}

}  // namespace

// ---- tests -----------------------------------------------------------------------------------

TEST_CASE("asio_runtime satisfies engine_runtime and post() never resumes inline") {
    static_assert(kcoro::engine_runtime<asio_runtime>);
    asio::io_context io;
    asio_runtime rt(io.get_executor());
    bool ran = false;
    start_detached(rt, set_flag(&ran));
    CHECK_FALSE(ran);
    drive(io, ran);
    CHECK(ran);
    const auto before = clock_type::now();
    const auto n = rt.now();
    CHECK(n >= before);
    CHECK(n <= clock_type::now());
}

TEST_CASE("echo: connect, gather-write three buffers, read everything back") {
    asio::io_context io;
    echo_server server(io);
    asio_runtime rt(io.get_executor());
    std::vector<std::string> parts{"hello, ", std::string(300 * 1024, 'x'), "gathered world"};
    for (std::size_t i = 0; i < parts[1].size(); ++i) parts[1][i] = static_cast<char>('a' + i % 26);
    echo_outcome out;
    start_detached(rt, echo_roundtrip(&rt, "127.0.0.1", server.port(), &parts, &out));
    drive(io, out.done);
    server.stop();
    io.run();
    CHECK(out.connected);
    CHECK(out.connect_error == "");
    CHECK(out.wrote);
    CHECK(out.received == parts[0] + parts[1] + parts[2]);
    CHECK(out.threads_while_connected == baseline_threads);
}

TEST_CASE("echo on a strand, reached through the name localhost") {
    asio::io_context io;
    echo_server server(io);
    asio_runtime rt(asio::make_strand(io));
    std::vector<std::string> parts{"via ", "a ", "strand"};
    echo_outcome out;
    start_detached(rt, echo_roundtrip(&rt, "localhost", server.port(), &parts, &out));
    drive(io, out.done);
    server.stop();
    io.run();
    CHECK(out.connected);
    CHECK(out.connect_error == "");
    CHECK(out.received == "via a strand");
    // Asio resolves names on a thread of its own; IP literals (the tests above) need none.
}

TEST_CASE("connect to a closed port fails with connection_failed") {
    asio::io_context io;
    std::uint16_t port = 0;
    {
        asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }
    asio_runtime rt(io.get_executor());
    connect_outcome out;
    start_detached(rt, try_connect(&rt, "127.0.0.1", port, 5000ms, &out));
    drive(io, out.done);
    CHECK_FALSE(out.ok);
    CHECK(out.kind == errc::connection_failed);
    CHECK(out.elapsed_ms < 2000);
    INFO(out.message);
}

TEST_CASE("a name that does not resolve fails with resolve_failed") {
    asio::io_context io;
    asio_runtime rt(io.get_executor());
    connect_outcome out;
    start_detached(rt, try_connect(&rt, "no-such-host.invalid", 9092, 60000ms, &out));
    drive(io, out.done);
    CHECK_FALSE(out.ok);
    CHECK(out.kind == errc::resolve_failed);
    INFO(out.message);
}

TEST_CASE("connect to a listener whose backlog is full times out with timed_out") {
    // A listening socket that never accepts, with the smallest backlog: once its accept queue is
    // full Linux drops further SYNs, so a connect neither succeeds nor fails until our deadline.
    const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(lfd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(lfd, 0) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    const std::uint16_t port = ntohs(addr.sin_port);

    asio::io_context io;
    // Fill the queue: connect (blocking, with a short send timeout bounding the handshake) until
    // one connect no longer completes.
    std::vector<int> fillers;
    bool full = false;
    for (int i = 0; i < 64 && !full; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        timeval tv{0, 200 * 1000};
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) full = true;
        fillers.push_back(fd);
    }
    REQUIRE(full);

    asio_runtime rt(io.get_executor());
    connect_outcome out;
    start_detached(rt, try_connect(&rt, "127.0.0.1", port, 300ms, &out));
    drive(io, out.done);
    io.run();  // nothing may be left pending: the deadline's handler has already run
    CHECK_FALSE(out.ok);
    CHECK(out.kind == errc::timed_out);
    CHECK(out.elapsed_ms >= 300);
    CHECK(out.elapsed_ms < 2000);
    INFO(out.message);
    for (int fd : fillers) ::close(fd);
    ::close(lfd);
}

TEST_CASE("a read ends with connection_lost when the peer closes, and when the stream is closed") {
    SUBCASE("peer closes") {
        asio::io_context io;
        echo_server server(io, /*close_at_once=*/true);
        asio_runtime rt(io.get_executor());
        std::optional<asio_runtime::stream_type> slot;
        read_outcome out;
        start_detached(rt, connect_and_read(&rt, server.port(), &slot, &out));
        drive(io, out.done);
        server.stop();
        io.run();
        CHECK_FALSE(out.ok);
        CHECK(out.kind == errc::connection_lost);
        INFO(out.message);
    }
    SUBCASE("close() wakes a pending read") {
        asio::io_context io;
        echo_server server(io);
        asio_runtime rt(io.get_executor());
        std::optional<asio_runtime::stream_type> slot;
        read_outcome out;
        start_detached(rt, connect_and_read(&rt, server.port(), &slot, &out));
        start_detached(rt, close_after(&rt, 50ms, &slot, &out));
        drive(io, out.done);
        server.stop();
        io.run();
        CHECK_FALSE(out.ok);
        CHECK(out.kind == errc::connection_lost);
        CHECK(thread_count() == baseline_threads);
    }
}

TEST_CASE("steady state: gathered writes, reads, timer waits and posts allocate nothing") {
    asio::io_context io;
    asio_runtime rt(io.get_executor());
    std::error_code ec;
    asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
    asio::ip::tcp::socket client(io);
    client.connect(acceptor.local_endpoint(), ec);
    REQUIRE_FALSE(ec);
    asio::ip::tcp::socket server = acceptor.accept(ec);
    REQUIRE_FALSE(ec);
    asio_runtime::stream_type a(std::move(client));
    asio_runtime::stream_type b(std::move(server));
    steady_outcome out;
    start_detached(rt, steady_state(&rt, &a, &b, &out));
    drive(io, out.done);
    CHECK_FALSE(out.failed);
    CHECK(out.rounds == 220);
    CHECK(out.allocations == 0);
}

TEST_CASE("timers expire in deadline order, not start order, and never early") {
    asio::io_context io;
    asio_runtime rt(io.get_executor());
    auto t30 = rt.make_timer();
    auto t10 = rt.make_timer();
    auto t20 = rt.make_timer();
    std::vector<int> order;
    timer_outcome a, b, c;
    const auto now = rt.now();
    start_detached(rt, wait_timer(&t30, now + 60ms, &a, &order, 60));
    start_detached(rt, wait_timer(&t10, now + 20ms, &b, &order, 20));
    start_detached(rt, wait_timer(&t20, now + 40ms, &c, &order, 40));
    io.run();
    CHECK(a.done);
    CHECK(b.done);
    CHECK(c.done);
    CHECK(order == std::vector<int>{20, 40, 60});
    CHECK(a.expired);
    CHECK(b.expired);
    CHECK(c.expired);
    CHECK(a.on_time);
    CHECK(b.on_time);
    CHECK(c.on_time);

    // A deadline in the past is expired at once, and the timer can wait again afterwards.
    timer_outcome d;
    start_detached(rt, wait_timer(&t10, rt.now() - 1ms, &d, nullptr, 0));
    io.restart();
    io.run();
    CHECK(d.done);
    CHECK(d.expired);
    CHECK(d.elapsed_ms < 50);
    CHECK(thread_count() == baseline_threads);
}

TEST_CASE("cancel() resumes a pending wait with false") {
    asio::io_context io;
    asio_runtime rt(io.get_executor());
    auto t = rt.make_timer();
    timer_outcome out;
    bool cancelled = false;
    start_detached(rt, wait_timer(&t, rt.now() + 10s, &out, nullptr, 0));
    start_detached(rt, cancel_after(&rt, 20ms, &t, &cancelled));
    io.run();
    CHECK(cancelled);
    CHECK(out.done);
    CHECK_FALSE(out.expired);
    CHECK(out.elapsed_ms >= 20);
    CHECK(out.elapsed_ms < 2000);

    // Cancelling a timer without a pending wait does nothing to the next wait.
    t.cancel();
    timer_outcome again;
    start_detached(rt, wait_timer(&t, rt.now() + 10ms, &again, nullptr, 0));
    io.restart();
    io.run();
    CHECK(again.done);
    CHECK(again.expired);
}

TEST_CASE("cancel() after the deadline passed but before the waiter resumed still gives false") {
    asio::io_context io;
    asio_runtime rt(io.get_executor());
    auto t1 = rt.make_timer();
    auto t2 = rt.make_timer();
    const auto deadline = rt.now() + 20ms;
    int resumed = 0;
    int done = 0;
    bool r1 = false, r2 = false;
    start_detached(rt, wait_then_cancel_other(&t1, &t2, deadline, &resumed, &r1, &done));
    start_detached(rt, wait_then_cancel_other(&t2, &t1, deadline, &resumed, &r2, &done));
    io.run();
    CHECK(done == 2);
    // Exactly one saw its deadline; the other was cancelled by it, though its own had passed too.
    CHECK(r1 != r2);
}

TEST_CASE("destroying a timer with a pending wait resumes the waiter with false") {
    asio::io_context io;
    asio_runtime rt(io.get_executor());
    timer_outcome out;
    {
        auto t = std::make_unique<asio_runtime::timer_type>(rt.make_timer());
        start_detached(rt, wait_timer(t.get(), rt.now() + 10s, &out, nullptr, 0));
        io.poll();  // the coroutine starts and suspends on the timer
        CHECK_FALSE(out.done);
        // Moving the timer with the wait pending keeps the wait.
        auto moved = std::make_unique<asio_runtime::timer_type>(std::move(*t));
        t.reset();
        io.poll();
        CHECK_FALSE(out.done);
    }
    io.run();
    CHECK(out.done);
    CHECK_FALSE(out.expired);
    CHECK(out.elapsed_ms < 2000);
}

TEST_CASE("wake_signal on asio_runtime: early notify, notify during the wait, and the deadline") {
    asio::io_context io;
    asio_runtime rt(io.get_executor());
    kcoro::detail::wake_signal<asio_runtime> signal(rt);

    SUBCASE("a notify before the wait makes it return at once") {
        signal.notify();
        signal_outcome out;
        start_detached(rt, wait_signal(&signal, rt.now() + 10s, &out));
        io.run();
        CHECK(out.done);
        CHECK(out.elapsed_ms < 50);
    }
    SUBCASE("a notify during the wait wakes it early") {
        signal_outcome out;
        start_detached(rt, wait_signal(&signal, rt.now() + 10s, &out));
        start_detached(rt, notify_after(&rt, 30ms, &signal));
        io.run();
        CHECK(out.done);
        CHECK(out.elapsed_ms >= 30);
        CHECK(out.elapsed_ms < 2000);
    }
    SUBCASE("without a notify the deadline ends the wait") {
        signal_outcome out;
        // Not before the deadline, measured from the instant it was computed: the coroutine's own
        // start comes later, so its elapsed time may be short of 60 ms.
        const auto deadline = rt.now() + 60ms;
        start_detached(rt, wait_signal(&signal, deadline, &out));
        io.run();
        CHECK(out.done);
        CHECK(out.woke_at >= deadline);
        CHECK(out.elapsed_ms < 2000);
        // A notification consumed by one wait does not leak into the next.
        signal_outcome next;
        const auto next_deadline = rt.now() + 40ms;
        start_detached(rt, wait_signal(&signal, next_deadline, &next));
        io.restart();
        io.run();
        CHECK(next.done);
        CHECK(next.woke_at >= next_deadline);
    }
}

// The whole engine on asio_runtime, against librdkafka's mock cluster (which runs librdkafka's own
// threads while it exists; they are joined when it is destroyed).
TEST_CASE("asio_producer on asio_runtime delivers to librdkafka's mock cluster with callback tokens") {
    kcoro_test::rdkafka_mock_cluster mock(3);
    mock.create_topic("asio", 4, 3);
    {
        asio::io_context io;
        auto p = kcoro::asio_producer<>::create(io.get_executor(), {.bootstrap_servers = mock.bootstrap_servers()});
        REQUIRE(p);
        constexpr int n = 500;
        std::vector<std::string> values;
        for (int i = 0; i < n; ++i) values.push_back("value-" + std::to_string(i));
        int delivered = 0;
        std::vector<std::string> errors;
        std::vector<int> partitions_seen(4, 0);
        bool closed = false;
        bool close_ok = false;
        for (int i = 0; i < n; ++i) {
            // The record is a temporary: the operation must keep its own copy.
            p->async_send({.topic = "asio", .key = std::string_view(values[static_cast<std::size_t>(i)]).substr(0, 7),
                           .value = values[static_cast<std::size_t>(i)]},
                          [&](kcoro::delivery_result r) {
                              if (r) {
                                  ++delivered;
                                  if (r->partition >= 0 && r->partition < 4) ++partitions_seen[static_cast<std::size_t>(r->partition)];
                              } else {
                                  errors.push_back(r.err().message());
                              }
                              if (delivered + static_cast<int>(errors.size()) == n)
                                  p->async_close(10s, [&](kcoro::result<void> c) {
                                      close_ok = c.has_value();
                                      closed = true;
                                  });
                          });
        }
        drive(io, closed);
        CHECK(delivered == n);
        CHECK(errors.empty());
        if (!errors.empty()) INFO(errors.front());
        CHECK(close_ok);
        int partitions_used = 0;
        for (int c : partitions_seen) partitions_used += c > 0;
        CHECK(partitions_used > 1);
    }
}

// A buffer far smaller than what is sent: sends that find it full wait in the engine, and every
// send after them queues behind them, so the records of one partition keep the order of the calls.
TEST_CASE("asio_producer: async_send on a full buffer waits, and records keep the order they were sent in") {
    kcoro_test::rdkafka_mock_cluster mock(1);
    mock.create_topic("full", 1, 1);
    {
        asio::io_context io;
        auto p = kcoro::asio_producer<>::create(
            io.get_executor(),
            {.bootstrap_servers = mock.bootstrap_servers(), .batch_size = 4096, .buffer_memory = 16384});
        REQUIRE(p);
        const std::string value(200, 'v');
        constexpr int n = 2000;  // about 400 KB through a 16 KB buffer
        std::vector<std::int64_t> offsets(n, -2);
        int completed = 0;
        std::vector<std::string> errors;
        for (int i = 0; i < n; ++i) {
            p->async_send({.topic = "full", .value = value}, [&, i](kcoro::delivery_result r) {
                ++completed;
                if (r) offsets[static_cast<std::size_t>(i)] = r->offset;
                else errors.push_back(r.err().message());
            });
            // Now and then the buffer drains a little between two sends.
            if (i % 100 == 99) io.poll();
        }
        const bool all = [&] {
            while (completed < n)
                if (io.run_one_for(10s) == 0) return false;
            return true;
        }();
        CHECK(all);
        CHECK(errors.empty());
        if (!errors.empty()) INFO(errors.front());
        bool in_order = true;
        for (int i = 1; i < n; ++i) in_order = in_order && offsets[static_cast<std::size_t>(i)] == offsets[static_cast<std::size_t>(i - 1)] + 1;
        CHECK(in_order);
        CHECK(offsets.front() == 0);
        // A record that can never be sent fails at once, but its handler still runs only once the
        // io_context runs it, never inside async_send.
        const std::string huge(2u << 20, 'x');
        bool failed = false;
        p->async_send({.topic = "full", .value = huge}, [&](kcoro::delivery_result r) {
            CHECK_FALSE(r);
            failed = true;
        });
        CHECK_FALSE(failed);
        drive(io, failed);
        bool closed = false;
        p->async_close(10s, [&](kcoro::result<void> r) {
            CHECK(r.has_value());
            closed = true;
        });
        drive(io, closed);
    }
}

// Destroying a running producer on Asio: what was pending completes with producer_destroyed when
// the io_context runs on, and nothing is left behind when it does not.
TEST_CASE("asio_producer destroyed while running: pending sends complete with producer_destroyed, then io.run() returns") {
    kcoro_test::rdkafka_mock_cluster mock(1);
    mock.create_topic("destroyed", 2, 1);
    for (const bool run_after : {true, false}) {
        CAPTURE(run_after);
        auto io = std::make_unique<asio::io_context>();
        auto created = kcoro::asio_producer<>::create(io->get_executor(), {.bootstrap_servers = mock.bootstrap_servers()});
        REQUIRE(created);
        std::optional<kcoro::asio_producer<>> p(std::move(*created));
        // One record through, then the broker answers only after 10 s: what follows stays in flight.
        bool first = false;
        p->async_send({.topic = "destroyed", .value = "first"}, [&](kcoro::delivery_result r) { first = r.has_value(); });
        drive(*io, first);
        REQUIRE(first);
        rd_kafka_mock_broker_set_rtt(mock.get(), 1, 10000);
        int destroyed = 0, other = 0;
        for (int i = 0; i < 20; ++i)
            p->async_send({.topic = "destroyed", .value = "pending"}, [&](kcoro::delivery_result r) {
                r || r.err() != errc::producer_destroyed ? ++other : ++destroyed;
            });
        io->run_for(300ms);
        REQUIRE(destroyed + other == 0);
        p.reset();
        if (run_after) {
            const auto t0 = clock_type::now();
            io->run();  // returns once the producer's coroutines have ended and nothing waits
            CHECK(ms_since(t0) < 5000);
            CHECK(destroyed == 20);
            CHECK(other == 0);
        } else {
            // Never run again: the handlers of the pending sends are destroyed with the context, not
            // called, and the producer's state goes with them (LeakSanitizer checks this under ASan).
            io.reset();
            CHECK(destroyed == 0);
            CHECK(other == 0);
        }
        rd_kafka_mock_broker_set_rtt(mock.get(), 1, 0);
    }
}

int main(int argc, char** argv) {
    baseline_threads = thread_count();
    if (baseline_threads != 1) {
        std::fprintf(stderr, "asio_runtime_test: expected to start with one thread, found %d\n", baseline_threads);
        return 1;
    }
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    const int rc = context.run();
    // Every io_context is gone: whatever thread Asio started for name resolution was joined.
    const int after = thread_count();
    if (after != baseline_threads) {
        std::fprintf(stderr, "asio_runtime_test: %d threads at the end, %d at the start\n", after, baseline_threads);
        return 1;
    }
    std::printf("asio_runtime_test: %d thread before and after\n", after);
    return rc;
}
