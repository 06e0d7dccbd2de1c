// The producer's counters, and the two texts a monitoring system reads them in: Prometheus's text
// exposition format and JSON. Both are written from one list of the fields (producer_stats_fields),
// so that a counter added to the struct and the list appears in both under one name.
#pragma once

#include "../detail/prelude.hpp"
#include "../json/json_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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
    std::uint64_t throttle_time_ms = 0;      // summed over the Produce answers that asked the producer to wait
    std::uint64_t buffered_bytes = 0;        // held for records not yet acknowledged, of buffer_memory
};

// One field of producer_stats as the texts name and describe it.
struct producer_stats_field {
    std::string_view name;
    std::uint64_t producer_stats::*value;
    bool counter;  // only grows; otherwise a gauge (goes up and down)
    std::string_view help;
};

inline constexpr producer_stats_field producer_stats_fields[] = {
    {"records_enqueued", &producer_stats::records_enqueued, true, "Records accepted by a send."},
    {"records_delivered", &producer_stats::records_delivered, true, "Records the broker acknowledged."},
    {"records_failed", &producer_stats::records_failed, true, "Records that failed, each reported to its sender."},
    {"batches_sent", &producer_stats::batches_sent, true, "Record batches written in Produce requests, retries included."},
    {"requests_sent", &producer_stats::requests_sent, true, "Produce requests written."},
    {"retries", &producer_stats::retries, true, "Batches queued again after a retriable failure."},
    {"epoch_bumps", &producer_stats::epoch_bumps, true, "New producer epochs, after a batch was given up or a transaction ended."},
    {"metadata_refreshes", &producer_stats::metadata_refreshes, true, "Metadata answers taken."},
    {"connection_attempts", &producer_stats::connection_attempts, true, "Connections begun, to bootstrap addresses and brokers."},
    {"connection_failures", &producer_stats::connection_failures, true, "Connections that failed before they were ready."},
    {"reconnects", &producer_stats::reconnects, true, "Connections made again to an address connected before."},
    {"throttle_time_ms", &producer_stats::throttle_time_ms, true, "Milliseconds brokers asked the producer to wait, summed."},
    {"buffered_bytes", &producer_stats::buffered_bytes, false, "Bytes held for records not yet acknowledged."},
};
// Every field is in the list: a field added to the struct alone fails here.
static_assert(sizeof(producer_stats) == sizeof(producer_stats_fields) / sizeof(producer_stats_fields[0]) * sizeof(std::uint64_t),
              "producer_stats_fields must list every field of producer_stats");

namespace detail {
// A Prometheus label value: backslash, double quote and line feed escaped.
inline void append_label_value(std::string& out, std::string_view v) {
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}
}  // namespace detail

// The counters in Prometheus's text exposition format (version 0.0.4): each as
// kcoro_producer_<name>, counters with the suffix _total, labelled client_id="<client_id>".
inline std::string to_prometheus(const producer_stats& s, std::string_view client_id) {
    std::string labels("{client_id=\"");
    detail::append_label_value(labels, client_id);
    labels += "\"}";
    std::string out;
    for (const producer_stats_field& f : producer_stats_fields) {
        std::string name("kcoro_producer_");
        name += f.name;
        if (f.counter) name += "_total";
        out.append("# HELP ").append(name).append(" ").append(f.help).append("\n");
        out.append("# TYPE ").append(name).append(f.counter ? " counter\n" : " gauge\n");
        out.append(name).append(labels).append(" ").append(std::to_string(s.*f.value)).append("\n");
    }
    return out;
}

// The counters as one JSON object, {"client_id": "<client_id>", "records_enqueued": 12, ...},
// under the fields' names.
inline std::string to_json(const producer_stats& s, std::string_view client_id) {
    std::string out("{\"client_id\": ");
    append_json_string(out, client_id);
    for (const producer_stats_field& f : producer_stats_fields) {
        out += ", ";
        append_json_string(out, f.name);
        out.append(": ").append(std::to_string(s.*f.value));
    }
    out += "}";
    return out;
}

KCORO_NAMESPACE_END
