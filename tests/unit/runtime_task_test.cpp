#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

kcoro::task<int> leaf(int v) { co_return v; }

kcoro::task<long> sequential(int n) {
    long sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await leaf(i);
    co_return sum;
}

kcoro::task<long> nested(int depth) {
    if (depth == 0) co_return 0;
    co_return 1 + co_await nested(depth - 1);
}

kcoro::task<void> record(std::vector<std::string>* log, std::string what) {
    log->push_back(std::move(what));
    co_return;
}

kcoro::task<std::string> outer(std::vector<std::string>* log) {
    log->push_back("outer starts");
    auto inner = record(log, "inner ran");
    log->push_back("inner created");  // lazy: nothing ran yet
    co_await std::move(inner);
    co_return "done";
}

kcoro::task<kcoro::result<int>> may_fail(bool fail) {
    if (fail) co_return kcoro::error(kcoro::errc::timed_out, "test");
    co_return 7;
}

kcoro::task<int> sum_results() {
    auto a = co_await may_fail(false);
    auto b = co_await may_fail(true);
    co_return (a ? *a : -100) + (b ? *b : -1000);
}

// Counts live objects so tests can see that coroutine frames were destroyed.
struct live_counter {
    int* live;
    explicit live_counter(int* l) : live(l) { ++*live; }
    live_counter(const live_counter&) = delete;
    ~live_counter() { --*live; }
};

kcoro::task<void> detached_work(kcoro::event_loop* loop, int* live, int* finished) {
    live_counter guard(live);
    co_await loop->sleep_for(std::chrono::milliseconds(1));
    ++*finished;
}

kcoro::task<void> never_started(int* live) {
    live_counter guard(live);
    co_return;
}

kcoro::task<std::unique_ptr<int>> move_only_value() { co_return std::make_unique<int>(5); }

}  // namespace

TEST_CASE("task: a million sequential co_awaits of synchronously completing tasks run in constant stack") {
    kcoro::event_loop loop;
    CHECK(kcoro::run_until_complete(loop, sequential(1000000)) == 499999500000L);
}

TEST_CASE("task: recursion 100000 deep resumes each caller by symmetric transfer") {
    kcoro::event_loop loop;
    CHECK(kcoro::run_until_complete(loop, nested(100000)) == 100000);
}

TEST_CASE("task: lazy start, void tasks, result values and move-only values") {
    kcoro::event_loop loop;
    std::vector<std::string> log;
    CHECK(kcoro::run_until_complete(loop, outer(&log)) == "done");
    CHECK(log == std::vector<std::string>{"outer starts", "inner created", "inner ran"});
    CHECK(kcoro::run_until_complete(loop, sum_results()) == 7 - 1000);
    auto p = kcoro::run_until_complete(loop, move_only_value());
    REQUIRE(p);
    CHECK(*p == 5);

    kcoro::task<int> a = leaf(1);
    kcoro::task<int> b = std::move(a);
    CHECK_FALSE(a.valid());  // NOLINT: moved-from is empty by contract
    CHECK(b.valid());
    CHECK_FALSE(b.done());
}

TEST_CASE("task: destroying a task that never ran frees its frame") {
    int live = 0;
    {
        auto t = never_started(&live);
        CHECK(live == 0);  // lazy: the body has not run
    }
    CHECK(live == 0);
}

TEST_CASE("spawn: detached tasks run on the executor and free their frames") {
    kcoro::event_loop loop;
    int live = 0, finished = 0;
    for (int i = 0; i < 100; ++i) kcoro::spawn(loop, detached_work(&loop, &live, &finished));
    CHECK(finished == 0);  // posted, not run inline
    CHECK(live == 0);
    loop.poll();  // starts them all: each is now asleep
    CHECK(live == 100);
    loop.run();
    CHECK(finished == 100);
    CHECK(live == 0);  // every frame destroyed itself (ASan reports any leak)
}
