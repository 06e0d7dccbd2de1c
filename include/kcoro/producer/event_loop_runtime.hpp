// Runs the producer engine on kcoro's own event loop: the engine_runtime for event_loop.
#pragma once

#include "../detail/prelude.hpp"
#include "../detail/splitmix64.hpp"
#include "../runtime/runtime.hpp"
#include "../runtime/runtime_concepts.hpp"

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

class event_loop_runtime {
public:
    using stream_type = tcp_stream;
    using timer_type = loop_timer;

    explicit event_loop_runtime(event_loop& loop, tcp_resolver resolver = {})
        : loop_(&loop), resolver_(std::make_shared<tcp_resolver>(std::move(resolver))) {}

    steady_time now() const noexcept { return loop_->now(); }
    // For record timestamps.
    std::chrono::system_clock::time_point wall_now() const noexcept { return std::chrono::system_clock::now(); }
    // For jitter and seeds: a generator seeded once, from the system's entropy, at construction.
    std::uint64_t random() noexcept { return random_.next(); }
    void post(std::coroutine_handle<> h) { loop_->post(h); }
    loop_timer make_timer() { return loop_timer(*loop_); }
    task<result<tcp_stream>> connect(std::string_view host, std::uint16_t port, std::chrono::milliseconds timeout) {
        return tcp_connect(*loop_, std::string(host), port, timeout, resolver_.get());
    }
    event_loop& loop() noexcept { return *loop_; }
    // Runs the hook when the loop is destroyed (see runtime/teardown_list.hpp).
    void at_teardown(teardown_list::hook& h) noexcept { loop_->at_teardown(h); }

private:
    event_loop* loop_;
    std::shared_ptr<tcp_resolver> resolver_;
    detail::splitmix64 random_{detail::entropy_seed()};
};

static_assert(engine_runtime<event_loop_runtime>);

KCORO_NAMESPACE_END
