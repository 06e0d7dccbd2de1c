// What producer_stats says of one partition the producer has sent to.
#pragma once

#include "../detail/prelude.hpp"
#include "stats_field.hpp"

#include <cstdint>
#include <string>

KCORO_NAMESPACE_BEGIN

struct partition_stats {
    std::string topic;
    std::int32_t partition = -1;
    std::uint64_t records_delivered = 0;
    std::uint64_t records_failed = 0;   // in batches that failed (a record refused before it had a batch counts only producer-wide)
    std::uint64_t batches_delivered = 0;
    std::uint64_t retries = 0;          // batches of the partition queued again
    // Gauges, as they were when stats() was called.
    std::uint64_t queued_batches = 0;    // waiting to be sent
    std::uint64_t in_flight_batches = 0;  // in requests not yet answered
};

inline constexpr stats_field<partition_stats> partition_stats_fields[] = {
    {"records_delivered", &partition_stats::records_delivered, true, "Records of the partition the broker acknowledged."},
    {"records_failed", &partition_stats::records_failed, true, "Records of the partition that failed in their batch."},
    {"batches_delivered", &partition_stats::batches_delivered, true, "Batches of the partition the broker acknowledged."},
    {"retries", &partition_stats::retries, true, "Batches of the partition queued again after a retriable failure."},
    {"queued_batches", &partition_stats::queued_batches, false, "Batches of the partition waiting to be sent."},
    {"in_flight_batches", &partition_stats::in_flight_batches, false, "Batches of the partition in requests not yet answered."},
};

KCORO_NAMESPACE_END
