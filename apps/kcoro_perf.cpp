// kcoro-perf: kcoro's producer under load, with the options of Kafka's kafka-producer-perf-test.
//
//   kcoro-perf --topic T --num-records N (--record-size B | --payload-file F | --payload-monotonic)
//              [--throughput R] [--producer-props k=v ...] [--producer.config FILE]
//              [--bootstrap-server HOST:PORT] [--keys K] [--payload-delimiter D] [--print-metrics]
//
// Prints a progress line every 5 s, as Java's tool does, then records/s, MB/s, latency avg, max,
// p50, p95, p99 and p99.9, and an ASCII histogram of the latencies. Latency runs from send() to
// the acknowledgement; with --throughput it runs from when each record was due, so a client that
// falls behind its rate shows it. Percentiles are printed in milliseconds with decimals (Java's tool
// rounds them to whole milliseconds). --print-metrics adds the producer's metrics as a table (stats()).
// The loop is the one bench/producer_bench measures with
// (producer_perf.hpp). Exit status: 0 when every record was delivered, 1 otherwise, 2 on bad options.
#include "producer_perf.hpp"

#include <kcoro/kcoro.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// --print-metrics: the producer's metrics as a table of "name : value", as Java's tool prints its
// producer's: every counter and gauge, the derived figures and the two latency histograms' summaries.
void print_metrics_table(const kcoro::producer_stats& s) {
    std::printf("\n%-56s %s\n", "Metric Name", "Value");
    const auto row = [](std::string_view name, const std::string& value) {
        std::printf("kcoro-producer:%-41.*s : %s\n", static_cast<int>(name.size()), name.data(), value.c_str());
    };
    for (const kcoro::producer_stats_field& f : kcoro::producer_stats_fields) row(f.name, std::to_string(s.*f.value));
    const auto decimal = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", v);
        return std::string(buf);
    };
    row("compression_ratio", decimal(s.compression_ratio()));
    row("records_per_request", decimal(s.records_per_request()));
    row("average_batch_bytes", decimal(s.average_batch_bytes()));
    for (const auto& [name, h] : {std::pair{std::string_view("request_latency"), &s.request_latency},
                                  std::pair{std::string_view("delivery_latency"), &s.delivery_latency}}) {
        const std::string n(name);
        row(n + "_count", std::to_string(h->count));
        row(n + "_avg_us", decimal(h->count == 0 ? 0.0 : static_cast<double>(h->sum_us) / static_cast<double>(h->count)));
        row(n + "_max_us", std::to_string(h->max_us));
        row(n + "_p99_us", std::to_string(h->quantile_us(0.99)));
    }
    for (const kcoro::error_count& e : s.batch_errors) row("batch_errors:" + kcoro::error_code_name(e.code), std::to_string(e.batches));
}

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "kcoro-perf: %s\n"
                 "usage: kcoro-perf --topic T --num-records N (--record-size B | --payload-file F | --payload-monotonic)\n"
                 "                  [--throughput R (records/s, -1: no limit)] [--producer-props k=v ...]\n"
                 "                  [--producer.config FILE] [--bootstrap-server HOST:PORT] [--keys K (0: no key)]\n"
                 "                  [--payload-delimiter D] [--print-metrics]\n",
                 why.c_str());
    std::exit(2);
}

long number(std::string_view flag, std::string_view v) {
    long n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || p != v.data() + v.size()) usage(std::string(flag) + " takes a number, not '" + std::string(v) + "'");
    return n;
}

// An ASCII histogram of the latencies in power-of-two buckets of microseconds.
void print_histogram(const std::vector<std::int64_t>& sorted) {
    if (sorted.empty()) return;
    std::vector<long> buckets(64, 0);
    for (const std::int64_t ns : sorted) {
        const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(ns / 1000, 1));
        ++buckets[static_cast<std::size_t>(63 - __builtin_clzll(us))];
    }
    std::size_t lo = 0, hi = 63;
    while (buckets[lo] == 0) ++lo;
    while (buckets[hi] == 0) --hi;
    const long most = *std::max_element(buckets.begin(), buckets.end());
    std::printf("latency histogram (ms):\n");
    for (std::size_t b = lo; b <= hi; ++b) {
        const int width = static_cast<int>(std::lround(50.0 * static_cast<double>(buckets[b]) / static_cast<double>(most)));
        std::printf("  %9.3f - %9.3f | %-50s | %ld\n", static_cast<double>(1ull << b) / 1e3, static_cast<double>(1ull << (b + 1)) / 1e3,
                    std::string(static_cast<std::size_t>(width), '#').c_str(), buckets[b]);
    }
}

}  // namespace

int main(int argc, char** argv) {
    kcoro_perf::workload w;
    kcoro::producer_properties props;
    std::string config_file, payload_file, delimiter = "\n";
    long record_size = -1, throughput = -1;
    bool print_metrics = false, have_records = false;
    std::vector<std::string> pairs;
    std::string bootstrap;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) usage(std::string(flag) + " needs a value");
            return argv[++i];
        };
        if (flag == "--topic") w.topic = value();
        else if (flag == "--num-records") {
            w.records = number(flag, value());
            have_records = true;
        }
        else if (flag == "--record-size") record_size = number(flag, value());
        else if (flag == "--payload-file") payload_file = value();
        else if (flag == "--payload-delimiter") delimiter = value();
        else if (flag == "--payload-monotonic") w.monotonic = true;
        else if (flag == "--throughput") throughput = number(flag, value());
        else if (flag == "--producer.config") config_file = value();
        else if (flag == "--bootstrap-server") bootstrap = value();
        else if (flag == "--keys") w.keys = number(flag, value());
        else if (flag == "--print-metrics") print_metrics = true;
        else if (flag == "--producer-props") {
            if (i + 1 >= argc) usage("--producer-props needs key=value pairs");
            while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) pairs.emplace_back(argv[++i]);
        } else if (flag == "--transactional-id" || flag == "--transaction-duration-ms") {
            usage(std::string(flag) + ": transactions are not supported yet");
        } else if (flag == "-h" || flag == "--help") {
            usage("a producer performance test");
        } else {
            usage("unknown option " + std::string(flag));
        }
    }
    if (w.topic.empty() || !have_records) usage("--topic and --num-records are required");
    if (w.records <= 0) usage("--num-records must be positive");
    if (w.keys < 0) usage("--keys must not be negative");
    if ((record_size >= 0) + !payload_file.empty() + w.monotonic != 1)
        usage("give exactly one of --record-size, --payload-file and --payload-monotonic");
    if (record_size >= 0) w.payloads = {std::string(static_cast<std::size_t>(record_size), 'x')};
    if (!payload_file.empty()) {
        std::ifstream in(payload_file, std::ios::binary);
        if (!in) usage("cannot read " + payload_file);
        std::ostringstream s;
        s << in.rdbuf();
        const std::string text = s.str();
        for (std::size_t at = 0; at < text.size();) {
            std::size_t end = text.find(delimiter, at);
            if (end == std::string::npos) end = text.size();
            if (end > at) w.payloads.emplace_back(text.substr(at, end - at));
            at = end + delimiter.size();
        }
        if (w.payloads.empty()) usage(payload_file + " holds no payload");
    }
    if (w.monotonic) w.payloads = {std::string()};
    w.rate = throughput > 0 ? static_cast<double>(throughput) : 0;

    // As in Java's tool: the file first, then --producer-props over it.
    if (!config_file.empty())
        if (auto r = props.add_file(config_file); !r) usage(r.err().detail());
    if (!bootstrap.empty()) props.set("bootstrap.servers", bootstrap, "--bootstrap-server");
    for (const auto& pair : pairs)
        if (auto r = props.set_pair(pair, "--producer-props"); !r) usage(r.err().detail());
    auto cfg = props.to_config();
    for (const auto& d : props.diagnostics()) std::fprintf(stderr, "kcoro-perf: %s: %s\n", d.error ? "error" : "warning", d.text.c_str());
    if (!cfg) return 2;

    kcoro_perf::tally t;
    t.latency_ns.assign(static_cast<std::size_t>(w.records), -1);
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, *cfg);
    if (!p) {
        std::fprintf(stderr, "kcoro-perf: %s\n", p.err().message().c_str());
        return 2;
    }
    const std::int64_t t0 = kcoro_perf::now_ns();
    const bool closed = kcoro::run_until_complete(loop, kcoro_perf::produce<true>(loop, **p, w, t));
    const std::int64_t t1 = t.last_ack_ns > t0 ? t.last_ack_ns : kcoro_perf::now_ns();
    const double seconds = static_cast<double>(t1 - t0) / 1e9;

    const std::vector<std::int64_t> lat = kcoro_perf::delivered_latencies(t);
    double sum = 0;
    for (const auto v : lat) sum += static_cast<double>(v);
    const double avg_ms = lat.empty() ? 0 : sum / static_cast<double>(lat.size()) / 1e6;
    const double max_ms = lat.empty() ? 0 : static_cast<double>(lat.back()) / 1e6;
    std::printf("%ld records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %.3f ms 50th, "
                "%.3f ms 95th, %.3f ms 99th, %.3f ms 99.9th.\n",
                t.delivered, static_cast<double>(t.delivered) / seconds,
                static_cast<double>(t.delivered_bytes) / seconds / (1024.0 * 1024.0), avg_ms, max_ms,
                kcoro_perf::quantile_us(lat, 0.50) / 1e3, kcoro_perf::quantile_us(lat, 0.95) / 1e3,
                kcoro_perf::quantile_us(lat, 0.99) / 1e3, kcoro_perf::quantile_us(lat, 0.999) / 1e3);
    print_histogram(lat);
    if (print_metrics) print_metrics_table((**p).stats());
    if (t.failed > 0)
        std::fprintf(stderr, "kcoro-perf: %ld of %ld records failed; the first: %s\n", t.failed, w.records, t.first_error.c_str());
    return closed && t.delivered == w.records ? 0 : 1;
}
