// Micro-benchmark of the record path without I/O: appending 100-byte keyed records to a ~16 KiB
// RecordBatch v2 and finishing it (CRC included, no compression), next to the floor - copying the
// same bytes with memcpy and CRC-ing them - and hardware vs portable CRC-32C throughput.
// Prints medians of several runs; wall time on a shared machine is noisy, compare ratios.
#include <kcoro/kcoro.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;

template <class F>
double median_ns(int runs, F&& f) {
    std::vector<double> v;
    for (int i = 0; i < runs; ++i) {
        auto t0 = clk::now();
        f();
        v.push_back(std::chrono::duration<double, std::nano>(clk::now() - t0).count());
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

volatile std::uint32_t sink;

}  // namespace

int main() {
    constexpr int records = 1'000'000;
    constexpr std::size_t batch_limit = 16384;
    std::vector<std::string> keys, values;
    for (int i = 0; i < 1000; ++i) {
        char k[17];
        std::snprintf(k, sizeof k, "key-%012d", i);
        keys.emplace_back(k, 16);
        values.emplace_back(100, static_cast<char>('a' + i % 26));
    }

    kcoro::record_batch_builder builder;
    kcoro::batch_finish_params params;
    const double append_ns = median_ns(5, [&] {
        std::uint32_t acc = 0;
        for (int i = 0; i < records; ++i) {
            const auto& k = keys[static_cast<std::size_t>(i) % keys.size()];
            const auto& v = values[static_cast<std::size_t>(i) % values.size()];
            if (builder.try_append(1700000000000 + i, kcoro::as_bytes(k), kcoro::as_bytes(v), {}, batch_limit) ==
                kcoro::append_status::full) {
                auto w = builder.finish(params);
                acc += static_cast<std::uint32_t>(w->size());
                builder.reset();
                (void)builder.try_append(1700000000000 + i, kcoro::as_bytes(k), kcoro::as_bytes(v), {}, batch_limit);
            }
        }
        auto w = builder.finish(params);
        acc += static_cast<std::uint32_t>(w->size());
        builder.reset();
        sink = acc;
    }) / records;

    // The same records through callable writers, the way serializers hand values to the batch.
    const double writer_ns = median_ns(5, [&] {
        std::uint32_t acc = 0;
        for (int i = 0; i < records; ++i) {
            const auto& k = keys[static_cast<std::size_t>(i) % keys.size()];
            const auto& v = values[static_cast<std::size_t>(i) % values.size()];
            auto kw = [&](auto& sink) { sink.write(k.data(), k.size()); };
            auto vw = [&](auto& sink) { sink.write(v.data(), v.size()); };
            if (builder.try_append(1700000000000 + i, kw, vw, {}, batch_limit) == kcoro::append_status::full) {
                auto w = builder.finish(params);
                acc += static_cast<std::uint32_t>(w->size());
                builder.reset();
                (void)builder.try_append(1700000000000 + i, kw, vw, {}, batch_limit);
            }
        }
        auto w = builder.finish(params);
        acc += static_cast<std::uint32_t>(w->size());
        builder.reset();
        sink = acc;
    }) / records;

    // The floor: the same key and value bytes copied into a 16 KiB buffer, CRC'd per buffer.
    std::vector<unsigned char> buf(batch_limit + 256);
    const double floor_ns = median_ns(5, [&] {
        std::uint32_t acc = 0;
        std::size_t pos = 0;
        for (int i = 0; i < records; ++i) {
            const auto& k = keys[static_cast<std::size_t>(i) % keys.size()];
            const auto& v = values[static_cast<std::size_t>(i) % values.size()];
            if (pos + k.size() + v.size() > batch_limit) {
                acc ^= kcoro::crc32c(buf.data(), pos);
                pos = 0;
            }
            std::memcpy(buf.data() + pos, k.data(), k.size());
            pos += k.size();
            std::memcpy(buf.data() + pos, v.data(), v.size());
            pos += v.size();
        }
        acc ^= kcoro::crc32c(buf.data(), pos);
        sink = acc;
    }) / records;

    // CRC-32C throughput on a batch-sized buffer (in cache, what finish() sees) and on 64 MiB
    // (bound by memory bandwidth more than by the CRC).
    std::vector<unsigned char> small(batch_limit), big(64 * 1024 * 1024);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<unsigned char>(i * 131 + (i >> 9));
    for (std::size_t i = 0; i < small.size(); ++i) small[i] = big[i];
    constexpr int small_reps = 4096;
    auto gbps = [](std::size_t bytes, double ns) { return static_cast<double>(bytes) / ns; };
    const double hw_small = gbps(small.size() * small_reps, median_ns(7, [&] {
                                     std::uint32_t acc = 0;
                                     for (int r = 0; r < small_reps; ++r) acc += kcoro::crc32c(small.data(), small.size());
                                     sink = acc;
                                 }));
    const double sw_small = gbps(small.size() * small_reps, median_ns(7, [&] {
                                     std::uint32_t acc = 0;
                                     for (int r = 0; r < small_reps; ++r)
                                         acc += kcoro::crc32c_portable(small.data(), small.size());
                                     sink = acc;
                                 }));
    const double hw_big = gbps(big.size(), median_ns(5, [&] { sink = kcoro::crc32c(big.data(), big.size()); }));
    const double sw_big = gbps(big.size(), median_ns(3, [&] { sink = kcoro::crc32c_portable(big.data(), big.size()); }));

    const bool hw = kcoro::crc32c_hardware_accelerated();
    std::printf("record path: 16-byte key + 100-byte value, ~16 KiB batches, no compression (median of 5 runs)\n");
    std::printf("  %-44s %10s %10s\n", "", "ns/record", "x floor");
    std::printf("  %-44s %10.1f %10.2f\n", "kcoro append + finish, bytes_view writers", append_ns, append_ns / floor_ns);
    std::printf("  %-44s %10.1f %10.2f\n", "kcoro append + finish, callable writers", writer_ns, writer_ns / floor_ns);
    std::printf("  %-44s %10.1f %10.2f\n", "floor: memcpy of key + value, CRC-32C", floor_ns, 1.0);
    std::printf("CRC-32C throughput, GB/s (median of 7 runs; 3 for portable on 64 MiB)\n");
    std::printf("  %-44s %10s %10s\n", "", "16 KiB", "64 MiB");
    std::printf("  %-44s %10.2f %10.2f\n", hw ? "hardware (SSE4.2, three lanes)" : "dispatch (no SSE4.2: portable)",
                hw_small, hw_big);
    std::printf("  %-44s %10.2f %10.2f\n", "portable (slicing-by-8)", sw_small, sw_big);
    std::printf("  %-44s %10.2f %10.2f\n", "hardware / portable", hw_small / sw_small, hw_big / sw_big);
    return 0;
}
