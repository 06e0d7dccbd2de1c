// The produce-and-measure loop that kcoro-perf and bench/producer_bench share: records sent with
// the callback style (the sending coroutine waits only for buffer space), each record's
// send-to-acknowledgement latency kept in one preallocated array, optional pacing, and the summary
// statistics both print.
//
// With a rate, record i is due at start + i/rate and its latency counts from then, so a sender that
// falls behind shows up in the percentiles instead of hiding (coordinated omission).
#pragma once

#include <kcoro/kcoro.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace kcoro_perf {

using clk = std::chrono::steady_clock;

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now().time_since_epoch()).count();
}

// `count` distinct keys "key-<i % count>", formatted once so that the loop measures the client,
// not snprintf.
class key_table {
public:
    explicit key_table(long count) : count_(count), text_(static_cast<std::size_t>(count) * stride), length_(static_cast<std::size_t>(count)) {
        for (long i = 0; i < count; ++i) {
            const int n = std::snprintf(&text_[static_cast<std::size_t>(i) * stride], stride, "key-%ld", i);
            length_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n);
        }
    }
    std::string_view operator[](long i) const {
        const auto k = static_cast<std::size_t>(i % count_);
        return {&text_[k * stride], length_[k]};
    }

private:
    static constexpr std::size_t stride = 24;
    long count_;
    std::vector<char> text_;
    std::vector<std::uint8_t> length_;
};

struct workload {
    std::string topic;
    long records = 0;
    std::vector<std::string> payloads;  // one: every record's value; several: one at random per record
    bool monotonic = false;             // the value is the record's index in decimal instead
    long keys = 0;                      // 0: no key; N: N distinct keys in turn
    double rate = 0;                    // records per second; 0: as fast as possible
};

// A window of acknowledgements, for the progress line.
struct window {
    std::int64_t start_ns = 0;
    long count = 0;
    std::int64_t bytes = 0;
    std::int64_t latency_sum_ns = 0;
    std::int64_t latency_max_ns = 0;
};

// What the delivery callbacks write into. latency_ns[i] holds record i's start time until its
// acknowledgement turns it into the latency (-1 when it failed): no allocation while producing.
struct tally {
    std::vector<std::int64_t> latency_ns;
    long delivered = 0;
    long failed = 0;
    std::int64_t delivered_bytes = 0;
    std::int64_t last_ack_ns = 0;
    std::string first_error;
    window win;
    std::int64_t report_every_ns = 5'000'000'000;

    // Record i's outcome, now: its send time becomes its latency (or -1 when it failed). Returns
    // the latency in nanoseconds, -1 for a failure.
    std::int64_t acknowledge(long i, bool ok, std::int64_t bytes, std::int64_t now) {
        auto& slot = latency_ns[static_cast<std::size_t>(i)];
        if (ok) {
            ++delivered;
            delivered_bytes += bytes;
            slot = now - slot;
        } else {
            ++failed;
            slot = -1;
        }
        last_ack_ns = now;
        return slot;
    }
};

// Java's progress line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency."
inline void print_window(tally& t, std::int64_t now) {
    window& w = t.win;
    const double seconds = static_cast<double>(now - w.start_ns) / 1e9;
    std::printf("%ld records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n", w.count,
                static_cast<double>(w.count) / seconds, static_cast<double>(w.bytes) / seconds / (1024.0 * 1024.0),
                w.count ? static_cast<double>(w.latency_sum_ns) / static_cast<double>(w.count) / 1e6 : 0.0,
                static_cast<double>(w.latency_max_ns) / 1e6);
    std::fflush(stdout);
    w = window{now};
}

// Sends every record of `w`, then flushes and closes the producer. Progress: print a progress line
// every t.report_every_ns (kcoro-perf); without it the loop is the benchmark's, untouched.
template <bool Progress>
kcoro::task<bool> produce(kcoro::event_loop& loop, kcoro::producer<>& p, const workload& w, tally& t) {
    const key_table keys(w.keys > 0 ? w.keys : 1);
    kcoro::loop_timer pacer(loop);
    const auto start = clk::now();
    const std::int64_t start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
    const double period_ns = w.rate > 0 ? 1e9 / w.rate : 0;
    if constexpr (Progress) t.win = window{start_ns};
    std::mt19937_64 pick(42);
    char number[24];
    kcoro::producer<>::record_type rec;
    rec.topic = w.topic;
    rec.value = std::string_view(w.payloads.front());
    for (long i = 0; i < w.records; ++i) {
        std::int64_t sent;
        if (w.rate > 0) {
            const auto offset = static_cast<std::int64_t>(static_cast<double>(i) * period_ns);
            const auto due = start + std::chrono::nanoseconds(offset);
            if (clk::now() < due) co_await pacer.wait_until(due);
            sent = start_ns + offset;
        } else {
            sent = now_ns();
        }
        if (w.keys > 0) rec.key = keys[i];
        if (w.monotonic) {
            rec.value = std::string_view(number, static_cast<std::size_t>(std::snprintf(number, sizeof number, "%ld", i)));
        } else if (w.payloads.size() > 1) {
            rec.value = std::string_view(w.payloads[pick() % w.payloads.size()]);
        }
        const auto bytes = static_cast<std::int64_t>(rec.value->size());
        t.latency_ns[static_cast<std::size_t>(i)] = sent;
        auto q = co_await p.send(rec, [&t, i, bytes](kcoro::delivery_result r) {
            const std::int64_t now = now_ns();
            const std::int64_t latency = t.acknowledge(i, r.has_value(), bytes, now);
            if (r) {
                if constexpr (Progress) {
                    ++t.win.count;
                    t.win.bytes += bytes;
                    t.win.latency_sum_ns += latency;
                    t.win.latency_max_ns = std::max(t.win.latency_max_ns, latency);
                    if (now - t.win.start_ns >= t.report_every_ns) print_window(t, now);
                }
            } else if (t.first_error.empty()) {
                t.first_error = r.err().message();
            }
        });
        // Not enqueued: the callback never runs, so count the failure here.
        if (!q) {
            ++t.failed;
            t.latency_ns[static_cast<std::size_t>(i)] = -1;
            if (t.first_error.empty()) t.first_error = q.err().message();
        }
    }
    co_await p.flush();
    auto closed = co_await p.close(std::chrono::seconds(60));
    if (!closed) std::fprintf(stderr, "close: %s\n", closed.err().message().c_str());
    co_return static_cast<bool>(closed);
}

// The latencies of the delivered records, in nanoseconds, sorted; the first `warmup` records are
// left out (they pay for connecting and the first metadata, which a steady stream does not).
inline std::vector<std::int64_t> delivered_latencies(const tally& t, long warmup = 0) {
    std::vector<std::int64_t> lat;
    lat.reserve(static_cast<std::size_t>(t.delivered));
    const auto first = std::min(t.latency_ns.size(), static_cast<std::size_t>(warmup < 0 ? 0 : warmup));
    for (std::size_t i = first; i < t.latency_ns.size(); ++i)
        if (t.latency_ns[i] >= 0) lat.push_back(t.latency_ns[i]);
    std::sort(lat.begin(), lat.end());
    return lat;
}

// The q-quantile (0..1) of sorted latencies, in microseconds.
inline double quantile_us(const std::vector<std::int64_t>& sorted, double q) {
    if (sorted.empty()) return 0;
    auto k = static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
    if (k >= sorted.size()) k = sorted.size() - 1;
    return static_cast<double>(sorted[k]) / 1e3;
}

}  // namespace kcoro_perf
