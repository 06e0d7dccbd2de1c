// A trading engine's tick loop that owns its thread and must never wait: each tick it publishes
// its fills with try_send, which never suspends, and gives kcoro's event loop one poll(), which
// never blocks. What try_send refuses for a full buffer stays in the engine's own backlog and is
// offered again next tick, in order; buffer_memory bounds what the producer holds. (The fills are
// invented: one per tick, over four instruments.)
//
//   trading_loop <bootstrap servers> <topic> [ticks]
#include <kcoro/kcoro.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

struct fill {
    std::string instrument;
    std::string text;
};

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <bootstrap servers> <topic> [ticks]\n", argv[0]);
        return 2;
    }
    const int ticks = argc > 3 ? std::atoi(argv[3]) : 2000;
    const std::string topic = argv[2];
    // [docs:config]
    kcoro::producer_config config{.bootstrap_servers = argv[1]};
    config.linger = std::chrono::milliseconds(0);  // a fill leaves at the next poll()
    config.buffer_memory = 1024 * 1024;            // the most the producer holds for unacknowledged records
    // [docs:end]
    kcoro::event_loop loop;
    auto made = kcoro::make_producer(loop, config);
    if (!made) {
        std::fprintf(stderr, "%s\n", made.err().message().c_str());
        return 2;
    }
    auto& producer = **made;
    if (auto ready = kcoro::run_until_complete(loop, producer.wait_for_metadata({topic}, std::chrono::seconds(10))); !ready) {
        std::fprintf(stderr, "%s\n", ready.err().message().c_str());
        return 1;
    }

    // [docs:tick]
    int delivered = 0, failed = 0, refused = 0;
    auto on_delivery = [&delivered, &failed](kcoro::delivery_result d) { d ? ++delivered : ++failed; };
    std::deque<fill> backlog;
    for (int tick = 0; tick < ticks; ++tick) {
        const auto tick_end = std::chrono::steady_clock::now() + std::chrono::microseconds(500);
        static const char* const instruments[] = {"ESZ6", "NQZ6", "CLF7", "GCG7"};
        backlog.push_back({instruments[tick % 4], "{\"tick\": " + std::to_string(tick) + ", \"qty\": 1}"});
        while (!backlog.empty()) {
            const fill& f = backlog.front();
            auto r = producer.try_send({.topic = topic, .key = f.instrument, .value = f.text}, on_delivery);
            if (!r && r.err() == kcoro::errc::buffer_exhausted) break;  // full: the rest waits a tick
            if (!r) {
                std::fprintf(stderr, "fill dropped: %s\n", r.err().message().c_str());
                ++refused;
            }
            backlog.pop_front();  // serialized into a batch by try_send: the fill may go
        }
        loop.poll();
        while (std::chrono::steady_clock::now() < tick_end) loop.poll();  // the tick's spare time
    }
    // [docs:end]
    auto closed = kcoro::run_until_complete(loop, producer.close(std::chrono::seconds(10)));
    std::printf("ticks %d: delivered %d, failed %d, refused %d, %zu left in the backlog\n", ticks, delivered, failed, refused,
                backlog.size());
    return closed && failed == 0 && refused == 0 ? 0 : 1;
}
