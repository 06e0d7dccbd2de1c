// asio_producer::async_send allocates nothing per record once warm: counted over every way a
// C++ program or Asio takes heap memory on the producer's thread - each replaceable operator new
// (plain, array, nothrow, aligned) and aligned_alloc, which Asio's per-thread operation cache calls.
// The broker is librdkafka's mock cluster; its own threads are not counted.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <kcoro/asio.hpp>

#include "../support/rdkafka_mock_cluster.hpp"

#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

namespace {
// Only the thread that sets it counts: librdkafka's threads allocate on their own.
thread_local bool t_counting = false;
thread_local std::uint64_t t_allocations = 0;

void* counted(std::size_t n, std::size_t align) noexcept {
    if (t_counting) ++t_allocations;
    if (n == 0) n = 1;
    return align <= alignof(std::max_align_t) ? std::malloc(n) : ::memalign(align, n);
}
void* counted_or_abort(std::size_t n, std::size_t align) {
    if (void* p = counted(n, align)) return p;
    std::abort();
}
}  // namespace

// Asio's recycling allocator takes its blocks from aligned_alloc (ASIO_HAS_STD_ALIGNED_ALLOC).
extern "C" void* aligned_alloc(std::size_t align, std::size_t n) noexcept { return counted(n, align); }

void* operator new(std::size_t n) { return counted_or_abort(n, 0); }
void* operator new[](std::size_t n) { return counted_or_abort(n, 0); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_or_abort(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_or_abort(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted(n, static_cast<std::size_t>(a)); }
// Every form frees with free(), which takes what malloc and memalign returned; g++ cannot see that
// these replace the whole family and warns.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

using namespace std::chrono_literals;

namespace {

struct wave_outcome {
    std::uint64_t in_async_send = 0;  // allocations made while async_send itself ran
    std::uint64_t total = 0;          // allocations from the first send to the last completion
    std::uint64_t requests = 0;       // Produce requests those records took
    int delivered = 0;
    int failed = 0;
};

// n records through async_send with a callback, then the io_context run until every one completed.
wave_outcome wave(asio::io_context& io, kcoro::asio_producer<>& p, int n, const std::string& value) {
    wave_outcome w;
    char key[32];
    const std::uint64_t requests_before = p->stats().requests_sent;
    t_allocations = 0;
    t_counting = true;
    for (int i = 0; i < n; ++i) {
        const int len = std::snprintf(key, sizeof key, "key-%d", i % 1000);
        const std::uint64_t before = t_allocations;
        p.async_send({.topic = "alloc", .key = std::string_view(key, static_cast<std::size_t>(len)), .value = value},
                     [&w](kcoro::delivery_result r) { r ? ++w.delivered : ++w.failed; });
        w.in_async_send += t_allocations - before;
    }
    while (w.delivered + w.failed < n)
        if (io.run_one_for(10s) == 0) break;
    t_counting = false;
    w.total = t_allocations;
    w.requests = p->stats().requests_sent - requests_before;
    return w;
}

}  // namespace

TEST_CASE("async_send allocates nothing per record in steady state: not in the call, not on the way back") {
    kcoro_test::rdkafka_mock_cluster mock(1);
    mock.create_topic("alloc", 4, 1);
    {
        asio::io_context io;
        // Large batches, so that what is allocated per request (frames, the request, the decoded
        // response) stays far below one per record and anything per record stands out.
        auto created = kcoro::asio_producer<>::create(
            io.get_executor(), {.bootstrap_servers = mock.bootstrap_servers(), .batch_size = 512u * 1024});
        REQUIRE(created);
        kcoro::asio_producer<>& p = *created;
        const std::string value(100, 'v');
        constexpr int n = 10000;
        // Warm-up at the measured size: metadata, connections, batch buffers and every pool at
        // its high-water mark.
        for (int round = 0; round < 2; ++round) {
            const auto warm = wave(io, p, n, value);
            REQUIRE(warm.delivered == n);
        }
        const auto w = wave(io, p, n, value);
        CHECK(w.delivered == n);
        CHECK(w.failed == 0);
        MESSAGE(w.total << " allocations for " << n << " records in " << w.requests << " requests ("
                        << static_cast<double>(w.total) / n << " per record), " << w.in_async_send << " of them in async_send");
        CHECK(w.in_async_send == 0);
        REQUIRE(w.requests > 0);
        // What remains is per request (the engine's, measured in embedding_it: under 128 each).
        CHECK(w.total <= 128 * w.requests);
        CHECK(static_cast<double>(w.total) / n < 0.1);
        bool closed = false;
        p.async_close(10s, [&](kcoro::result<void> r) {
            CHECK(r.has_value());
            closed = true;
        });
        while (!closed)
            if (io.run_one_for(10s) == 0) break;
        CHECK(closed);
    }
}

int main(int argc, char** argv) {
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    return context.run();
}
