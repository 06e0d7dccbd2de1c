// Producer benchmark against a broker (a real one, or bench/sink_broker for the client's own cost):
// throughput, CPU time per record, send-to-acknowledgement latency percentiles and peak RSS, printed
// as one RESULT line. bench/rdkafka_bench takes the same options and prints the same line, so that
// scripts/bench can put both side by side.
//
//   producer_bench --bootstrap HOST:PORT --topic T [--records N=1000000] [--value-bytes B=100]
//                  [--keyed 0|1 =1] [--acks 0|1|all =all] [--linger-ms L=5]
//                  [--codec none|gzip|snappy|lz4|zstd =none] [--rate R=0] [--batch-size BYTES=16384]
//                  [--idempotence 0|1 =1 with acks=all, else 0] [--runtime loop|asio =loop]
//
// The loop that sends and measures is apps/producer_perf.hpp, shared with kcoro-perf: records go
// out with the callback style, so the sending coroutine waits only for buffer space; --rate R > 0
// sends record i at start + i/R and measures its latency from that scheduled time, so a sender that
// falls behind shows up in the percentiles instead of hiding (coordinated omission).
// --runtime asio runs the producer on an asio::io_context through kcoro's Asio adapter
// (asio_producer::async_send with a callback token, paced by an asio::steady_timer); its RESULT
// line says client=kcoro-asio.
#include "../apps/producer_perf.hpp"

#include <kcoro/kcoro.hpp>
#if KCORO_BENCH_ASIO
#include <kcoro/asio.hpp>
#endif

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct options {
    std::string bootstrap;
    std::string topic;
    long records = 1000000;
    long value_bytes = 100;
    bool keyed = true;
    std::string acks = "all";
    long linger_ms = 5;
    std::string codec = "none";
    double rate = 0;
    long batch_size = 16384;
    int idempotence = -1;  // -1: on exactly when acks=all
    long warmup = 0;       // the first N records are sent but left out of the latency percentiles
    std::string runtime = "loop";
};

[[noreturn]] void usage(const char* argv0, const char* why) {
    std::fprintf(stderr,
                 "%s: %s\nusage: %s --bootstrap HOST:PORT --topic T [--records N] [--value-bytes B] [--keyed 0|1]\n"
                 "       [--acks 0|1|all] [--linger-ms L] [--codec none|gzip|snappy|lz4|zstd] [--rate R]\n"
                 "       [--batch-size BYTES] [--idempotence 0|1] [--runtime loop|asio] [--warmup N]\n",
                 argv0, why, argv0);
    std::exit(2);
}

long to_long(const char* argv0, const char* s) {
    char* end = nullptr;
    const long v = std::strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0) usage(argv0, "expected a non-negative integer");
    return v;
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; i += 2) {
        const std::string_view name = argv[i];
        if (i + 1 >= argc) usage(argv[0], "every option takes a value");
        const char* v = argv[i + 1];
        if (name == "--bootstrap") o.bootstrap = v;
        else if (name == "--topic") o.topic = v;
        else if (name == "--records") o.records = to_long(argv[0], v);
        else if (name == "--value-bytes") o.value_bytes = to_long(argv[0], v);
        else if (name == "--keyed") o.keyed = to_long(argv[0], v) != 0;
        else if (name == "--acks") o.acks = v;
        else if (name == "--linger-ms") o.linger_ms = to_long(argv[0], v);
        else if (name == "--codec") o.codec = v;
        else if (name == "--rate") o.rate = static_cast<double>(to_long(argv[0], v));
        else if (name == "--batch-size") o.batch_size = to_long(argv[0], v);
        else if (name == "--idempotence") o.idempotence = to_long(argv[0], v) != 0 ? 1 : 0;
        else if (name == "--runtime") o.runtime = v;
        else if (name == "--warmup") o.warmup = to_long(argv[0], v);
        else usage(argv[0], "unknown option");
    }
    if (o.bootstrap.empty() || o.topic.empty()) usage(argv[0], "--bootstrap and --topic are required");
    if (o.records <= 0) usage(argv[0], "--records must be positive");
    if (o.warmup >= o.records) usage(argv[0], "--warmup must be below --records");
    if (o.acks != "0" && o.acks != "1" && o.acks != "all") usage(argv[0], "--acks takes 0, 1 or all");
#if KCORO_BENCH_ASIO
    if (o.runtime != "loop" && o.runtime != "asio") usage(argv[0], "--runtime takes loop or asio");
#else
    if (o.runtime != "loop") usage(argv[0], "--runtime takes loop (this build has no Asio)");
#endif
    return o;
}

bool parse_codec(const std::string& s, kcoro::compression_codec& c) {
    if (s == "none") c = kcoro::compression_codec::none;
    else if (s == "gzip") c = kcoro::compression_codec::gzip;
    else if (s == "snappy") c = kcoro::compression_codec::snappy;
    else if (s == "lz4") c = kcoro::compression_codec::lz4;
    else if (s == "zstd") c = kcoro::compression_codec::zstd;
    else return false;
    return true;
}

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double peak_rss_mb() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}


#if KCORO_BENCH_ASIO
// The same workload through the Asio adapter: one async_send per record with a callback token,
// sent from a steady_timer's handler at its scheduled time (or, without a rate, keeping up to a
// window of sends outstanding), then async_flush and async_close.
class asio_run {
public:
    asio_run(asio::io_context& io, kcoro::asio_producer<>& p, const kcoro_perf::workload& w, kcoro_perf::tally& t)
        : io_(io), p_(p), w_(w), t_(t), keys_(w.keys > 0 ? w.keys : 1), pacer_(io) {}

    bool run() {
        start_ = kcoro_perf::clk::now();
        start_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(start_.time_since_epoch()).count();
        period_ns_ = w_.rate > 0 ? 1e9 / w_.rate : 0;
        next();
        io_.run();
        return closed_ok_;
    }

private:
    static constexpr long window = 4096;

    void next() {
        if (sent_ == w_.records) {
            if (!closing_) {
                closing_ = true;
                p_.async_flush([this] {
                    p_.async_close(std::chrono::seconds(60), [this](kcoro::result<void> c) {
                        closed_ok_ = static_cast<bool>(c);
                        if (!c) std::fprintf(stderr, "close: %s\n", c.err().message().c_str());
                    });
                });
            }
            return;
        }
        if (w_.rate > 0) {
            const auto offset = static_cast<std::int64_t>(static_cast<double>(sent_) * period_ns_);
            pacer_.expires_at(start_ + std::chrono::nanoseconds(offset));
            pacer_.async_wait([this, offset](const std::error_code&) {
                send(start_ns_ + offset);
                next();
            });
        } else {
            while (sent_ < w_.records && sent_ - done_ < window) send(kcoro_perf::now_ns());
            if (sent_ == w_.records) next();
        }
    }

    void send(std::int64_t scheduled) {
        const long i = sent_++;
        t_.latency_ns[static_cast<std::size_t>(i)] = scheduled;
        kcoro::asio_producer<>::record_type rec;
        rec.topic = w_.topic;
        rec.value = std::string_view(w_.payloads.front());
        if (w_.keys > 0) rec.key = keys_[i];
        const auto bytes = static_cast<std::int64_t>(w_.payloads.front().size());
        p_.async_send(rec, [this, i, bytes](kcoro::delivery_result r) {
            t_.acknowledge(i, r.has_value(), bytes, kcoro_perf::now_ns());
            ++done_;
            if (w_.rate <= 0) next();
        });
    }

    asio::io_context& io_;
    kcoro::asio_producer<>& p_;
    const kcoro_perf::workload& w_;
    kcoro_perf::tally& t_;
    const kcoro_perf::key_table keys_;
    asio::steady_timer pacer_;
    kcoro_perf::clk::time_point start_{};
    std::int64_t start_ns_ = 0;
    double period_ns_ = 0;
    long sent_ = 0;
    long done_ = 0;
    bool closing_ = false;
    bool closed_ok_ = false;
};
#endif

}  // namespace

int main(int argc, char** argv) {
    const options o = parse(argc, argv);
    kcoro::producer_config cfg;
    cfg.bootstrap_servers = o.bootstrap;
    cfg.acks = o.acks == "0" ? kcoro::acks::none : o.acks == "1" ? kcoro::acks::leader : kcoro::acks::all;
    cfg.enable_idempotence = o.idempotence < 0 ? cfg.acks == kcoro::acks::all : o.idempotence == 1;
    cfg.linger = std::chrono::milliseconds(o.linger_ms);
    cfg.batch_size = static_cast<std::size_t>(o.batch_size);
    if (!parse_codec(o.codec, cfg.compression)) usage(argv[0], "--codec takes none, gzip, snappy, lz4 or zstd");

    kcoro_perf::workload w;
    w.topic = o.topic;
    w.records = o.records;
    w.payloads = {std::string(static_cast<std::size_t>(o.value_bytes), 'x')};
    w.keys = o.keyed ? 10000 : 0;
    w.rate = o.rate;
    kcoro_perf::tally t;
    t.latency_ns.assign(static_cast<std::size_t>(o.records), -1);
    const std::int64_t t0 = kcoro_perf::now_ns();
    bool closed = false;
    if (o.runtime == "loop") {
        kcoro::event_loop loop;
        auto p = kcoro::make_producer(loop, cfg);
        if (!p) {
            std::fprintf(stderr, "%s\n", p.err().message().c_str());
            return 2;
        }
        closed = kcoro::run_until_complete(loop, kcoro_perf::produce<false>(loop, **p, w, t));
    } else {
#if KCORO_BENCH_ASIO
        asio::io_context io;
        auto p = kcoro::asio_producer<>::create(io.get_executor(), cfg);
        if (!p) {
            std::fprintf(stderr, "%s\n", p.err().message().c_str());
            return 2;
        }
        closed = asio_run(io, *p, w, t).run();
#endif
    }
    // Wall time ends at the last acknowledgement: closing the connections is not producing.
    const std::int64_t t1 = t.last_ack_ns > t0 ? t.last_ack_ns : kcoro_perf::now_ns();
    const double wall = static_cast<double>(t1 - t0) / 1e9;
    const double cpu = cpu_seconds();

    const std::vector<std::int64_t> lat = kcoro_perf::delivered_latencies(t, o.warmup);
    const double n = static_cast<double>(o.records);
    const double p50 = kcoro_perf::quantile_us(lat, 0.50);
    const double p99 = kcoro_perf::quantile_us(lat, 0.99);
    const double p999 = kcoro_perf::quantile_us(lat, 0.999);
    std::printf("RESULT client=%s records=%ld delivered=%ld failed=%ld value_bytes=%ld keyed=%d acks=%s linger_ms=%ld "
                "codec=%s rate=%.0f seconds=%.3f rps=%.0f mbps=%.2f cpu_s_per_m=%.3f p50_us=%.1f p99_us=%.1f "
                "p999_us=%.1f peak_rss_mb=%.1f warmup=%ld\n",
                o.runtime == "asio" ? "kcoro-asio" : "kcoro", o.records, t.delivered, t.failed, o.value_bytes, o.keyed ? 1 : 0, o.acks.c_str(), o.linger_ms,
                o.codec.c_str(), o.rate, wall, n / wall, n * static_cast<double>(o.value_bytes) / wall / 1e6,
                cpu / n * 1e6, p50, p99, p999, peak_rss_mb(), o.warmup);
    return closed && t.delivered == o.records ? 0 : 1;
}
