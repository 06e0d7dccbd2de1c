// The producer's configuration: a plain aggregate whose field names follow the Java client's
// (`linger.ms` -> `linger`, durations as std::chrono types), validated with errors naming the field.
#pragma once

#include "../detail/prelude.hpp"
#include "../record/record.hpp"
#include "../result.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

using std::chrono::milliseconds;

// How many replicas must have the record before the broker acknowledges it.
enum class acks : std::int16_t {
    none = 0,     // fire and forget at the protocol level: no response, no offset
    leader = 1,   // the leader wrote it
    all = -1,     // every in-sync replica has it (needed for idempotence)
};

struct broker_address {
    std::string host{};
    std::uint16_t port = 9092;
};

struct producer_config {
    // "host:port,host:port". IPv6 literals in brackets: "[::1]:9092".
    std::string bootstrap_servers{};
    std::string client_id = "kcoro";

    kcoro::acks acks = kcoro::acks::all;
    // Idempotence (the default, as in the Java client since 3.0) keeps retries from writing a batch
    // twice or out of order; it needs acks=all and at most 5 requests in flight.
    bool enable_idempotence = true;
    // Non-empty: a transactional producer (implies idempotence).
    std::string transactional_id{};
    milliseconds transaction_timeout{60000};

    milliseconds linger{5};                        // wait this long for a batch to fill
    std::size_t batch_size = 16384;                // bytes per partition batch
    std::size_t buffer_memory = 32u * 1024 * 1024; // bytes buffered before send() suspends
    milliseconds max_block{60000};                 // how long send() may stay suspended on a full buffer
    std::size_t max_request_size = 1024 * 1024;    // largest Produce request (and so largest record)
    int max_in_flight = 5;                         // outstanding Produce requests per broker

    milliseconds delivery_timeout{120000};         // from send() to success or final failure
    milliseconds request_timeout{30000};           // one request's round trip
    milliseconds retry_backoff{100};
    milliseconds retry_backoff_max{1000};
    milliseconds reconnect_backoff{50};
    milliseconds reconnect_backoff_max{1000};
    milliseconds socket_connection_setup_timeout{10000};
    milliseconds metadata_max_age{300000};         // refresh metadata at least this often
    // After this many metadata answers in a row saying a topic does not exist, its pending records
    // fail with errc::unknown_topic_or_partition (franz-go's default); 0: wait max_block instead.
    // Answers that the topic is being created (LEADER_NOT_AVAILABLE) do not count.
    int unknown_topic_retries = 4;

    compression_codec compression = compression_codec::none;
    std::optional<int> compression_level{};          // codec default when unset

    // KIP-794: unkeyed records switch partitions after batch_size bytes, weighted toward brokers
    // with shorter queues.
    bool partitioner_adaptive_partitioning = true;
    // Keyed records are partitioned as if they had no key.
    bool partitioner_ignore_keys = false;
};

namespace detail {
inline error config_error(std::string_view field, std::string_view why) {
    std::string d(field);
    d += ": ";
    d += why;
    return error(errc::bad_config, std::move(d));
}

inline result<std::uint16_t> parse_port(std::string_view s) {
    if (s.empty() || s.size() > 5) return errc::bad_config;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return errc::bad_config;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535) return errc::bad_config;
    return static_cast<std::uint16_t>(v);
}
}  // namespace detail

namespace detail {
inline bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}
inline bool host_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}
inline bool ipv6_literal_char(char c) noexcept {
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' || c == '.';
}
}  // namespace detail

// Splits "a:1,b:2,[::1]:3" into addresses. Spaces around entries (after the commas) are ignored; a
// missing port is an error rather than a silent 9092, and so is anything else that would only
// show up later as a connect timeout: a ';' between entries, a space inside one, a host name with
// characters no host has. An entry may start with PLAINTEXT://, the security protocol this
// producer speaks, as Kafka's listener addresses do; SSL://, SASL_PLAINTEXT:// and SASL_SSL://
// are refused until TLS and SASL exist.
inline result<std::vector<broker_address>> parse_bootstrap_servers(std::string_view list) {
    const auto bad = [](std::string_view entry, std::string_view why) {
        std::string d(1, '\'');
        d.append(entry).append("': ").append(why);
        return detail::config_error("bootstrap_servers", d);
    };
    std::vector<broker_address> out;
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        std::string_view entry = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
        while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
        if (entry.empty()) continue;
        if (entry.find(';') != std::string_view::npos) return bad(entry, "separate entries with ',', not ';'");
        if (entry.find_first_of(" \t") != std::string_view::npos)
            return bad(entry, "a space inside an entry (spaces may only surround entries)");
        std::string_view address = entry;
        if (const std::size_t scheme_end = address.find("://"); scheme_end != std::string_view::npos) {
            const std::string_view scheme = address.substr(0, scheme_end);
            if (!detail::equals_ignoring_case(scheme, "PLAINTEXT")) {
                const bool known = detail::equals_ignoring_case(scheme, "SSL") || detail::equals_ignoring_case(scheme, "SASL_PLAINTEXT") ||
                                   detail::equals_ignoring_case(scheme, "SASL_SSL");
                std::string why(known ? "names security protocol " : "'");
                why.append(scheme).append(known ? ", but this producer speaks PLAINTEXT only (TLS and SASL are not supported yet)"
                                                : "' is not a Kafka security protocol; write host:port or PLAINTEXT://host:port");
                return bad(entry, why);
            }
            address.remove_prefix(scheme_end + 3);
        }
        std::string_view host, port;
        if (!address.empty() && address.front() == '[') {
            std::size_t close = address.find(']');
            if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':')
                return bad(entry, "expected [ipv6]:port");
            host = address.substr(1, close - 1);
            port = address.substr(close + 2);
            if (host.empty() || !std::all_of(host.begin(), host.end(), detail::ipv6_literal_char))
                return bad(entry, "expected an IPv6 address between the brackets");
        } else {
            std::size_t colon = address.rfind(':');
            if (colon == std::string_view::npos || colon == 0) return bad(entry, "expected host:port");
            host = address.substr(0, colon);
            port = address.substr(colon + 1);
            if (host.find(':') != std::string_view::npos) return bad(entry, "an IPv6 address goes in brackets: [address]:port");
            if (auto c = std::find_if_not(host.begin(), host.end(), detail::host_name_char); c != host.end()) {
                std::string why{'\'', *c, '\''};
                why.append(" cannot be part of a host name");
                return bad(entry, why);
            }
        }
        auto p = detail::parse_port(port);
        if (!p) return bad(entry, "bad port (1-65535)");
        out.push_back({std::string(host), *p});
    }
    if (out.empty()) return detail::config_error("bootstrap_servers", "must name at least one host:port");
    return out;
}

// Checks every field; the error's detail names the first bad field and what to change.
inline result<void> validate(const producer_config& c) {
    using detail::config_error;
    auto servers = parse_bootstrap_servers(c.bootstrap_servers);
    if (!servers) return std::move(servers).err();
    if (c.client_id.size() > 32767) return config_error("client_id", "longer than 32767 bytes");
    if (!c.transactional_id.empty())
        return config_error("transactional_id",
                            "transactions are not supported yet, so the records would not be transactional (read_committed "
                            "consumers would see them at once); leave it empty");
    if (c.acks != acks::none && c.acks != acks::leader && c.acks != acks::all)
        return config_error("acks", "must be acks::none, acks::leader or acks::all");
    if (c.batch_size == 0) return config_error("batch_size", "must be greater than 0");
    if (c.buffer_memory < c.batch_size) return config_error("buffer_memory", "must be at least batch_size");
    if (c.max_request_size < 128) return config_error("max_request_size", "must be at least 128 bytes");
    if (c.max_request_size > 0x7fffffff) return config_error("max_request_size", "must fit in an int32");
    if (c.max_in_flight < 1) return config_error("max_in_flight", "must be at least 1");
    if (c.linger.count() < 0) return config_error("linger", "must not be negative");
    if (c.max_block.count() < 0) return config_error("max_block", "must not be negative");
    if (c.request_timeout.count() <= 0 || c.request_timeout.count() > 0x7fffffff)
        return config_error("request_timeout", "must be positive and fit in an int32 of milliseconds");
    if (c.retry_backoff.count() < 0 || c.retry_backoff_max < c.retry_backoff)
        return config_error("retry_backoff_max", "must be at least retry_backoff (and both >= 0)");
    if (c.reconnect_backoff.count() < 0 || c.reconnect_backoff_max < c.reconnect_backoff)
        return config_error("reconnect_backoff_max", "must be at least reconnect_backoff (and both >= 0)");
    if (c.socket_connection_setup_timeout.count() <= 0)
        return config_error("socket_connection_setup_timeout", "must be positive");
    if (c.metadata_max_age.count() <= 0) return config_error("metadata_max_age", "must be positive");
    if (c.unknown_topic_retries < 0) return config_error("unknown_topic_retries", "must not be negative (0 waits max_block)");
    // As in the Java client: a record must be able to wait out linger and one request.
    if (c.delivery_timeout < c.linger + c.request_timeout)
        return config_error("delivery_timeout", "must be at least linger + request_timeout");
    const bool idempotent = c.enable_idempotence || !c.transactional_id.empty();
    if (idempotent && c.acks != acks::all)
        return config_error("acks", "idempotence needs acks::all; set acks = acks::all or enable_idempotence = false");
    if (idempotent && c.max_in_flight > 5)
        return config_error("max_in_flight",
                            "idempotence keeps order only with at most 5 requests in flight; lower it or disable idempotence");
    if (!codec_available(c.compression))
        return config_error("compression", "this build does not include that codec (define KCORO_HAS_<CODEC> and link it)");
    if (c.compression_level) {
        const std::string codec(codec_name(c.compression));
        const std::optional<compression_level_range> levels = compression_levels(c.compression);
        if (!levels) return config_error("compression_level", codec + " takes no level; leave it unset");
        if (*c.compression_level < levels->min || *c.compression_level > levels->max)
            return config_error("compression_level", std::to_string(*c.compression_level) + " is not a " + codec + " level (" +
                                                         std::to_string(levels->min) + " to " + std::to_string(levels->max) + ")");
    }
    return ok();
}

KCORO_NAMESPACE_END
