// Errors are values: every failure is a kcoro::error that says what went wrong and, where the
// caller can act, what to change. The program makes some on purpose: a configuration the producer
// refuses, a record larger than it takes (or, with no broker listening, a send that waits
// max_block for the topic's metadata), a send after close(); and shows how to tell them apart.
//
//   error_handling [bootstrap servers] [topic]      (default: 127.0.0.1:9092 errors)
#include <kcoro/kcoro.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>

// [docs:advice]
// What a caller can do about a failed send. kind() is the error's kcoro::errc (errc::none when
// the code is of another category, such as a serializer's own).
const char* advice(const kcoro::error& e) {
    switch (e.kind()) {
        case kcoro::errc::buffer_exhausted: return "produce slower, or raise buffer_memory or max_block";
        case kcoro::errc::record_too_large:
        case kcoro::errc::message_too_large: return "send smaller records, or raise the limit the message names";
        case kcoro::errc::delivery_timeout: return "the cluster did not take it in time: check the brokers";
        case kcoro::errc::topic_authorization_failed: return "grant WRITE on the topic";
        case kcoro::errc::producer_closed:
        case kcoro::errc::producer_fenced: return "stop sending; create a new producer if work remains";
        default: return e.retriable() ? "transient: sending it again may succeed" : "read the message";
    }
}
// [docs:end]

kcoro::task<int> run(kcoro::producer<>& p, std::string topic) {
    // [docs:send]
    const std::string big(2 * 1024 * 1024, 'x');  // larger than max_request_size (1 MiB)
    auto md = co_await p.send({.topic = topic, .key = "big", .value = big});
    if (!md) {
        const kcoro::error& e = md.err();
        std::printf("send: %s\n", e.message().c_str());  // the detail, then the errc's name and hint
        std::printf("  %s %d, retriable %d: %s\n", e.code().category().name(), e.code().value(), e.retriable(), advice(e));
        if (e == kcoro::errc::record_too_large) std::printf("  as expected with a broker\n");
    }
    // [docs:end]

    // [docs:close]
    auto closed = co_await p.close(std::chrono::seconds(5));
    if (!closed) std::printf("close: %s\n", closed.err().message().c_str());
    auto late = co_await p.send({.topic = topic, .value = "late"});
    const std::error_code code = late.code();  // a std::error_code in the "kcoro" category
    if (code == kcoro::errc::producer_closed) std::printf("late: %s\n", late.err().message().c_str());
    // [docs:end]
    co_return md ? 1 : 0;  // the big record must have failed
}

int main(int argc, char** argv) {
    const char* servers = argc > 1 ? argv[1] : "127.0.0.1:9092";
    const std::string topic = argc > 2 ? argv[2] : "errors";
    kcoro::event_loop loop;

    // [docs:config]
    auto refused = kcoro::make_producer(loop, {.bootstrap_servers = "broker1:9092;broker2:9092"});
    if (!refused) std::printf("config: %s\n", refused.err().message().c_str());
    // config: bootstrap_servers: 'broker1:9092;broker2:9092': separate entries with ',', not ';': bad_config
    // [docs:end]

    kcoro::producer_config config{.bootstrap_servers = servers, .max_block = std::chrono::seconds(5)};
    auto p = kcoro::make_producer(loop, config);
    if (!p) {
        std::fprintf(stderr, "%s\n", p.err().message().c_str());
        return 2;
    }
    return kcoro::run_until_complete(loop, run(**p, topic));
}
