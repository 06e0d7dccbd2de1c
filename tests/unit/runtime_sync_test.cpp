#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using event = kcoro::async_event<kcoro::event_loop>;
using semaphore = kcoro::async_semaphore<kcoro::event_loop>;

kcoro::task<void> wait_event(event* ev, int id, std::vector<int>* order) {
    co_await ev->wait();
    order->push_back(id);
}

kcoro::task<void> wait_event_until(event* ev, kcoro::steady_time deadline, int* outcome) {
    *outcome = (co_await ev->wait_until(deadline)) ? 1 : 0;
}

kcoro::task<void> take(semaphore* sem, std::size_t n, int id, std::vector<int>* order) {
    co_await sem->acquire(n);
    order->push_back(id);
}

kcoro::task<void> take_until(semaphore* sem, std::size_t n, kcoro::steady_time deadline, int id,
                             std::vector<int>* order) {
    // Not `if (co_await ...)`: g++ 12.2 miscompiles a co_await in an if condition.
    const bool granted = co_await sem->acquire_until(n, deadline);
    order->push_back(granted ? id : -id);
}

using cell = kcoro::oneshot<kcoro::result<int>, kcoro::event_loop>;

kcoro::task<void> await_cell(cell* c, int* out) {
    auto r = co_await *c;
    *out = r ? *r : -static_cast<int>(r.err().kind());
}

}  // namespace

TEST_CASE("async_event: set wakes every waiter in order through the loop; reset makes them wait again") {
    kcoro::event_loop loop;
    event ev(loop);
    std::vector<int> order;
    for (int i = 1; i <= 3; ++i) kcoro::spawn(loop, wait_event(&ev, i, &order));
    loop.poll();
    CHECK(ev.waiters() == 3);
    ev.set();
    CHECK(order.empty());  // resumed later, never inside set()
    loop.poll();
    CHECK(order == std::vector<int>{1, 2, 3});
    kcoro::spawn(loop, wait_event(&ev, 4, &order));
    loop.poll();
    CHECK(order.back() == 4);  // already set: no suspension
    ev.reset();
    kcoro::spawn(loop, wait_event(&ev, 5, &order));
    loop.poll();
    CHECK(order.back() == 4);
    ev.set();
    loop.run();
    CHECK(order.back() == 5);
}

TEST_CASE("async_event: wait_until reports a timeout, and a set in time") {
    kcoro::event_loop loop;
    event ev(loop);
    int late = -1, in_time = -1;
    kcoro::spawn(loop, wait_event_until(&ev, loop.now() + 10ms, &late));
    kcoro::spawn(loop, wait_event_until(&ev, loop.now() + 10s, &in_time));
    loop.run_for(30ms);
    CHECK(late == 0);
    CHECK(in_time == -1);
    CHECK(ev.waiters() == 1);  // the timed-out waiter left the queue
    ev.set();
    loop.run();  // the ten-second timer was cancelled: run() returns at once
    CHECK(in_time == 1);
}

TEST_CASE("async_semaphore: first come first served; a large request is not overtaken by small ones") {
    kcoro::event_loop loop;
    semaphore sem(loop, 10);
    std::vector<int> order;
    kcoro::spawn(loop, take(&sem, 8, 1, &order));
    kcoro::spawn(loop, take(&sem, 5, 2, &order));  // does not fit: waits
    kcoro::spawn(loop, take(&sem, 1, 3, &order));  // would fit, but 2 is first
    loop.poll();
    loop.poll();
    CHECK(order == std::vector<int>{1});
    CHECK(sem.available() == 2);
    CHECK(sem.waiters() == 2);
    CHECK_FALSE(sem.try_acquire(1));  // no barging past the queue either
    sem.release(3);                   // 5 free: 2 gets them, 3 still waits for one more
    loop.poll();
    CHECK(order == std::vector<int>{1, 2});
    CHECK(sem.available() == 0);
    sem.release(8);
    loop.run();
    CHECK(order == std::vector<int>{1, 2, 3});
    CHECK(sem.available() == 7);
    CHECK(sem.try_acquire(7));
}

TEST_CASE("async_semaphore: a deadline takes nothing, unblocks those behind it and never loses granted units") {
    kcoro::event_loop loop;
    semaphore sem(loop, 4);
    std::vector<int> order;
    const auto now = loop.now();
    kcoro::spawn(loop, take_until(&sem, 10, now + 20ms, 1, &order));  // can never fit in time
    kcoro::spawn(loop, take_until(&sem, 3, now + 10s, 2, &order));    // queued behind 1
    loop.poll();
    CHECK(order.empty());
    loop.run_for(50ms);
    CHECK(order == std::vector<int>{-1, 2});  // 1 timed out, then 2 fit
    CHECK(sem.available() == 1);
    CHECK(sem.waiters() == 0);

    // Granted in the same turn as the deadline fires: the units count as granted.
    kcoro::spawn(loop, take_until(&sem, 2, loop.now() + 5ms, 3, &order));
    loop.poll();
    std::this_thread::sleep_for(10ms);  // the deadline is now due but has not been processed
    sem.release(1);                     // grants 3 before the loop sees the deadline
    loop.run();
    CHECK(order.back() == 3);
    CHECK(sem.available() == 0);

    // An already-passed deadline fails at once without queueing.
    kcoro::spawn(loop, take_until(&sem, 1, loop.now() - 1ms, 4, &order));
    loop.run();
    CHECK(order.back() == -4);
    CHECK(sem.waiters() == 0);
}

TEST_CASE("oneshot: awaited once, or delivered to a callback inside set()") {
    kcoro::event_loop loop;
    cell a(loop);
    int got = 0;
    kcoro::spawn(loop, await_cell(&a, &got));
    loop.poll();
    CHECK(got == 0);
    CHECK(a.set(42));
    CHECK_FALSE(a.set(43));
    CHECK(got == 0);  // resumed through the loop
    loop.poll();
    CHECK(got == 42);

    cell b(loop);
    CHECK(b.set(kcoro::errc::timed_out));
    kcoro::spawn(loop, await_cell(&b, &got));
    loop.poll();
    CHECK(got == -static_cast<int>(kcoro::errc::timed_out));

    cell c(loop);
    int seen = 0;
    c.on_ready([](void* ctx, kcoro::result<int>& v) { *static_cast<int*>(ctx) = *v; }, &seen);
    CHECK(seen == 0);
    c.set(7);
    CHECK(seen == 7);
}
