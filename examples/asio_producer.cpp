// kcoro inside an Asio program: the producer runs on the io_context's executor and its sends are
// Asio operations, awaited from an asio::awaitable coroutine with use_awaitable.
//
//   asio_producer <bootstrap servers> <topic> [count]
#include <kcoro/asio.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

asio::awaitable<int> produce(kcoro::asio_producer<>& p, std::string topic, int count) {
    int failures = 0;
    for (int i = 0; i < count; ++i) {
        const std::string key = "asio-" + std::to_string(i % 4);
        const std::string value = "value-" + std::to_string(i);
        // [docs:awaited]
        kcoro::delivery_result md = co_await p.async_send({.topic = topic, .key = key, .value = value}, asio::use_awaitable);
        if (md) std::printf("%s -> partition %d offset %lld\n", key.c_str(), md->partition, static_cast<long long>(md->offset));
        else {
            std::printf("%s failed: %s\n", key.c_str(), md.err().message().c_str());
            ++failures;
        }
        // [docs:end]
    }
    kcoro::result<void> closed = co_await p.async_close(std::chrono::seconds(10), asio::use_awaitable);
    co_return failures == 0 && closed ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <bootstrap servers> <topic> [count]\n", argv[0]);
        return 2;
    }
    asio::io_context io;
    auto p = kcoro::asio_producer<>::create(io.get_executor(), {.bootstrap_servers = argv[1]});
    if (!p) {
        std::fprintf(stderr, "%s\n", p.err().message().c_str());
        return 2;
    }
    int rc = 1;
    asio::co_spawn(io, produce(*p, argv[2], argc > 3 ? std::atoi(argv[3]) : 10), [&rc](std::exception_ptr e, int r) {
        rc = e ? 1 : r;
    });
    io.run();
    return rc;
}
