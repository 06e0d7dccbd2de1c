// The producer's counters.
#pragma once

#include "../detail/prelude.hpp"

#include <cstddef>
#include <cstdint>

KCORO_NAMESPACE_BEGIN

// Counters a user can read at any time (on the producer's executor).
struct producer_stats {
    std::uint64_t records_enqueued = 0;
    std::uint64_t records_delivered = 0;
    std::uint64_t records_failed = 0;
    std::uint64_t batches_sent = 0;
    std::uint64_t requests_sent = 0;
    std::uint64_t retries = 0;
    std::uint64_t epoch_bumps = 0;
    std::uint64_t metadata_refreshes = 0;
    std::uint64_t connection_attempts = 0;   // to bootstrap addresses and brokers
    std::uint64_t connection_failures = 0;   // attempts that failed (connect, or ApiVersions on it)
    std::uint64_t reconnects = 0;            // connections made again to an address connected before
    std::size_t buffered_bytes = 0;
};

KCORO_NAMESPACE_END
