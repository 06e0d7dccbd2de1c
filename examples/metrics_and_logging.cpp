// Watching a producer: its log records through a handler the program sets (nothing is printed
// without one), and its metrics as a snapshot that to_prometheus() and to_json() write out and
// rates_between() turns into rates. The program sends records for a few seconds, logging what the
// producer says at info and above, and prints the metrics once a second.
//
//   metrics_and_logging [bootstrap servers] [topic]      (default: 127.0.0.1:9092 metrics)
#include <kcoro/kcoro.hpp>

#include <chrono>
#include <cstdio>
#include <string>

// [docs:log]
// Called on the producer's executor; the record's views live only during the call.
void log_to_stderr(const kcoro::log_record& r) {
    std::fprintf(stderr, "kcoro %s: %.*s", kcoro::log_level_name(r.level).data(), static_cast<int>(r.message.size()), r.message.data());
    if (!r.broker.empty()) std::fprintf(stderr, " [broker %d at %.*s]", r.broker_id, static_cast<int>(r.broker.size()), r.broker.data());
    if (!r.topic.empty()) std::fprintf(stderr, " [%.*s-%d]", static_cast<int>(r.topic.size()), r.topic.data(), r.partition);
    std::fprintf(stderr, "\n");
}
// [docs:end]

// [docs:report]
// Once a second: rates since the last report, latencies, and the texts a scraper or a log takes.
void report(const kcoro::producer<>& p, kcoro::producer_stats& last) {
    const kcoro::producer_stats& now = p.stats();  // valid until the next stats() call
    const kcoro::producer_rates r = kcoro::rates_between(last, now);
    std::printf("%.0f records/s delivered, %.0f bytes/s, %.1f records per request, compression %.2f\n",
                r.records_delivered_per_second, r.bytes_sent_per_second, now.records_per_request(), now.compression_ratio());
    std::printf("request latency p99 <= %llu us, send to acknowledgement p99 <= %llu us, %llu sends waiting\n",
                static_cast<unsigned long long>(now.request_latency.quantile_us(0.99)),
                static_cast<unsigned long long>(now.delivery_latency.quantile_us(0.99)),
                static_cast<unsigned long long>(now.waiting_sends));
    for (const kcoro::broker_stats& b : now.brokers)
        std::printf("broker %d (%s): %s, %llu requests in flight\n", b.id, b.address.c_str(), b.connected ? "up" : "down",
                    static_cast<unsigned long long>(b.requests_in_flight));
    for (const kcoro::error_count& e : now.batch_errors)
        std::printf("%s: %llu batches\n", kcoro::error_code_name(e.code).c_str(), static_cast<unsigned long long>(e.batches));
    const std::string prometheus = kcoro::to_prometheus(now, "metrics-example");  // serve it on /metrics
    const std::string json = kcoro::to_json(now, "metrics-example");              // or log it
    std::printf("(%zu bytes of Prometheus text, %zu of JSON)\n", prometheus.size(), json.size());
    last = now;  // a copy, kept for the next rates
}
// [docs:end]

kcoro::task<int> run(kcoro::producer<>& p, std::string topic) {
    kcoro::producer_stats last = p.stats();
    kcoro::loop_timer tick(p.runtime().loop());
    auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (int i = 0; i < 50'000; ++i) {
        const std::string value = "record-" + std::to_string(i);
        auto enqueued = co_await p.send_and_forget({.topic = topic, .value = value});  // later failures go to the error handler
        if (!enqueued) {
            std::fprintf(stderr, "send: %s\n", enqueued.err().message().c_str());
            break;
        }
        if (i % 1000 == 999) co_await tick.wait_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
        if (std::chrono::steady_clock::now() >= next_report) {
            report(p, last);
            next_report += std::chrono::seconds(1);
        }
    }
    auto closed = co_await p.close(std::chrono::seconds(10));
    report(p, last);
    co_return closed ? 0 : 1;
}

int main(int argc, char** argv) {
    const char* servers = argc > 1 ? argv[1] : "127.0.0.1:9092";
    const std::string topic = argc > 2 ? argv[2] : "metrics";
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, {.bootstrap_servers = servers});
    if (!p) {
        std::fprintf(stderr, "%s\n", p.err().message().c_str());
        return 2;
    }
    // [docs:setup]
    (*p)->set_log_handler(log_to_stderr, kcoro::log_level::info);  // debug adds each throttled answer
    (*p)->set_error_handler([](const kcoro::record_metadata& md, const kcoro::error& e) {
        std::fprintf(stderr, "a record for partition %d failed: %s\n", md.partition, e.message().c_str());
    });
    // [docs:end]
    return kcoro::run_until_complete(loop, run(**p, topic));
}
