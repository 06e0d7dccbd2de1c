// Two producers with different key and value types in one program. engine_once.cmake reads the
// symbols: the engine's functions (sender loop, request handling, metadata refresh, the retry
// policy's use) must be there once, as producer_engine<event_loop_runtime>'s, and none as a member
// of either basic_producer.
#include <kcoro/kcoro.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

int main() {
    using namespace std::chrono_literals;
    kcoro::event_loop loop;
    kcoro::producer_config config;
    config.bootstrap_servers = "127.0.0.1:1";
    auto text = kcoro::producer<std::string_view, std::string_view>::create(kcoro::event_loop_runtime(loop), config);
    auto numbers = kcoro::producer<std::int64_t, std::string>::create(kcoro::event_loop_runtime(loop), config);
    if (!text || !numbers) return 1;
    const std::string value = "v";
    (void)(*text)->try_send({.topic = "t", .key = std::string_view("k"), .value = std::string_view("v")});
    (void)(*numbers)->try_send({.topic = "t", .key = std::int64_t{7}, .value = value});
    loop.run_for(10ms);
    return 0;
}
