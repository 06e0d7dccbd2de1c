// producer_stats in the two texts a monitoring system reads: Prometheus's text exposition format
// (version 0.0.4) and JSON. Both go through the same lists of fields (producer_stats_fields,
// broker_stats_fields, partition_stats_fields), so a number has one name in both.
#pragma once

#include "../detail/prelude.hpp"
#include "../json/json_writer.hpp"
#include "producer_stats.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

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

// Microseconds as decimal seconds, exactly ("0.0001", "2.5", "60"): Prometheus measures time in
// seconds, and integer arithmetic keeps a bucket's bound the same in every text.
inline void append_seconds(std::string& out, std::uint64_t us) {
    out += std::to_string(us / 1'000'000);
    std::uint64_t fraction = us % 1'000'000;
    if (fraction == 0) return;
    std::string digits = std::to_string(fraction);
    digits.insert(0, 6 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
}

// The shortest decimal that reads back as v (a ratio or an average), never in exponent form.
inline void append_decimal(std::string& out, double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    if (r.ec == std::errc()) out.append(buf, r.ptr);
    else out += '0';
}

struct prometheus_label {
    std::string_view name;
    std::string_view value;
};

// Writes families of samples, each sample labelled with the client id and its own labels.
class prometheus_writer {
public:
    explicit prometheus_writer(std::string_view client_id) : client_id_(client_id) {}

    // The HELP and TYPE lines of family kcoro_producer_<name>.
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_.append("# HELP kcoro_producer_").append(name).append(" ").append(help).append("\n");
        out_.append("# TYPE kcoro_producer_").append(name).append(" ").append(type).append("\n");
    }
    // kcoro_producer_<name><suffix>{client_id="...",labels...} value
    void sample(std::string_view name, std::string_view suffix, std::initializer_list<prometheus_label> labels, std::string_view value) {
        sample(name, suffix, std::span<const prometheus_label>(labels.begin(), labels.size()), value);
    }
    void sample(std::string_view name, std::string_view suffix, std::span<const prometheus_label> labels, std::string_view value) {
        out_.append("kcoro_producer_").append(name).append(suffix).append("{client_id=\"");
        append_label_value(out_, client_id_);
        out_ += '"';
        for (const prometheus_label& l : labels) {
            out_.append(",").append(l.name).append("=\"");
            append_label_value(out_, l.value);
            out_ += '"';
        }
        out_.append("} ").append(value).append("\n");
    }
    // A histogram's samples: cumulative _bucket{le=...} ending with +Inf, then _sum (seconds) and
    // _count; `label` (none when its name is empty) goes on each.
    void histogram(std::string_view name, prometheus_label label, const latency_histogram& h) {
        std::string le;
        prometheus_label labels[] = {label, {"le", {}}};
        const std::size_t own = label.name.empty() ? 0 : 1;
        const std::span<const prometheus_label> with_le = std::span<const prometheus_label>(labels).subspan(1 - own);
        const std::span<const prometheus_label> without = std::span<const prometheus_label>(labels).first(own);
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < latency_histogram::bucket_count; ++i) {
            cumulative += h.buckets[i];
            le.clear();
            if (i < latency_histogram::bounds_us.size()) append_seconds(le, latency_histogram::bounds_us[i]);
            else le = "+Inf";
            labels[1].value = le;
            sample(name, "_bucket", with_le, std::to_string(cumulative));
        }
        std::string sum;
        append_seconds(sum, h.sum_us);
        sample(name, "_sum", without, sum);
        sample(name, "_count", without, std::to_string(h.count));
    }
    std::string take() { return std::move(out_); }

private:
    std::string_view client_id_;
    std::string out_;
};

inline void append_json_histogram(std::string& out, const latency_histogram& h) {
    out.append("{\"count\": ").append(std::to_string(h.count));
    out.append(", \"sum_us\": ").append(std::to_string(h.sum_us));
    out.append(", \"max_us\": ").append(std::to_string(h.max_us));
    out.append(", \"p50_us\": ").append(std::to_string(h.quantile_us(0.5)));
    out.append(", \"p99_us\": ").append(std::to_string(h.quantile_us(0.99)));
    out.append(", \"bounds_us\": [");
    for (std::size_t i = 0; i < latency_histogram::bounds_us.size(); ++i)
        out.append(i == 0 ? "" : ", ").append(std::to_string(latency_histogram::bounds_us[i]));
    out.append("], \"buckets\": [");
    for (std::size_t i = 0; i < latency_histogram::bucket_count; ++i) out.append(i == 0 ? "" : ", ").append(std::to_string(h.buckets[i]));
    out.append("]}");
}

// ", "name": value" for each field of a list.
template <class Owner, std::size_t N>
void append_json_fields(std::string& out, const Owner& o, const stats_field<Owner> (&fields)[N]) {
    for (const stats_field<Owner>& f : fields) {
        out += ", ";
        append_json_string(out, f.name);
        out.append(": ").append(std::to_string(o.*f.value));
    }
}

}  // namespace detail

// The stats in Prometheus's text format. Producer-wide numbers are kcoro_producer_<name> (counters
// with the suffix _total), labelled client_id="<client_id>"; the histograms are
// kcoro_producer_request_latency_seconds and kcoro_producer_delivery_latency_seconds; errors are
// kcoro_producer_batch_errors_total{code="<name>"}; per broker kcoro_producer_broker_<name>{broker="<id>"}
// (and kcoro_producer_broker_connected{broker, address}); per partition
// kcoro_producer_partition_<name>{topic, partition}. Families with nothing to say are left out.
inline std::string to_prometheus(const producer_stats& s, std::string_view client_id) {
    detail::prometheus_writer w(client_id);
    for (const producer_stats_field& f : producer_stats_fields) {
        const std::string name = std::string(f.name) + (f.counter ? "_total" : "");
        w.family(name, f.counter ? "counter" : "gauge", f.help);
        w.sample(name, "", {}, std::to_string(s.*f.value));
    }
    w.family("request_latency_seconds", "histogram", "Produce requests, from written to answered.");
    w.histogram("request_latency_seconds", {}, s.request_latency);
    w.family("delivery_latency_seconds", "histogram", "Batches, from their first record appended to acknowledged.");
    w.histogram("delivery_latency_seconds", {}, s.delivery_latency);
    if (!s.batch_errors.empty()) {
        w.family("batch_errors_total", "counter", "Errors batches met, retried or final, by code.");
        for (const error_count& e : s.batch_errors) w.sample("batch_errors_total", "", {{"code", error_code_name(e.code)}}, std::to_string(e.batches));
    }
    if (!s.brokers.empty()) {
        w.family("broker_connected", "gauge", "1 while a connection to the broker is ready for requests.");
        for (const broker_stats& b : s.brokers)
            w.sample("broker_connected", "", {{"broker", std::to_string(b.id)}, {"address", b.address}}, b.connected ? "1" : "0");
        for (const stats_field<broker_stats>& f : broker_stats_fields) {
            const std::string name = "broker_" + std::string(f.name) + (f.counter ? "_total" : "");
            w.family(name, f.counter ? "counter" : "gauge", f.help);
            for (const broker_stats& b : s.brokers) w.sample(name, "", {{"broker", std::to_string(b.id)}}, std::to_string(b.*f.value));
        }
        w.family("broker_request_latency_seconds", "histogram", "Produce requests to the broker, from written to answered.");
        for (const broker_stats& b : s.brokers) {
            const std::string id = std::to_string(b.id);
            w.histogram("broker_request_latency_seconds", {"broker", id}, b.request_latency);
        }
    }
    if (!s.partitions.empty()) {
        for (const stats_field<partition_stats>& f : partition_stats_fields) {
            const std::string name = "partition_" + std::string(f.name) + (f.counter ? "_total" : "");
            w.family(name, f.counter ? "counter" : "gauge", f.help);
            for (const partition_stats& p : s.partitions)
                w.sample(name, "", {{"topic", p.topic}, {"partition", std::to_string(p.partition)}}, std::to_string(p.*f.value));
        }
    }
    return w.take();
}

// The stats as one JSON object: {"client_id": "<client_id>", every producer-wide number under its
// name, "compression_ratio", "records_per_request", "average_batch_bytes", the two histograms
// ({"count", "sum_us", "max_us", "p50_us", "p99_us", "bounds_us": [...], "buckets": [...]}, the
// last bucket above the last bound), "batch_errors": {"<name>": n}, "brokers": [{"id", "address",
// "connected", ..., "request_latency"}], "partitions": [{"topic", "partition", ...}]}.
inline std::string to_json(const producer_stats& s, std::string_view client_id) {
    std::string out("{\"client_id\": ");
    append_json_string(out, client_id);
    detail::append_json_fields(out, static_cast<const producer_counters&>(s), producer_stats_fields);
    out += ", \"compression_ratio\": ";
    detail::append_decimal(out, s.compression_ratio());
    out += ", \"records_per_request\": ";
    detail::append_decimal(out, s.records_per_request());
    out += ", \"average_batch_bytes\": ";
    detail::append_decimal(out, s.average_batch_bytes());
    out += ", \"request_latency\": ";
    detail::append_json_histogram(out, s.request_latency);
    out += ", \"delivery_latency\": ";
    detail::append_json_histogram(out, s.delivery_latency);
    out += ", \"batch_errors\": {";
    for (std::size_t i = 0; i < s.batch_errors.size(); ++i) {
        if (i > 0) out += ", ";
        append_json_string(out, error_code_name(s.batch_errors[i].code));
        out.append(": ").append(std::to_string(s.batch_errors[i].batches));
    }
    out += "}, \"brokers\": [";
    for (std::size_t i = 0; i < s.brokers.size(); ++i) {
        const broker_stats& b = s.brokers[i];
        out.append(i == 0 ? "" : ", ").append("{\"id\": ").append(std::to_string(b.id)).append(", \"address\": ");
        append_json_string(out, b.address);
        out.append(", \"connected\": ").append(b.connected ? "true" : "false");
        detail::append_json_fields(out, b, broker_stats_fields);
        out += ", \"request_latency\": ";
        detail::append_json_histogram(out, b.request_latency);
        out += '}';
    }
    out += "], \"partitions\": [";
    for (std::size_t i = 0; i < s.partitions.size(); ++i) {
        const partition_stats& p = s.partitions[i];
        out.append(i == 0 ? "" : ", ").append("{\"topic\": ");
        append_json_string(out, p.topic);
        out.append(", \"partition\": ").append(std::to_string(p.partition));
        detail::append_json_fields(out, p, partition_stats_fields);
        out += '}';
    }
    out += "]}";
    return out;
}

KCORO_NAMESPACE_END
