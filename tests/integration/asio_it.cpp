// The Asio adapter against the real broker: completion tokens (callback, deferred, use_awaitable
// inside asio::awaitable) deliver records that kcat reads back.
#include <kcoro/kcoro.hpp>

#if KCORO_HAS_ASIO && KCORO_HAS_EXCEPTIONS  // asio::awaitable needs exceptions; kcoro's core does not
#include <kcoro/asio.hpp>

#if ASIO_VERSION < 102600
#include <asio/experimental/deferred.hpp>
namespace kcoro_it {
inline constexpr auto& deferred = asio::experimental::deferred;
}
#else
namespace kcoro_it {
inline constexpr auto& deferred = asio::deferred;
}
#endif

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>

namespace asio_it {

TEST_CASE("asio: callback, deferred and use_awaitable sends are delivered") {
    const std::string topic = kcoro_it::unique_topic("asio");
    kcoro_it::create_topic(topic, 3);
    asio::io_context io;
    auto p = kcoro::asio_producer<>::create(io.get_executor(), {.bootstrap_servers = kcoro_it::bootstrap()});
    REQUIRE(p);
    int callbacks = 0, awaited = 0, deferred = 0, failures = 0;

    const std::string v1 = "callback";
    p->async_send({.topic = topic, .key = "a", .value = v1}, [&](kcoro::delivery_result r) { r ? ++callbacks : ++failures; });

    const std::string v2 = "deferred";
    auto op = p->async_send({.topic = topic, .key = "b", .value = v2}, kcoro_it::deferred);
    std::move(op)([&](kcoro::delivery_result r) { r ? ++deferred : ++failures; });

    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 10; ++i) {
                const std::string v = "awaited-" + std::to_string(i);
                auto r = co_await p->async_send({.topic = topic, .key = "c", .value = v}, asio::use_awaitable);
                r ? ++awaited : ++failures;
            }
            co_await p->async_flush(asio::use_awaitable);
            auto c = co_await p->async_close(std::chrono::seconds(10), asio::use_awaitable);
            if (!c) ++failures;
        },
        asio::detached);
    io.run();
    CHECK(failures == 0);
    CHECK(callbacks == 1);
    CHECK(deferred == 1);
    CHECK(awaited == 10);
    CHECK(kcoro_it::read_back_with_kcat(topic).size() == 12);
}

}  // namespace asio_it
#endif
