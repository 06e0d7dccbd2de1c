#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace runtime_test {

using namespace std::chrono_literals;

int thread_count() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/task")) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
    }
    return n;
}

kcoro::task<int> leaf(int v) { co_return v; }
kcoro::task<long> chain(int n) {
    long sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await leaf(i);
    co_return sum;
}

kcoro::task<std::vector<int>> timers(kcoro::event_loop& loop) {
    std::vector<int> order;
    kcoro::loop_timer a(loop), b(loop);
    const auto now = loop.now();
    co_await a.wait_until(now + 20ms);
    order.push_back(1);
    co_await b.wait_until(now + 10ms);  // already due: returns at once
    order.push_back(2);
    co_return order;
}

kcoro::task<bool> cancelled_wait(kcoro::event_loop& loop, kcoro::loop_timer& t) { co_return co_await t.wait_until(loop.now() + 10s); }

kcoro::task<std::string> echo_roundtrip(kcoro::event_loop& loop, std::uint16_t port) {
    auto s = co_await kcoro::tcp_connect(loop, "127.0.0.1", port, 2000ms);
    if (!s) co_return "connect: " + s.err().message();
    const kcoro::bytes_view parts[] = {kcoro::as_bytes("hello "), kcoro::as_bytes("kafka")};
    auto w = co_await s->write(parts);
    if (!w) co_return "write failed";
    std::string got;
    kcoro::byte buf[64];
    while (got.size() < 11) {
        auto n = co_await s->read_some(buf);
        if (!n) co_return "read: " + n.err().message();
        got.append(reinterpret_cast<char*>(buf), *n);
    }
    co_return got;
}

kcoro::task<kcoro::errc> refused(kcoro::event_loop& loop, std::uint16_t port) {
    auto s = co_await kcoro::tcp_connect(loop, "127.0.0.1", port, 2000ms);
    co_return s ? kcoro::errc::none : s.err().kind();
}

TEST_CASE("task chains of a million co_awaits run in constant stack") {
    kcoro::event_loop loop;
    CHECK(kcoro::run_until_complete(loop, chain(1000000)) == 499999500000L);
}

TEST_CASE("timers fire in order; cancel resumes with false; poll never blocks") {
    kcoro::event_loop loop;
    CHECK(kcoro::run_until_complete(loop, timers(loop)) == std::vector<int>{1, 2});

    kcoro::loop_timer t(loop);
    auto waiting = cancelled_wait(loop, t);
    bool result = true, done = false;
    auto runner = [](kcoro::task<bool> w, bool& r, bool& d) -> kcoro::task<void> {
        r = co_await std::move(w);
        d = true;
    };
    kcoro::spawn(loop, runner(std::move(waiting), result, done));
    const auto t0 = std::chrono::steady_clock::now();
    loop.poll();
    CHECK(std::chrono::steady_clock::now() - t0 < 50ms);
    CHECK_FALSE(done);
    t.cancel();
    loop.poll();
    CHECK(done);
    CHECK_FALSE(result);
}

TEST_CASE("post_from_any_thread wakes a loop blocked in run_for, and the loop starts no thread") {
    const int before = thread_count();
    kcoro::event_loop loop;
    CHECK(thread_count() == before);
    bool ran = false;
    std::thread other([&] {
        std::this_thread::sleep_for(20ms);
        loop.post_from_any_thread([&] {
            ran = true;
            loop.stop();
        });
    });
    const auto t0 = std::chrono::steady_clock::now();
    loop.run_for(5s);
    other.join();
    CHECK(ran);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}

TEST_CASE("tcp: connect, gather write and read against a loopback echo; refused is an error") {
    int ls = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(ls, 4) == 0);
    socklen_t len = sizeof a;
    ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
    const std::uint16_t port = ntohs(a.sin_port);
    // The echo peer is a plain blocking thread of the test; the client side is kcoro's loop.
    std::thread echo([ls] {
        int c = ::accept(ls, nullptr, nullptr);
        char buf[64];
        std::size_t total = 0;
        while (total < 11) {
            ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            ::send(c, buf, static_cast<std::size_t>(n), 0);
            total += static_cast<std::size_t>(n);
        }
        ::close(c);
    });
    kcoro::event_loop loop;
    CHECK(kcoro::run_until_complete(loop, echo_roundtrip(loop, port)) == "hello kafka");
    echo.join();
    ::close(ls);
    CHECK(kcoro::run_until_complete(loop, refused(loop, port)) == kcoro::errc::connection_failed);
}

TEST_CASE("names resolve from literals, /etc/hosts and localhost without DNS; other names are left to DNS") {
    CHECK(kcoro::resolve_without_dns("127.0.0.1", 9092));
    CHECK(kcoro::resolve_without_dns("::1", 9092));
    CHECK(kcoro::resolve_without_dns("localhost", 9092));
    auto r = kcoro::resolve_without_dns("no-such-host.invalid", 9092);
    REQUIRE_FALSE(r);
    CHECK(r.err() == kcoro::errc::resolve_failed);
    CHECK(r.err().detail().find("/etc/hosts") != std::string::npos);
}

}  // namespace runtime_test
