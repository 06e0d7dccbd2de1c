#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <dirent.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
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

kcoro::task<void> sleeper(kcoro::event_loop* loop, kcoro::steady_time when, int id, std::vector<int>* order) {
    co_await loop->sleep_until(when);
    order->push_back(id);
}

kcoro::task<void> timed_wait(kcoro::loop_timer* t, std::chrono::milliseconds d, int* outcome) {
    const bool expired = co_await t->wait_for(d);
    *outcome = expired ? 1 : 0;
}

kcoro::task<void> yield_forever(kcoro::event_loop* loop, int* turns, bool* quit) {
    while (!*quit) {
        ++*turns;
        co_await loop->sleep_until(loop->now());  // already due: does not suspend
        struct yield_awaiter {
            kcoro::event_loop* loop;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<> h) { loop->post(h); }
            void await_resume() const noexcept {}
        };
        co_await yield_awaiter{loop};
    }
}

kcoro::task<int> reuse_timer(kcoro::event_loop* loop) {
    kcoro::loop_timer t(*loop);
    int expired = 0;
    for (int i = 0; i < 3; ++i) {
        const bool fired = co_await t.wait_for(1ms);  // not in an if: g++ 12.2 miscompiles that
        expired += fired ? 1 : 0;
    }
    co_return expired;
}

kcoro::task<void> sleep_long(kcoro::event_loop* loop) { co_await loop->sleep_for(1h); }

}  // namespace

TEST_CASE("event_loop: timers fire in deadline order, equal deadlines in the order they were armed") {
    kcoro::event_loop loop;
    std::vector<int> order;
    const auto t0 = loop.now();
    const int delays_ms[] = {30, 10, 20, 10, 0, 25, 5};
    for (int i = 0; i < 7; ++i)
        kcoro::spawn(loop, sleeper(&loop, t0 + std::chrono::milliseconds(delays_ms[i]), i, &order));
    loop.run();
    CHECK(order == std::vector<int>{4, 6, 1, 3, 2, 5, 0});
    CHECK(loop.now() - t0 >= 30ms);  // never early
}

TEST_CASE("loop_timer: expiry yields true, cancel yields false, and it can be reused") {
    kcoro::event_loop loop;
    kcoro::loop_timer t(loop);
    int outcome = -1;
    kcoro::spawn(loop, timed_wait(&t, 10s, &outcome));
    loop.poll();
    CHECK(t.pending());
    CHECK(outcome == -1);
    t.cancel();
    CHECK(outcome == -1);  // resumed through the loop, not inside cancel()
    loop.poll();
    CHECK(outcome == 0);
    CHECK_FALSE(t.pending());

    kcoro::spawn(loop, timed_wait(&t, 5ms, &outcome));
    loop.run();
    CHECK(outcome == 1);
    CHECK(kcoro::run_until_complete(loop, reuse_timer(&loop)) == 3);
}

TEST_CASE("event_loop: destroying a sleeping coroutine disarms its timer, so run() finds no work") {
    kcoro::event_loop loop;
    {
        auto t = sleep_long(&loop);
        // Start it by hand, then drop it while it sleeps.
        t.handle().resume();
        CHECK_FALSE(t.done());
    }
    const auto t0 = std::chrono::steady_clock::now();
    loop.run();
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
}

TEST_CASE("event_loop: poll never blocks, runs one batch and returns its count") {
    kcoro::event_loop loop;
    CHECK(loop.poll() == 0);

    int ran = 0;
    loop.post([&ran] { ++ran; });
    loop.post([&ran] { ++ran; });
    kcoro::loop_timer far(loop);
    int outcome = -1;
    kcoro::spawn(loop, timed_wait(&far, 10s, &outcome));
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(loop.poll() == 3);  // two functions and the spawned coroutine's start
    CHECK(std::chrono::steady_clock::now() - t0 < 50ms);
    CHECK(ran == 2);

    // A coroutine that re-posts itself gets one turn per poll.
    int turns = 0;
    bool quit = false;
    kcoro::spawn(loop, yield_forever(&loop, &turns, &quit));
    loop.poll();
    CHECK(turns == 1);
    loop.poll();
    CHECK(turns == 2);
    quit = true;
    far.cancel();
    loop.poll();
    loop.poll();
    CHECK(outcome == 0);
}

TEST_CASE("event_loop: run_for runs due work and returns after the duration; stop() ends run()") {
    kcoro::event_loop loop;
    std::vector<int> order;
    kcoro::spawn(loop, sleeper(&loop, loop.now() + 10ms, 1, &order));
    kcoro::spawn(loop, sleeper(&loop, loop.now() + 10s, 2, &order));
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t n = loop.run_for(60ms);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(order == std::vector<int>{1});
    CHECK(n == 3);  // two starts and one wake-up
    CHECK(took >= 60ms);
    CHECK(took < 2s);

    // run() would wait ten seconds for the second sleeper; stop() from a handler ends it.
    loop.post([&loop] { loop.stop(); });
    const auto t1 = std::chrono::steady_clock::now();
    loop.run();
    CHECK(std::chrono::steady_clock::now() - t1 < 1s);
    CHECK(order == std::vector<int>{1});
}

TEST_CASE("event_loop: posting from another thread wakes a blocked loop; the loop starts no thread") {
    const int before = thread_count();
    kcoro::event_loop loop;
    CHECK(thread_count() == before);
    {
        kcoro::event_loop::work_guard guard(loop);
        std::atomic<int> ran{0};
        std::thread other([&] {
            for (int i = 0; i < 100; ++i) loop.post_from_any_thread([&ran] { ++ran; });
            std::this_thread::sleep_for(20ms);
            loop.post_from_any_thread([&] { loop.stop(); });
        });
        const auto t0 = std::chrono::steady_clock::now();
        loop.run();  // blocks in epoll_wait: the guard keeps it alive with nothing ready
        other.join();
        CHECK(ran == 100);
        CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    }
    std::thread stopper([&] {
        std::this_thread::sleep_for(20ms);
        loop.stop();
    });
    const auto t0 = std::chrono::steady_clock::now();
    loop.run_for(10s);
    stopper.join();
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK(thread_count() == before);
}

TEST_CASE("event_loop: functions posted but never run are freed with the loop") {
    auto big = std::make_shared<std::vector<int>>(1000);
    {
        kcoro::event_loop loop;
        loop.post([big] { (void)big; });
        loop.post_from_any_thread([big] { (void)big; });
        CHECK(big.use_count() == 3);
    }
    CHECK(big.use_count() == 1);
}

static_assert(kcoro::executor<kcoro::event_loop>);
static_assert(kcoro::timer_service<kcoro::event_loop>);
static_assert(kcoro::cancellable_timer<kcoro::loop_timer>);
