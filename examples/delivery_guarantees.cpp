// Delivery guarantees are configuration: acks, idempotence, delivery_timeout and max_in_flight
// decide what a delivered record means and whether a retry can duplicate or reorder it. The
// program sends records of one key, which all go to one partition, and checks that their offsets
// rise in the order of the sends; then flush() and close() say whether everything arrived.
//
//   delivery_guarantees <bootstrap servers> <topic> [all|leader|none] [count]
#include <kcoro/kcoro.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

kcoro::producer_config choose(const char* servers, std::string_view mode) {
    if (mode == "none") {
        // [docs:acks_none]
        kcoro::producer_config config{.bootstrap_servers = servers};
        config.acks = kcoro::acks::none;     // no answer from the broker: written to the socket is delivered
        config.enable_idempotence = false;   // idempotence needs acks::all
        // [docs:end]
        return config;
    }
    if (mode == "leader") {
        // [docs:acks_leader]
        kcoro::producer_config config{.bootstrap_servers = servers};
        config.acks = kcoro::acks::leader;   // the leader wrote it; lost if the leader fails before a follower copies it
        config.enable_idempotence = false;   // a retry may write a batch twice
        config.max_in_flight = 1;            // but never out of order: one request at a time per broker
        // [docs:end]
        return config;
    }
    // [docs:acks_all]
    kcoro::producer_config config{.bootstrap_servers = servers};
    config.acks = kcoro::acks::all;          // every in-sync replica has it (the default)
    config.enable_idempotence = true;        // no duplicates, order kept per partition (the default)
    config.max_in_flight = 5;                // at most 5 with idempotence (the default)
    config.delivery_timeout = 60s;           // retried until this has passed (at least linger + request_timeout)
    // [docs:end]
    return config;
}

kcoro::task<int> produce(kcoro::producer<>& p, std::string topic, int count) {
    // [docs:ordered]
    std::vector<kcoro::delivery_handle> handles;
    for (int i = 0; i < count; ++i) {
        const std::string value = "step-" + std::to_string(i);
        auto h = co_await p.enqueue({.topic = topic, .key = "account-7", .value = value});
        if (!h) {
            std::printf("not enqueued: %s\n", h.err().message().c_str());
            break;
        }
        handles.push_back(std::move(*h));
    }
    co_await p.flush();  // sends what linger holds; resumes once each record is acknowledged or failed
    int failed = 0, out_of_order = 0;
    std::int64_t last = -1;
    for (auto& h : handles) {
        auto md = co_await h;  // ready at once after flush()
        if (!md) {
            std::printf("failed: %s\n", md.err().message().c_str());
            ++failed;
        } else if (md->offset >= 0) {  // acks::none learns no offset (-1)
            if (md->offset <= last) ++out_of_order;
            last = md->offset;
        }
    }
    // [docs:end]
    std::printf("%zu sent, %d failed, %d out of order, last offset %lld\n", handles.size(), failed, out_of_order,
                static_cast<long long>(last));
    // [docs:close]
    auto closed = co_await p.close(10s);  // ok only if every record pending at close() was delivered
    if (!closed) std::printf("close: %s\n", closed.err().message().c_str());
    // [docs:end]
    co_return failed == 0 && out_of_order == 0 && closed ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <bootstrap servers> <topic> [all|leader|none] [count]\n", argv[0]);
        return 2;
    }
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, choose(argv[1], argc > 3 ? argv[3] : "all"));
    if (!p) {
        std::fprintf(stderr, "%s\n", p.err().message().c_str());
        return 2;
    }
    return kcoro::run_until_complete(loop, produce(**p, argv[2], argc > 4 ? std::atoi(argv[4]) : 1000));
}
