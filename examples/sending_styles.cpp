// The three ways to send, with the same error information each way:
//   1. awaited ("synchronous"): co_await send(rec) resumes with the record's metadata or error;
//   2. asynchronous: enqueue now, observe later, through a handle or a callback;
//   3. fire-and-forget: enqueue and move on; failures reach the error handler.
//
//   sending_styles <bootstrap servers> <topic>
#include <kcoro/kcoro.hpp>

#include <cstdio>
#include <string>
#include <vector>

kcoro::task<int> run(kcoro::producer<>& p, std::string topic) {
    int failures = 0;

    // [docs:awaited]
    // 1. Awaited: one record at a time, each acknowledged before the next.
    auto md = co_await p.send({.topic = topic, .key = "awaited", .value = "1"});
    if (md) std::printf("awaited: partition %d offset %lld\n", md->partition, static_cast<long long>(md->offset));
    else ++failures;
    // [docs:end]

    // [docs:handles]
    // 2a. Many in flight from one coroutine: enqueue now, await the handles later.
    std::vector<kcoro::delivery_handle> handles;
    for (int i = 0; i < 100; ++i) {
        const std::string v = std::to_string(i);
        auto h = co_await p.enqueue({.topic = topic, .key = "handle", .value = v});
        if (h) handles.push_back(std::move(*h));
        else ++failures;
    }
    for (auto& h : handles) {
        auto r = co_await h;
        if (!r) ++failures;
    }
    std::printf("handles: %zu delivered\n", handles.size());
    // [docs:end]

    // [docs:callback]
    // 2b. A callback, run on the producer's executor once the broker answers.
    int called_back = 0;
    for (int i = 0; i < 100; ++i) {
        auto queued = co_await p.send({.topic = topic, .key = "callback", .value = "x"},
                                      [&called_back, &failures](kcoro::delivery_result r) {
                                          if (r) ++called_back;
                                          else ++failures;
                                      });
        if (!queued) ++failures;
    }
    // [docs:end]

    // [docs:forget]
    // 3. Fire and forget: nobody awaits the outcome; failures go to the error handler.
    p.set_error_handler([&failures](const kcoro::record_metadata& m, const kcoro::error& e) {
        std::printf("lost a record for %s: %s\n", std::string(m.topic).c_str(), e.message().c_str());
        ++failures;
    });
    for (int i = 0; i < 100; ++i) {
        auto queued = co_await p.send_and_forget({.topic = topic, .value = "forget"});
        if (!queued) ++failures;
    }
    // [docs:end]

    co_await p.flush();
    std::printf("callbacks: %d delivered\n", called_back);
    auto closed = co_await p.close(std::chrono::seconds(10));
    co_return failures == 0 && called_back == 100 && closed ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <bootstrap servers> <topic>\n", argv[0]);
        return 2;
    }
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = argv[1]});
    if (!p) {
        std::fprintf(stderr, "%s\n", p.err().message().c_str());
        return 2;
    }
    return kcoro::run_until_complete(loop, run(**p, argv[2]));
}
