// What producer_stats says of one broker the producer sends to.
#pragma once

#include "../detail/prelude.hpp"
#include "latency_histogram.hpp"
#include "stats_field.hpp"

#include <cstdint>
#include <string>

KCORO_NAMESPACE_BEGIN

struct broker_stats {
    std::int32_t id = -1;
    std::string address;  // host:port, as the cluster's metadata gives it
    bool connected = false;  // a connection ready for requests
    std::uint64_t requests_in_flight = 0;
    std::uint64_t requests_sent = 0;
    std::uint64_t throttle_time_ms = 0;  // what this broker asked the producer to wait, summed
    std::uint64_t reconnects = 0;
    // From a Produce request written to its answer read, for requests that were answered.
    latency_histogram request_latency;
};

inline constexpr stats_field<broker_stats> broker_stats_fields[] = {
    {"requests_in_flight", &broker_stats::requests_in_flight, false, "Produce requests to the broker not yet answered."},
    {"requests_sent", &broker_stats::requests_sent, true, "Produce requests written to the broker."},
    {"throttle_time_ms", &broker_stats::throttle_time_ms, true, "Milliseconds the broker asked the producer to wait, summed."},
    {"reconnects", &broker_stats::reconnects, true, "Connections to the broker made again."},
};

KCORO_NAMESPACE_END
