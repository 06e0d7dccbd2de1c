// How long something took, as counts in fixed buckets: what a monitoring system needs to draw
// percentiles, kept in a few hundred bytes whatever the number of observations, and cheap enough
// to record once per request or per batch. The buckets are the same for every histogram, so that
// histograms of different brokers or producers can be added bucket by bucket.
#pragma once

#include "../detail/prelude.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

KCORO_NAMESPACE_BEGIN

struct latency_histogram {
    // Upper bounds of the buckets, in microseconds (1-2-5 steps from 100 us to one minute); one more
    // bucket holds everything above the last.
    static constexpr std::array<std::uint64_t, 18> bounds_us = {
        100, 200, 500, 1'000, 2'000, 5'000, 10'000, 20'000, 50'000, 100'000, 200'000, 500'000,
        1'000'000, 2'000'000, 5'000'000, 10'000'000, 30'000'000, 60'000'000};
    static constexpr std::size_t bucket_count = bounds_us.size() + 1;

    std::array<std::uint64_t, bucket_count> buckets{};  // observations per bucket, not cumulative
    std::uint64_t count = 0;
    std::uint64_t sum_us = 0;
    std::uint64_t max_us = 0;

    void record(std::chrono::microseconds d) noexcept {
        const std::uint64_t us = d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0;
        std::size_t i = 0;
        while (i < bounds_us.size() && us > bounds_us[i]) ++i;
        ++buckets[i];
        ++count;
        sum_us += us;
        if (us > max_us) max_us = us;
    }

    // The upper bound of the bucket that holds the q-quantile (0 < q <= 1), or the largest
    // observation if that is smaller: an estimate that errs high by at most one bucket's width.
    // 0 when nothing was recorded.
    std::uint64_t quantile_us(double q) const noexcept {
        if (count == 0) return 0;
        const double rank = q * static_cast<double>(count);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < bounds_us.size(); ++i) {
            seen += buckets[i];
            if (static_cast<double>(seen) >= rank) return bounds_us[i] < max_us ? bounds_us[i] : max_us;
        }
        return max_us;
    }

    // Adds another histogram's observations to this one's.
    void add(const latency_histogram& other) noexcept {
        for (std::size_t i = 0; i < bucket_count; ++i) buckets[i] += other.buckets[i];
        count += other.count;
        sum_us += other.sum_us;
        if (other.max_us > max_us) max_us = other.max_us;
    }
};

KCORO_NAMESPACE_END
