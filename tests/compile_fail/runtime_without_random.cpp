// expect: runtime_random
// A runtime that lacks one member of the contract (here random()) must be rejected where it is
// given to the engine, with a diagnostic that names the missing requirement.
#include <kcoro/kcoro.hpp>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <string_view>

struct no_random_runtime {
    using stream_type = kcoro::event_loop_runtime::stream_type;
    using timer_type = kcoro::event_loop_runtime::timer_type;
    kcoro::event_loop_runtime inner;

    kcoro::steady_time now() const noexcept { return inner.now(); }
    kcoro::wall_time wall_now() const noexcept { return inner.wall_now(); }
    void post(std::coroutine_handle<> h) { inner.post(h); }
    timer_type make_timer() { return inner.make_timer(); }
    auto connect(std::string_view host, std::uint16_t port, std::chrono::milliseconds timeout) {
        return inner.connect(host, port, timeout);
    }
};

int main() {
    kcoro::event_loop loop;
    auto p = kcoro::basic_producer<no_random_runtime, std::string_view, std::string_view, kcoro::default_partitioner,
                                   kcoro::default_serializer<std::string_view>,
                                   kcoro::default_serializer<std::string_view>>::create(no_random_runtime{kcoro::event_loop_runtime(loop)}, {});
    return p ? 0 : 1;
}
