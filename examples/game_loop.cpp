// A game or trading loop that owns the thread: each frame it does its own work, hands records to
// the producer without ever blocking (try_send), and gives kcoro's event loop a non-blocking
// poll() to move bytes. No thread is started.
//
//   game_loop <bootstrap servers> <topic> [frames]
#include <kcoro/kcoro.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <bootstrap servers> <topic> [frames]\n", argv[0]);
        return 2;
    }
    const int frames = argc > 3 ? std::atoi(argv[3]) : 600;
    kcoro::event_loop loop;
    auto made = kcoro::make_producer(loop, {.bootstrap_servers = argv[1], .linger = std::chrono::milliseconds(0)});
    if (!made) {
        std::fprintf(stderr, "%s\n", made.err().message().c_str());
        return 2;
    }
    auto& producer = **made;
    int delivered = 0, failed = 0, deferred = 0;
    const std::string topic = argv[2];

    // [docs:warm_up]
    // Before the first frame (where a game shows its loading screen): the topic's metadata, so
    // that try_send takes frame 1's event instead of refusing events until metadata arrives.
    auto ready = kcoro::run_until_complete(loop, producer.wait_for_metadata({topic}, std::chrono::seconds(10)));
    if (!ready) {
        std::fprintf(stderr, "%s\n", ready.err().message().c_str());
        return 1;
    }
    // [docs:end]

    // [docs:frames]
    for (int frame = 0; frame < frames; ++frame) {
        const auto frame_start = std::chrono::steady_clock::now();
        // ... simulate the frame's own work here ...
        const std::string event = "{\"frame\": " + std::to_string(frame) + "}";
        auto r = producer.try_send({.topic = topic, .key = "player-1", .value = event},
                                   [&](kcoro::delivery_result d) { d ? ++delivered : ++failed; });
        // With a full buffer (or a topic whose metadata was lost), try_send says so at once; a
        // real game would keep the event for the next frame.
        if (!r) ++deferred;
        loop.poll();  // never blocks
        std::this_thread::sleep_until(frame_start + std::chrono::milliseconds(2));
    }
    // [docs:end]
    // [docs:shut_down]
    // Shut down: close() is a coroutine; drive the loop until it is done.
    auto closed = kcoro::run_until_complete(loop, producer.close(std::chrono::seconds(10)));
    // [docs:end]
    std::printf("frames %d: delivered %d, failed %d, deferred %d\n", frames, delivered, failed, deferred);
    return closed && failed == 0 && delivered > 0 ? 0 : 1;
}
