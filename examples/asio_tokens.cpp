// The Asio adapter's operations with two completion tokens: a callback for each record, so that
// many are in flight from one coroutine, and use_awaitable for flush and close. Everything runs on
// the io_context's one thread; the producer is made after the io_context, so it is destroyed first.
//
//   asio_tokens <bootstrap servers> <topic> [count]
#include <kcoro/asio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

asio::awaitable<int> produce(kcoro::asio_producer<>& p, std::string topic, int count) {
    // [docs:callbacks]
    // async_send's record is copied, but the bytes its key and value refer to must stay valid
    // until the operation completes: a send that finds the buffer full waits with them.
    std::vector<std::string> values;
    for (int i = 0; i < count; ++i) values.push_back("reading-" + std::to_string(i));
    int delivered = 0, failed = 0;
    for (const std::string& value : values)
        p.async_send({.topic = topic, .key = "sensor-1", .value = value}, [&delivered, &failed](kcoro::delivery_result r) {
            if (r) ++delivered;
            else if (failed++ == 0) std::printf("first failure: %s\n", r.err().message().c_str());
        });
    co_await p.async_flush(asio::use_awaitable);  // every record so far acknowledged or failed
    // [docs:end]
    // Everything else of the producer is reached with ->, on the producer's executor.
    std::printf("%d delivered, %d failed; metadata for %s: %d\n", delivered, failed, topic.c_str(), p->has_metadata(topic));
    // [docs:close]
    kcoro::result<void> closed = co_await p.async_close(std::chrono::seconds(10), asio::use_awaitable);
    if (!closed) std::printf("close: %s\n", closed.err().message().c_str());
    // [docs:end]
    co_return failed == 0 && closed ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <bootstrap servers> <topic> [count]\n", argv[0]);
        return 2;
    }
    // [docs:setup]
    asio::io_context io;  // first, so that it outlives the producer
    auto made = kcoro::asio_producer<>::create(io.get_executor(), {.bootstrap_servers = argv[1]});
    if (!made) {
        std::fprintf(stderr, "%s\n", made.err().message().c_str());
        return 2;
    }
    int rc = 1;
    asio::co_spawn(io, produce(*made, argv[2], argc > 3 ? std::atoi(argv[3]) : 1000),
                   [&rc](std::exception_ptr e, int r) { rc = e ? 1 : r; });
    io.run();  // returns once the coroutine is done and the producer has closed
    // [docs:end]
    return rc;
}
