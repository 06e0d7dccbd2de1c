// What every runtime gives the engine besides I/O: the steady clock, the wall clock for record
// timestamps and a random source for jitter. The test runtime's are virtual and seeded, so a run of
// the engine on it is the same every time.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/manual_runtime.hpp"

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <span>
#include <set>
#include <vector>

namespace runtime_contract_test {

using namespace std::chrono_literals;
using kcoro_test::manual_loop;
using kcoro_test::manual_runtime;

// The contract checks what co_await yields, not only that a member exists.
struct read_yields_int {
    struct awaiter {
        bool await_ready() const noexcept { return true; }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        int await_resume() const noexcept { return 0; }
    };
    awaiter read_some(kcoro::mutable_bytes) { return {}; }
    kcoro::task<kcoro::result<void>> write(std::span<const kcoro::bytes_view>);
    void close() {}
};
static_assert(!kcoro::byte_stream_read_some<read_yields_int>);
static_assert(kcoro::byte_stream_write<read_yields_int> && kcoro::byte_stream_close<read_yields_int>);
static_assert(kcoro::awaitable_of<kcoro::task<int>, int> && !kcoro::awaitable_of<kcoro::task<int>, long>);
static_assert(!kcoro::awaitable<int>);

struct timer_without_cancel {
    kcoro::loop_timer::awaiter wait_until(kcoro::steady_time);
};
static_assert(kcoro::timer_wait_until<timer_without_cancel> && !kcoro::timer<timer_without_cancel>);

static_assert(kcoro::engine_runtime<manual_runtime>);
static_assert(kcoro::engine_runtime<kcoro::event_loop_runtime>);
static_assert(kcoro::byte_stream<kcoro::tcp_stream> && kcoro::timer<kcoro::loop_timer>);

std::vector<std::uint64_t> draws(manual_runtime rt, int n) {
    std::vector<std::uint64_t> out;
    for (int i = 0; i < n; ++i) out.push_back(rt.random());
    return out;
}

TEST_CASE("manual_runtime: the wall clock starts at a fixed instant and moves with virtual time") {
    manual_loop loop;
    manual_runtime rt(loop);
    const auto t0 = rt.wall_now();
    CHECK(t0 == std::chrono::system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}});
    loop.advance(1500ms);
    CHECK(rt.wall_now() - t0 == 1500ms);
    CHECK(rt.now() - manual_loop::start == 1500ms);
}

TEST_CASE("manual_runtime: random() repeats its sequence for a seed and differs between seeds") {
    manual_loop loop;
    const auto a = draws(manual_runtime(loop, 7), 64);
    CHECK(a == draws(manual_runtime(loop, 7), 64));
    CHECK(a != draws(manual_runtime(loop, 8), 64));
    CHECK(std::set<std::uint64_t>(a.begin(), a.end()).size() == a.size());
    CHECK(draws(manual_runtime(loop), 64) == draws(manual_runtime(loop, 42), 64));
}

TEST_CASE("event_loop_runtime: wall_now() is the system clock; random() differs between runtimes") {
    kcoro::event_loop loop;
    kcoro::event_loop_runtime a(loop), b(loop);
    const auto before = std::chrono::system_clock::now();
    const auto w = a.wall_now();
    CHECK(w >= before);
    CHECK(w <= std::chrono::system_clock::now());
    // Two runtimes seeded from the system's entropy: four equal 64-bit draws in a row would be a
    // shared seed, not chance.
    bool differ = false;
    for (int i = 0; i < 4; ++i) differ = differ || a.random() != b.random();
    CHECK(differ);
}

}  // namespace runtime_contract_test
