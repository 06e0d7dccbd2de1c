// The producer's counters and gauges, each a number: the part of producer_stats that the parts of
// the engine add to as they work, and the list of them (producer_stats_fields) that the Prometheus
// and JSON writers go through, so that a number added to the struct and the list appears in both
// under one name.
#pragma once

#include "../detail/prelude.hpp"
#include "stats_field.hpp"

#include <cstdint>

KCORO_NAMESPACE_BEGIN

struct producer_counters {
    std::uint64_t records_enqueued = 0;
    std::uint64_t records_delivered = 0;
    std::uint64_t records_failed = 0;
    std::uint64_t records_sent = 0;              // in the batches written, retries included
    std::uint64_t batches_sent = 0;
    std::uint64_t batch_bytes_sent = 0;          // those batches as written, compressed
    std::uint64_t batch_bytes_uncompressed = 0;  // the same batches before compression
    std::uint64_t requests_sent = 0;
    std::uint64_t retries = 0;
    std::uint64_t epoch_bumps = 0;
    std::uint64_t metadata_refreshes = 0;
    std::uint64_t connection_attempts = 0;   // to bootstrap addresses and brokers
    std::uint64_t connection_failures = 0;   // attempts that failed (connect, or ApiVersions on it)
    std::uint64_t reconnects = 0;            // connections made again to an address connected before
    std::uint64_t throttle_time_ms = 0;      // summed over the Produce answers that asked the producer to wait
    // Gauges, as they were when stats() was called.
    std::uint64_t buffered_bytes = 0;          // held for records not yet acknowledged, of buffer_memory
    std::uint64_t buffer_available_bytes = 0;  // buffer_memory less buffered_bytes
    std::uint64_t waiting_sends = 0;           // sends suspended for buffer memory or a topic's metadata
    std::uint64_t requests_in_flight = 0;      // Produce requests written and not yet answered
    std::uint64_t uptime_ms = 0;               // since the producer was made
};

using producer_stats_field = stats_field<producer_counters>;

inline constexpr producer_stats_field producer_stats_fields[] = {
    {"records_enqueued", &producer_counters::records_enqueued, true, "Records accepted by a send."},
    {"records_delivered", &producer_counters::records_delivered, true, "Records the broker acknowledged."},
    {"records_failed", &producer_counters::records_failed, true, "Records that failed, each reported to its sender."},
    {"records_sent", &producer_counters::records_sent, true, "Records in the batches written, retries included."},
    {"batches_sent", &producer_counters::batches_sent, true, "Record batches written in Produce requests, retries included."},
    {"batch_bytes_sent", &producer_counters::batch_bytes_sent, true, "Bytes of the batches written, as written (compressed)."},
    {"batch_bytes_uncompressed", &producer_counters::batch_bytes_uncompressed, true,
     "Bytes of the batches written, before compression."},
    {"requests_sent", &producer_counters::requests_sent, true, "Produce requests written."},
    {"retries", &producer_counters::retries, true, "Batches queued again after a retriable failure."},
    {"epoch_bumps", &producer_counters::epoch_bumps, true, "New producer epochs, after a batch was given up or a transaction ended."},
    {"metadata_refreshes", &producer_counters::metadata_refreshes, true, "Metadata answers taken."},
    {"connection_attempts", &producer_counters::connection_attempts, true, "Connections begun, to bootstrap addresses and brokers."},
    {"connection_failures", &producer_counters::connection_failures, true, "Connections that failed before they were ready."},
    {"reconnects", &producer_counters::reconnects, true, "Connections made again to an address connected before."},
    {"throttle_time_ms", &producer_counters::throttle_time_ms, true, "Milliseconds brokers asked the producer to wait, summed."},
    {"buffered_bytes", &producer_counters::buffered_bytes, false, "Bytes held for records not yet acknowledged."},
    {"buffer_available_bytes", &producer_counters::buffer_available_bytes, false, "Bytes of buffer_memory free for new records."},
    {"waiting_sends", &producer_counters::waiting_sends, false, "Sends suspended for buffer memory or a topic's metadata."},
    {"requests_in_flight", &producer_counters::requests_in_flight, false, "Produce requests written and not yet answered."},
    {"uptime_ms", &producer_counters::uptime_ms, false, "Milliseconds since the producer was made."},
};
// Every number is in the list: a field added to the struct alone fails here.
static_assert(sizeof(producer_counters) == sizeof(producer_stats_fields) / sizeof(producer_stats_fields[0]) * sizeof(std::uint64_t),
              "producer_stats_fields must list every field of producer_counters");

KCORO_NAMESPACE_END
