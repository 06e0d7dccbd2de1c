// The producer's configuration: a plain aggregate whose field names follow the Java client's
// (`linger.ms` -> `linger`, durations as std::chrono types), validated with errors naming the field.
#pragma once

#include "../detail/prelude.hpp"
#include "../protocol/sasl_mechanism.hpp"
#include "oauthbearer_token.hpp"
#include "unsecured_jwt.hpp"
#include "../record/record.hpp"
#include "../result.hpp"
#include "security_protocol.hpp"
#include "ssl_endpoint_identification.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
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
    // Non-empty: a transactional producer (implies idempotence and needs acks::all): records go
    // out only between begin_transaction() and commit_transaction() or abort_transaction().
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

    // ---- security, in librdkafka's names (the README's "Security" section maps them to Java's).
    // Every connection the producer opens (bootstrap and brokers) speaks security_protocol.
    kcoro::security_protocol security_protocol = kcoro::security_protocol::plaintext;
    // SASL_PLAINTEXT and SASL_SSL: the mechanism, user and password. The password is never
    // repeated in an error, in stats or in any string form of the configuration.
    kcoro::sasl_mechanism sasl_mechanism = kcoro::sasl_mechanism::plain;
    std::string sasl_username{};
    std::string sasl_password{};
    // OAUTHBEARER: the application's token provider, called at each login (see oauthbearer_token.hpp);
    // or, for development against the broker's default validator, unsecured tokens made from
    // sasl_oauthbearer_config ("principal=alice lifeSeconds=600", see unsecured_jwt.hpp).
    oauthbearer_token_provider sasl_oauthbearer_token_provider{};
    bool enable_sasl_oauthbearer_unsecure_jwt = false;
    std::string sasl_oauthbearer_config{};
    // SSL and SASL_SSL: the CAs the broker's certificate must chain to. A PEM file or a directory
    // of hashed certificates (c_rehash), or the PEM text itself; neither: the system's store.
    std::string ssl_ca_location{};
    std::string ssl_ca_pem{};
    // A client certificate (PEM, with its chain) and its key, for listeners that require one.
    std::string ssl_certificate_location{};
    std::string ssl_key_location{};
    std::string ssl_key_password{};  // when the key file is encrypted; never repeated
    kcoro::ssl_endpoint_identification ssl_endpoint_identification = kcoro::ssl_endpoint_identification::https;
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
// characters no host has. An entry may start with a security protocol, as Kafka's listener
// addresses do (PLAINTEXT://, SSL://, SASL_PLAINTEXT://, SASL_SSL://); given `expected`, it must
// be that one, so that a listener named for one protocol is not spoken to in another.
inline result<std::vector<broker_address>> parse_bootstrap_servers(std::string_view list,
                                                                   std::optional<security_protocol> expected = std::nullopt) {
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
            const std::optional<security_protocol> named = parse_security_protocol(scheme);
            if (!named) {
                std::string why(1, '\'');
                why.append(scheme).append("' is not a Kafka security protocol; write host:port or PROTOCOL://host:port");
                return bad(entry, why);
            }
            if (expected && *named != *expected) {
                std::string why("names security protocol ");
                why.append(security_protocol_name(*named)).append(", but security_protocol is ").append(security_protocol_name(*expected));
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

namespace detail {
inline bool readable_path(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return false;
    std::fclose(f);
    return true;
}

// The security fields: each one set only where security_protocol uses it (a user name set for a
// PLAINTEXT producer would otherwise be dropped silently, and the cluster reached unsecured).
inline result<void> validate_security(const producer_config& c) {
    const std::string protocol(security_protocol_name(c.security_protocol));
    const bool sasl = uses_sasl(c.security_protocol), tls = uses_tls(c.security_protocol);
    const auto unused = [&](std::string_view field, std::string_view needs) {
        return config_error(field, std::string("set, but security_protocol is ") + protocol + ": it takes effect only with " +
                                       std::string(needs));
    };
    if (!sasl) {
        if (!c.sasl_username.empty()) return unused("sasl_username", "SASL_PLAINTEXT or SASL_SSL");
        if (!c.sasl_password.empty()) return unused("sasl_password", "SASL_PLAINTEXT or SASL_SSL");
    }
    if (!tls) {
        if (!c.ssl_ca_location.empty()) return unused("ssl_ca_location", "SSL or SASL_SSL");
        if (!c.ssl_ca_pem.empty()) return unused("ssl_ca_pem", "SSL or SASL_SSL");
        if (!c.ssl_certificate_location.empty()) return unused("ssl_certificate_location", "SSL or SASL_SSL");
        if (!c.ssl_key_location.empty()) return unused("ssl_key_location", "SSL or SASL_SSL");
        if (!c.ssl_key_password.empty()) return unused("ssl_key_password", "SSL or SASL_SSL");
        if (c.ssl_endpoint_identification != ssl_endpoint_identification::https)
            return unused("ssl_endpoint_identification", "SSL or SASL_SSL");
    }
#if !KCORO_HAS_OPENSSL
    if (tls) return config_error("security_protocol", protocol + " needs TLS, and this build of kcoro has no OpenSSL (KCORO_WITH_OPENSSL)");
    if (sasl && c.sasl_mechanism != kcoro::sasl_mechanism::plain && c.sasl_mechanism != kcoro::sasl_mechanism::oauthbearer)
        return config_error("sasl_mechanism", std::string(sasl_mechanism_name(c.sasl_mechanism)) +
                                                  " needs OpenSSL's libcrypto, and this build of kcoro has none (KCORO_WITH_OPENSSL)");
#endif
    const bool bearer = sasl && c.sasl_mechanism == kcoro::sasl_mechanism::oauthbearer;
    if (bearer) {
        // A token stands for the user: a user name or password beside it would be ignored.
        if (!c.sasl_username.empty()) return config_error("sasl_username", "OAUTHBEARER logs in with a token, not a user name: leave it empty");
        if (!c.sasl_password.empty()) return config_error("sasl_password", "OAUTHBEARER logs in with a token, not a password: leave it empty");
        if (c.sasl_oauthbearer_token_provider && c.enable_sasl_oauthbearer_unsecure_jwt)
            return config_error("enable_sasl_oauthbearer_unsecure_jwt", "set beside sasl_oauthbearer_token_provider: choose one");
        if (!c.sasl_oauthbearer_token_provider && !c.enable_sasl_oauthbearer_unsecure_jwt)
            return config_error("sasl_oauthbearer_token_provider", "OAUTHBEARER needs a token provider (or, for development, "
                                                                   "enable_sasl_oauthbearer_unsecure_jwt with sasl_oauthbearer_config)");
        if (!c.sasl_oauthbearer_config.empty() && !c.enable_sasl_oauthbearer_unsecure_jwt)
            return config_error("sasl_oauthbearer_config", "set, but it takes effect only with enable_sasl_oauthbearer_unsecure_jwt");
        if (c.enable_sasl_oauthbearer_unsecure_jwt) {
            if (c.sasl_oauthbearer_config.empty())
                return config_error("sasl_oauthbearer_config", "unsecured tokens need at least principal=NAME");
            if (auto j = unsecured_jwt::parse(c.sasl_oauthbearer_config); !j) return std::move(j).err();
        }
    } else {
        const auto not_bearer = [&](std::string_view field) {
            return config_error(field, "set, but it takes effect only with sasl_mechanism OAUTHBEARER and security_protocol "
                                       "SASL_PLAINTEXT or SASL_SSL");
        };
        if (c.sasl_oauthbearer_token_provider) return not_bearer("sasl_oauthbearer_token_provider");
        if (c.enable_sasl_oauthbearer_unsecure_jwt) return not_bearer("enable_sasl_oauthbearer_unsecure_jwt");
        if (!c.sasl_oauthbearer_config.empty()) return not_bearer("sasl_oauthbearer_config");
    }
    if (sasl && !bearer) {
        if (c.sasl_mechanism != kcoro::sasl_mechanism::plain && c.sasl_mechanism != kcoro::sasl_mechanism::scram_sha_256 &&
            c.sasl_mechanism != kcoro::sasl_mechanism::scram_sha_512)
            return config_error("sasl_mechanism", "must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER");
        if (c.sasl_username.empty()) return config_error("sasl_username", "must be set for " + protocol);
        if (c.sasl_username.find('\0') != std::string::npos) return config_error("sasl_username", "contains a NUL byte");
        if (c.sasl_password.find('\0') != std::string::npos) return config_error("sasl_password", "contains a NUL byte");
    }
    if (tls) {
        if (!c.ssl_ca_location.empty() && !c.ssl_ca_pem.empty())
            return config_error("ssl_ca_pem", "set ssl_ca_location or ssl_ca_pem, not both");
        if (!c.ssl_ca_pem.empty() && c.ssl_ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
            return config_error("ssl_ca_pem", "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        if (!c.ssl_ca_location.empty() && !readable_path(c.ssl_ca_location))
            return config_error("ssl_ca_location", "cannot open '" + c.ssl_ca_location + "'");
        if (c.ssl_certificate_location.empty() != c.ssl_key_location.empty())
            return config_error(c.ssl_key_location.empty() ? "ssl_key_location" : "ssl_certificate_location",
                                "a client certificate needs both ssl_certificate_location and ssl_key_location");
        if (!c.ssl_key_password.empty() && c.ssl_key_location.empty())
            return config_error("ssl_key_password", "set, but there is no ssl_key_location to decrypt");
        if (!c.ssl_certificate_location.empty() && !readable_path(c.ssl_certificate_location))
            return config_error("ssl_certificate_location", "cannot open '" + c.ssl_certificate_location + "'");
        if (!c.ssl_key_location.empty() && !readable_path(c.ssl_key_location))
            return config_error("ssl_key_location", "cannot open '" + c.ssl_key_location + "'");
        if (c.ssl_endpoint_identification != ssl_endpoint_identification::https &&
            c.ssl_endpoint_identification != ssl_endpoint_identification::none_insecure)
            return config_error("ssl_endpoint_identification", "must be https or none_insecure");
    }
    return ok();
}
}  // namespace detail

// Checks every field; the error's detail names the first bad field and what to change.
inline result<void> validate(const producer_config& c) {
    using detail::config_error;
    auto servers = parse_bootstrap_servers(c.bootstrap_servers, c.security_protocol);
    if (!servers) return std::move(servers).err();
    if (auto s = detail::validate_security(c); !s) return s;
    if (c.client_id.size() > 32767) return config_error("client_id", "longer than 32767 bytes");
    if (c.transactional_id.size() > 32767) return config_error("transactional_id", "longer than 32767 bytes");
    if (c.transaction_timeout.count() <= 0 || c.transaction_timeout.count() > 0x7fffffff)
        return config_error("transaction_timeout", "must be positive and fit in an int32 of milliseconds");
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
    if (!c.transactional_id.empty() && c.acks != acks::all)
        return config_error("acks", "a transactional producer (transactional_id set) needs acks::all");
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
