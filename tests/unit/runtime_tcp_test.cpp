#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

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

kcoro::tcp_listener loopback_listener(kcoro::event_loop& loop, int backlog = 128) {
    auto l = kcoro::tcp_listener::listen(loop, *kcoro::parse_ip_literal("127.0.0.1", 0), backlog);
    REQUIRE(l);
    return std::move(*l);
}

// The echo server runs on the same loop as the client: one connection, echoed until the peer
// closes.
kcoro::task<void> echo_server(kcoro::tcp_listener* l, std::size_t* echoed) {
    auto s = co_await l->async_accept();
    if (!s) co_return;
    std::vector<kcoro::byte> buf(16 * 1024);
    for (;;) {
        auto n = co_await s->async_read_some(buf);
        if (!n) break;
        auto w = co_await s->async_write(kcoro::bytes_view(buf.data(), *n));
        if (!w) break;
        *echoed += *n;
    }
}

kcoro::task<void> write_all(kcoro::tcp_stream* s, std::vector<kcoro::bytes_view> parts, bool* ok) {
    auto w = co_await s->async_write(std::span<const kcoro::bytes_view>(parts));
    *ok = w.has_value();
}

kcoro::task<std::string> echo_roundtrip(kcoro::event_loop* loop, std::uint16_t port, std::string payload) {
    auto s = co_await kcoro::tcp_connect(*loop, "127.0.0.1", port, 2000ms);
    if (!s) co_return "connect: " + s.err().message();
    // Three parts from one string: a header, a large middle and a tail, sent by one gather write
    // while this coroutine reads the echo concurrently (the kernel buffers fill both ways).
    const kcoro::bytes_view all = kcoro::as_bytes(payload);
    std::vector<kcoro::bytes_view> parts = {all.subspan(0, 5), all.subspan(5, all.size() - 10),
                                            all.subspan(all.size() - 5)};
    bool wrote = false;
    kcoro::spawn(*loop, write_all(&*s, parts, &wrote));
    std::string got;
    std::vector<kcoro::byte> buf(64 * 1024);
    while (got.size() < payload.size()) {
        auto n = co_await s->async_read_some(buf);
        if (!n) co_return "read: " + n.err().message();
        got.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    if (!wrote) co_return "write did not finish";
    co_return got;
}

kcoro::task<kcoro::errc> connect_error(kcoro::event_loop* loop, std::string host, std::uint16_t port,
                                       std::chrono::milliseconds timeout) {
    auto s = co_await kcoro::tcp_connect(*loop, std::move(host), port, timeout);
    co_return s ? kcoro::errc::none : s.err().kind();
}

kcoro::task<std::string> first_reachable(kcoro::event_loop* loop, std::vector<kcoro::ip_endpoint> eps,
                                         kcoro::tcp_listener* l) {
    auto s = co_await kcoro::tcp_connect(*loop, std::move(eps), 2000ms);
    if (!s) co_return s.err().message();
    auto peer = co_await l->async_accept();
    if (!peer) co_return "accept failed";
    co_return "connected";
}

kcoro::task<kcoro::errc> read_until_error(kcoro::tcp_stream* s) {
    kcoro::byte buf[16];
    for (;;) {
        auto n = co_await s->async_read_some(buf);
        if (!n) co_return n.err().kind();
    }
}

kcoro::task<std::string> peer_close_and_local_close(kcoro::event_loop* loop, kcoro::tcp_listener* l) {
    const std::uint16_t port = l->local_endpoint().port();
    auto a = co_await kcoro::tcp_connect(*loop, "localhost", port, 2000ms);
    if (!a) co_return "connect a: " + a.err().message();
    auto peer_a = co_await l->async_accept();
    auto b = co_await kcoro::tcp_connect(*loop, "127.0.0.1", port, 2000ms);
    if (!b) co_return "connect b";
    auto peer_b = co_await l->async_accept();
    if (!peer_a || !peer_b) co_return "accept";

    // The peer closes: a pending read fails with connection_lost.
    kcoro::errc a_result = kcoro::errc::none;
    struct runner {
        static kcoro::task<void> run(kcoro::tcp_stream* s, kcoro::errc* out) { *out = co_await read_until_error(s); }
    };
    kcoro::spawn(*loop, runner::run(&*a, &a_result));
    co_await loop->sleep_for(5ms);
    peer_a->close();
    co_await loop->sleep_for(20ms);
    if (a_result != kcoro::errc::connection_lost) co_return "peer close not seen";

    // We close our own end while a read is pending: it wakes with an error.
    kcoro::errc b_result = kcoro::errc::none;
    kcoro::spawn(*loop, runner::run(&*b, &b_result));
    co_await loop->sleep_for(5ms);
    if (b_result != kcoro::errc::none) co_return "read finished early";
    b->close();
    co_await loop->sleep_for(1ms);
    if (b_result != kcoro::errc::connection_lost) co_return "local close did not wake the reader";
    // Writing to a closed stream is an error too, and writing to a peer that has gone raises no
    // SIGPIPE.
    auto w = co_await b->async_write(kcoro::as_bytes("x"));
    if (w) co_return "write on closed stream succeeded";
    std::vector<kcoro::byte> chunk(1 << 16);
    kcoro::result<void> wr = kcoro::ok();
    for (int i = 0; i < 100 && wr; ++i) wr = co_await a->async_write(kcoro::bytes_view(chunk));
    if (wr) co_return "writes to a closed peer kept succeeding";
    co_return "ok";
}

}  // namespace

TEST_CASE("tcp: megabytes echo through one gather write and concurrent reads on one loop") {
    const int threads_before = thread_count();
    kcoro::event_loop loop;
    auto l = loopback_listener(loop);
    std::size_t echoed = 0;
    kcoro::spawn(loop, echo_server(&l, &echoed));
    std::string payload(4 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + (i * 7919) % 26);
    const std::string got = kcoro::run_until_complete(loop, echo_roundtrip(&loop, l.local_endpoint().port(), payload));
    CHECK(got.size() == payload.size());
    CHECK(got == payload);
    loop.run();  // the client's stream is gone: the server sees the close and ends
    CHECK(echoed == payload.size());
    CHECK(thread_count() == threads_before);
}

TEST_CASE("tcp: refused connections, unreachable deadlines and address order") {
    kcoro::event_loop loop;
    std::uint16_t closed_port;
    {
        auto l = loopback_listener(loop);
        closed_port = l.local_endpoint().port();
    }
    CHECK(kcoro::run_until_complete(loop, connect_error(&loop, "127.0.0.1", closed_port, 2000ms)) ==
          kcoro::errc::connection_failed);
    CHECK(kcoro::run_until_complete(loop, connect_error(&loop, "no-such-host.invalid", 9092, 2000ms)) ==
          kcoro::errc::resolve_failed);

    // A listener with a full accept queue drops further SYNs: the connect can only time out.
    auto full = loopback_listener(loop, 0);
    const kcoro::ip_endpoint full_ep = full.local_endpoint();
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        (void)::connect(fd, reinterpret_cast<const sockaddr*>(&full_ep.addr), full_ep.len);
        fillers.push_back(fd);
    }
    loop.run_for(50ms);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(kcoro::run_until_complete(loop, connect_error(&loop, "127.0.0.1", full_ep.port(), 200ms)) ==
          kcoro::errc::timed_out);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= 200ms);
    CHECK(took < 2s);
    for (int fd : fillers) ::close(fd);

    // Every address is tried in order: the refused one first, then the one that listens.
    auto good = loopback_listener(loop);
    std::vector<kcoro::ip_endpoint> eps = {*kcoro::parse_ip_literal("127.0.0.1", closed_port), good.local_endpoint()};
    CHECK(kcoro::run_until_complete(loop, first_reachable(&loop, eps, &good)) == "connected");
}

TEST_CASE("tcp: peer close, local close and writes to a dead peer are errors that wake the waiter") {
    kcoro::event_loop loop;
    auto l = loopback_listener(loop);
    CHECK(kcoro::run_until_complete(loop, peer_close_and_local_close(&loop, &l)) == "ok");
}

static_assert(kcoro::byte_stream<kcoro::tcp_stream>);
