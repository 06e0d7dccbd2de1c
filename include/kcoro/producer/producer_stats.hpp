// A snapshot of what the producer has done and holds, in the spirit of the Java producer's
// metrics: the counters and gauges (producer_counters), latency histograms kept per request and per
// batch (never per record, so that watching costs the record path nothing), errors by code, and the
// same per broker and per partition. stats_text.hpp writes it as Prometheus text and as JSON;
// producer_rates.hpp turns two snapshots into rates.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "broker_stats.hpp"
#include "error_count.hpp"
#include "latency_histogram.hpp"
#include "partition_stats.hpp"
#include "producer_counters.hpp"

#include <cstdint>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct producer_stats : producer_counters {
    // From a Produce request written to its answer read (requests that were answered).
    latency_histogram request_latency;
    // From a batch's first record appended to the batch acknowledged: a record's time from send to
    // acknowledgement, for the batch's oldest record (the others waited less).
    latency_histogram delivery_latency;
    // Each error a batch met, retried or final, from the broker or the connection; in the order the
    // codes were first seen.
    std::vector<error_count> batch_errors;
    std::vector<broker_stats> brokers;        // by node id
    std::vector<partition_stats> partitions;  // those that had a batch, by topic then partition

    // Bytes of the batches written over their bytes before compression; 1 before any.
    double compression_ratio() const noexcept {
        return batch_bytes_uncompressed == 0 ? 1.0 : static_cast<double>(batch_bytes_sent) / static_cast<double>(batch_bytes_uncompressed);
    }
    // Records per Produce request, and bytes per batch, on average; 0 before any.
    double records_per_request() const noexcept {
        return requests_sent == 0 ? 0.0 : static_cast<double>(records_sent) / static_cast<double>(requests_sent);
    }
    double average_batch_bytes() const noexcept {
        return batches_sent == 0 ? 0.0 : static_cast<double>(batch_bytes_sent) / static_cast<double>(batches_sent);
    }
    // How many times batches met `code`.
    std::uint64_t batch_errors_of(errc code) const noexcept {
        for (const error_count& e : batch_errors)
            if (e.code == code) return e.batches;
        return 0;
    }
    // One more batch met `code`.
    void count_batch_error(errc code) {
        for (error_count& e : batch_errors)
            if (e.code == code) {
                ++e.batches;
                return;
            }
        batch_errors.push_back({code, 1});
    }
};

KCORO_NAMESPACE_END
