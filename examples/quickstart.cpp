// Quickstart: produce keyed records with headers to a topic and print where each one landed.
//
//   quickstart <bootstrap servers> <topic> [count]
#include <kcoro/kcoro.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

kcoro::task<int> produce(kcoro::producer<>& producer, std::string topic, int count) {
    int failures = 0;
    for (int i = 0; i < count; ++i) {
        const std::string key = "order-" + std::to_string(i % 10);
        const std::string value = "{\"order\": " + std::to_string(i) + ", \"amount\": " + std::to_string(10 * i) + "}";
        const kcoro::record_header headers[] = {{"source", kcoro::as_bytes("quickstart")}};
        // Resumes once the broker has acknowledged the record under acks=all.
        auto md = co_await producer.send({.topic = topic, .key = key, .value = value, .headers = headers});
        if (md) {
            std::printf("%s -> %s[%d]@%lld\n", key.c_str(), std::string(md->topic).c_str(), md->partition,
                        static_cast<long long>(md->offset));
        } else {
            std::printf("%s failed: %s\n", key.c_str(), md.err().message().c_str());
            ++failures;
        }
    }
    auto closed = co_await producer.close(std::chrono::seconds(10));
    if (!closed) std::printf("close: %s\n", closed.err().message().c_str());
    co_return failures == 0 && closed ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <bootstrap servers> <topic> [count]\n", argv[0]);
        return 2;
    }
    kcoro::event_loop loop;
    auto producer = kcoro::make_producer(loop, {.bootstrap_servers = argv[1]});
    if (!producer) {
        std::fprintf(stderr, "%s\n", producer.err().message().c_str());
        return 2;
    }
    return kcoro::run_until_complete(loop, produce(**producer, argv[2], argc > 3 ? std::atoi(argv[3]) : 10));
}
