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
    const kcoro::record_header headers[] = {{"h", kcoro::as_bytes("v")}};
    (void)headers;

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

    std::vector<unsigned char> big(64 * 1024 * 1024, 0x5a);
    const double hw_ns = median_ns(5, [&] { sink = kcoro::crc32c(big.data(), big.size()); });
    const double sw_ns = median_ns(3, [&] { sink = kcoro::crc32c_portable(big.data(), big.size()); });

    std::printf("record path, 16-byte key + 100-byte value, 16 KiB batches, no compression\n");
    std::printf("  %-40s %8.1f ns/record\n", "kcoro append + finish (CRC)", append_ns);
    std::printf("  %-40s %8.1f ns/record\n", "floor: memcpy + CRC-32C", floor_ns);
    std::printf("  %-40s %8.2fx\n", "ratio to the floor", append_ns / floor_ns);
    std::printf("CRC-32C over 64 MiB\n");
    std::printf("  %-40s %8.2f GB/s%s\n", "hardware (SSE4.2)", big.size() / hw_ns,
                kcoro::crc32c_hardware_accelerated() ? "" : " (not available: portable used)");
    std::printf("  %-40s %8.2f GB/s\n", "portable (slicing-by-8)", big.size() / sw_ns);
    return 0;
}
