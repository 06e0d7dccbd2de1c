// kcoro's event loop where things end: a timer moved while a wait is pending, a task woken from
// another thread, a loop made without file descriptors, tasks and producers still suspended when
// the loop goes away, and a producer destroyed while it runs. None of them may abort the process;
// under AddressSanitizer (scripts/test's asan build) none may leak or touch freed memory.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace event_loop_lifetime_test {

using namespace std::chrono_literals;
using kcoro::errc;

kcoro::task<bool> wait_on(kcoro::loop_timer* t, std::chrono::steady_clock::time_point when) { co_return co_await t->wait_until(when); }

struct flag_on_destroy {
    bool* flag;
    ~flag_on_destroy() { *flag = true; }
};

// A listener that completes TCP handshakes (the kernel does) and never says anything: a producer
// connected to it waits for its ApiVersions answer.
struct silent_listener {
    int fd = -1;
    std::uint16_t port = 0;
    silent_listener() {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd, 16) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port = ntohs(a.sin_port);
    }
    ~silent_listener() { ::close(fd); }
    std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port); }
};

struct send_outcome {
    std::optional<kcoro::delivery_result> result;
};
kcoro::task<void> send_into(kcoro::producer<>* p, send_outcome* out) {
    out->result.emplace(co_await p->send({.topic = "orders", .value = "v"}));
}

TEST_CASE("a loop_timer moved while a wait is pending keeps the wait, and cancelling the moved timer ends it") {
    kcoro::event_loop loop;
    auto first = std::make_unique<kcoro::loop_timer>(loop);
    auto expired = wait_on(first.get(), loop.now() + 20ms);
    auto cancelled_later = std::make_unique<kcoro::loop_timer>(loop);
    auto cancelled = wait_on(cancelled_later.get(), loop.now() + 10s);
    auto driver = [](kcoro::event_loop& l, kcoro::task<bool>& a, kcoro::task<bool>& b, std::unique_ptr<kcoro::loop_timer>& ta,
                     std::unique_ptr<kcoro::loop_timer>& tb) -> kcoro::task<std::pair<bool, bool>> {
        // Start both waits, then move both timers while they wait.
        kcoro::spawn(l, [](kcoro::task<bool>& t) -> kcoro::task<void> { (void)co_await t; }(a));
        kcoro::spawn(l, [](kcoro::task<bool>& t) -> kcoro::task<void> { (void)co_await t; }(b));
        co_await kcoro::yield_to{l};
        ta = std::make_unique<kcoro::loop_timer>(std::move(*ta));
        tb = std::make_unique<kcoro::loop_timer>(std::move(*tb));
        tb->cancel();
        kcoro::loop_timer pause(l);
        co_await pause.wait_until(l.now() + 50ms);
        co_return std::pair<bool, bool>{a.handle().promise().value.value_or(false), b.handle().promise().value.value_or(true)};
    };
    auto [a, b] = kcoro::run_until_complete(loop, driver(loop, expired, cancelled, first, cancelled_later));
    CHECK(a);        // the moved timer fired at its deadline
    CHECK_FALSE(b);  // cancel() on the moved timer ended the wait with false
}

TEST_CASE("run_until_complete waits for work posted from another thread instead of giving up") {
    kcoro::event_loop loop;
    struct foreign_wake {
        kcoro::event_loop* loop;
        std::thread* worker;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            *worker = std::thread([l = loop, h] {
                std::this_thread::sleep_for(50ms);
                l->post_from_any_thread([h] { h.resume(); });
            });
        }
        void await_resume() const noexcept {}
    };
    std::thread worker;
    auto body = [](kcoro::event_loop* l, std::thread* w) -> kcoro::task<int> {
        co_await foreign_wake{l, w};  // nothing on the loop itself can wake this
        co_return 7;
    };
    CHECK(kcoro::run_until_complete(loop, body(&loop, &worker)) == 7);
    worker.join();
}

TEST_CASE("an event loop made with no file descriptor left runs timers, and connects fail saying why") {
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
    const int lowest_free = ::dup(0);
    REQUIRE(lowest_free >= 0);
    ::close(lowest_free);
    rlimit tight = old;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free);  // the next descriptor is refused
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
    auto loop = std::make_unique<kcoro::event_loop>();
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &old) == 0);
    CHECK(loop->setup_error());
    auto body = [](kcoro::event_loop& l) -> kcoro::task<std::pair<bool, std::string>> {
        kcoro::loop_timer t(l);
        const bool fired = co_await t.wait_until(l.now() + 5ms);
        auto s = co_await kcoro::tcp_connect(l, "127.0.0.1", 9, 1000ms);
        co_return std::pair<bool, std::string>{fired, s ? std::string() : s.err().message()};
    };
    auto [fired, why] = kcoro::run_until_complete(*loop, body(*loop));
    CHECK(fired);
    CHECK_MESSAGE(why.find("cannot watch sockets") != std::string::npos, why);
}

TEST_CASE("tasks started with spawn() that have not ended are destroyed with their loop") {
    bool destroyed = false;
    {
        kcoro::event_loop loop;
        kcoro::loop_timer never(loop);
        kcoro::spawn(loop, [](kcoro::loop_timer* t, bool* flag) -> kcoro::task<void> {
            flag_on_destroy guard{flag};
            (void)co_await t->wait_until(std::chrono::steady_clock::now() + 1h);
        }(&never, &destroyed));
        loop.poll();
        CHECK_FALSE(destroyed);
    }
    CHECK(destroyed);
}

TEST_CASE("a producer destroyed on kcoro's event loop: its sender resumes with producer_destroyed, then loop.run() returns") {
    silent_listener broker;
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = broker.bootstrap()});
    REQUIRE(p);
    send_outcome out;
    kcoro::spawn(loop, send_into(p->get(), &out));
    loop.run_for(200ms);  // connected; ApiVersions unanswered; the send parked for metadata
    REQUIRE_FALSE(out.result);
    p->reset();
    const auto t0 = std::chrono::steady_clock::now();
    loop.run();  // returns once nothing is left: the producer's coroutines have all ended
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    REQUIRE(out.result);
    REQUIRE_FALSE(*out.result);
    CHECK(out.result->err() == errc::producer_destroyed);
}

TEST_CASE("a producer destroyed on kcoro's event loop, then the loop destroyed without running again: nothing is left") {
    silent_listener broker;
    auto loop = std::make_unique<kcoro::event_loop>();
    auto p = kcoro::make_producer(*loop, {.bootstrap_servers = broker.bootstrap()});
    REQUIRE(p);
    send_outcome out;
    kcoro::spawn(*loop, send_into(p->get(), &out));
    loop->run_for(200ms);
    p->reset();
    loop.reset();  // the producer's suspended coroutines, the spawned sender and the producer's state go here
    CHECK_FALSE(out.result);  // never resumed: its frame was destroyed with the loop
}

}  // namespace event_loop_lifetime_test
