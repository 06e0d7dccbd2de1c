// Rates from two snapshots of the counters, as the Java producer's *-rate metrics give them: what a
// program that reads stats() now and then, rather than a monitoring system (which computes rates
// from the counters itself), needs to say "records per second".
#pragma once

#include "../detail/prelude.hpp"
#include "producer_counters.hpp"

#include <cstdint>

KCORO_NAMESPACE_BEGIN

struct producer_rates {
    double seconds = 0;  // between the two snapshots
    double records_enqueued_per_second = 0;
    double records_delivered_per_second = 0;
    double records_failed_per_second = 0;
    double bytes_sent_per_second = 0;  // batch bytes, as written
    double requests_per_second = 0;
    double retries_per_second = 0;
};

// The rates between an earlier and a later snapshot of one producer (by their uptime_ms); all 0
// if no time passed between them.
inline producer_rates rates_between(const producer_counters& earlier, const producer_counters& later) noexcept {
    producer_rates r;
    if (later.uptime_ms <= earlier.uptime_ms) return r;
    r.seconds = static_cast<double>(later.uptime_ms - earlier.uptime_ms) / 1000.0;
    const auto per_second = [&](std::uint64_t producer_counters::*field) {
        const std::uint64_t a = earlier.*field;
        const std::uint64_t b = later.*field;
        return b <= a ? 0.0 : static_cast<double>(b - a) / r.seconds;
    };
    r.records_enqueued_per_second = per_second(&producer_counters::records_enqueued);
    r.records_delivered_per_second = per_second(&producer_counters::records_delivered);
    r.records_failed_per_second = per_second(&producer_counters::records_failed);
    r.bytes_sent_per_second = per_second(&producer_counters::batch_bytes_sent);
    r.requests_per_second = per_second(&producer_counters::requests_sent);
    r.retries_per_second = per_second(&producer_counters::retries);
    return r;
}

KCORO_NAMESPACE_END
