// Producer throughput against a broker: records/s, MB/s and CPU time per record (user + system of
// this process, from getrusage), with every record's delivery counted.
//
//   producer_bench <bootstrap> <topic> [records=1000000] [value bytes=100] [acks=all|1|0] [linger ms=5] [codec=none]
#include <kcoro/kcoro.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

kcoro::compression_codec parse_codec(const std::string& s) {
    if (s == "gzip") return kcoro::compression_codec::gzip;
    if (s == "snappy") return kcoro::compression_codec::snappy;
    if (s == "lz4") return kcoro::compression_codec::lz4;
    if (s == "zstd") return kcoro::compression_codec::zstd;
    return kcoro::compression_codec::none;
}

kcoro::task<int> run(kcoro::producer<>& p, std::string topic, long n, std::size_t value_size, long& delivered) {
    const std::string value(value_size, 'x');
    char key[32];
    long failed = 0;
    for (long i = 0; i < n; ++i) {
        const int len = std::snprintf(key, sizeof key, "key-%ld", i % 10000);
        auto q = co_await p.send({.topic = topic, .key = std::string_view(key, static_cast<std::size_t>(len)), .value = value},
                                 [&delivered, &failed](kcoro::delivery_result r) { r ? ++delivered : ++failed; });
        if (!q) ++failed;
    }
    auto c = co_await p.close(std::chrono::seconds(60));
    co_return failed == 0 && c ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <bootstrap> <topic> [records] [value bytes] [acks all|1|0] [linger ms] [codec]\n", argv[0]);
        return 2;
    }
    const long n = argc > 3 ? std::atol(argv[3]) : 1000000;
    const std::size_t value_size = argc > 4 ? static_cast<std::size_t>(std::atol(argv[4])) : 100;
    const std::string acks = argc > 5 ? argv[5] : "all";
    const int linger = argc > 6 ? std::atoi(argv[6]) : 5;
    kcoro::producer_config cfg;
    cfg.bootstrap_servers = argv[1];
    cfg.acks = acks == "0" ? kcoro::acks::none : acks == "1" ? kcoro::acks::leader : kcoro::acks::all;
    cfg.enable_idempotence = cfg.acks == kcoro::acks::all;
    cfg.linger = std::chrono::milliseconds(linger);
    cfg.compression = parse_codec(argc > 7 ? argv[7] : "none");
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, cfg);
    if (!p) {
        std::fprintf(stderr, "%s\n", p.err().message().c_str());
        return 2;
    }
    long delivered = 0;
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = kcoro::run_until_complete(loop, run(**p, argv[2], n, value_size, delivered));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    std::printf("kcoro: %ld records (%zu-byte values, acks=%s, linger=%d ms) in %.2f s: %.0f records/s, %.1f MB/s, "
                "%.2f CPU s per million records, %ld delivered\n",
                n, value_size, acks.c_str(), linger, wall, static_cast<double>(n) / wall,
                static_cast<double>(n) * static_cast<double>(value_size) / wall / 1e6, cpu / static_cast<double>(n) * 1e6, delivered);
    return rc == 0 && delivered == n ? 0 : 1;
}
