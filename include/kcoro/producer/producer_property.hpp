// Every producer property of the Java client and of librdkafka, in one table: its names, the
// producer_config field it sets (if any), the values it takes, its default in kcoro and what kcoro
// does with it. producer_properties (producer_properties.hpp) loads configurations through it, and
// docs/configuration.md is generated from it (tools/config_doc.cpp; the test command fails when
// the page is stale).
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "producer_config.hpp"
#include "unsecured_jwt.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

enum class property_effect : std::uint8_t {
    applied,      // sets a field of producer_config
    checked,      // kcoro has one behaviour: values that ask for it are accepted, others are errors
    ignored,      // changes nothing in kcoro: accepted with a warning
    unsupported,  // asks for something kcoro does not do: an error saying what to do instead
    not_yet,      // TLS and SASL settings kcoro does not read yet: an error that says so
};

namespace detail {
// What applying one property may leave for the end of loading (implied settings, warnings).
struct property_context {
    bool idempotence_set = false;
    bool truststore_location_set = false, truststore_pem = false;
    bool keystore_location_set = false, keystore_pem = false;
    std::optional<int> gzip_level, lz4_level, zstd_level, any_level;
    std::vector<std::string> warnings;
};
using property_setter = result<void> (*)(producer_config&, std::string_view value, property_context&);
using property_printer = std::string (*)(const producer_config&);
}  // namespace detail

struct producer_property {
    std::string_view java;              // the Java client's name; empty when only librdkafka has it
    std::string_view librdkafka;        // librdkafka's name; empty when only Java has it
    std::string_view librdkafka_alias;  // librdkafka's other name for it, if any
    property_effect effect;
    std::string_view field;             // the producer_config field it sets
    std::string_view values;            // what it takes
    std::string_view note;              // what kcoro does with it
    detail::property_setter set = nullptr;
    detail::property_printer show = nullptr;  // the field's value in the property's syntax
    bool secret = false;                // its value is never repeated in a message

    std::string_view name() const noexcept { return java.empty() ? librdkafka : java; }
};

namespace detail {

inline std::string_view trim_property(std::string_view v) {
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
    return v;
}
inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}
inline std::optional<std::int64_t> property_integer(std::string_view v) {
    v = trim_property(v);
    if (!v.empty() && v.front() == '+') v.remove_prefix(1);
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || p != v.data() + v.size()) return std::nullopt;
    return n;
}
inline result<void> bad_value(std::string_view why) { return error(errc::bad_config, std::string(why)); }

template <auto Member>
result<void> set_ms(producer_config& c, std::string_view v, property_context&) {
    auto n = property_integer(v);
    if (!n) return bad_value("not a whole number of milliseconds");
    if (*n < 0) return bad_value("must not be negative");
    c.*Member = milliseconds(*n);
    return ok();
}
template <auto Member>
std::string show_ms(const producer_config& c) {
    return std::to_string((c.*Member).count());
}
template <auto Member, std::size_t Scale = 1>
result<void> set_bytes(producer_config& c, std::string_view v, property_context&) {
    auto n = property_integer(v);
    if (!n) return bad_value("not a whole number");
    if (*n < 0) return bad_value("must not be negative");
    if (static_cast<std::uint64_t>(*n) > std::numeric_limits<std::size_t>::max() / Scale) return bad_value("too large");
    c.*Member = static_cast<std::size_t>(*n) * Scale;
    return ok();
}
template <auto Member>
std::string show_bytes(const producer_config& c) {
    return std::to_string(c.*Member);
}
template <auto Member>
result<void> set_int(producer_config& c, std::string_view v, property_context&) {
    auto n = property_integer(v);
    if (!n || *n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max()) return bad_value("not a 32-bit integer");
    c.*Member = static_cast<int>(*n);
    return ok();
}
template <auto Member>
std::string show_int(const producer_config& c) {
    return std::to_string(c.*Member);
}
inline std::optional<bool> property_bool(std::string_view v) {
    v = trim_property(v);
    if (iequals(v, "true")) return true;
    if (iequals(v, "false")) return false;
    return std::nullopt;
}
template <auto Member>
result<void> set_bool(producer_config& c, std::string_view v, property_context&) {
    auto b = property_bool(v);
    if (!b) return bad_value("expected true or false");
    c.*Member = *b;
    return ok();
}
template <auto Member>
std::string show_bool(const producer_config& c) {
    return c.*Member ? "true" : "false";
}
template <auto Member>
result<void> set_text(producer_config& c, std::string_view v, property_context&) {
    c.*Member = std::string(v);
    return ok();
}
template <auto Member>
std::string show_text(const producer_config& c) {
    return c.*Member;
}

inline result<void> set_bootstrap(producer_config& c, std::string_view v, property_context&) {
    auto servers = parse_bootstrap_servers(v);
    if (!servers) return bad_value(servers.err().detail());
    c.bootstrap_servers = std::string(trim_property(v));
    return ok();
}
inline result<void> set_acks(producer_config& c, std::string_view v, property_context&) {
    v = trim_property(v);
    if (iequals(v, "all") || v == "-1") c.acks = acks::all;
    else if (v == "1") c.acks = acks::leader;
    else if (v == "0") c.acks = acks::none;
    else return bad_value("expected all, -1, 1 or 0");
    return ok();
}
inline std::string show_acks(const producer_config& c) {
    return c.acks == acks::all ? "all" : c.acks == acks::leader ? "1" : "0";
}
inline result<void> set_idempotence(producer_config& c, std::string_view v, property_context& ctx) {
    auto b = property_bool(v);
    if (!b) return bad_value("expected true or false");
    c.enable_idempotence = *b;
    ctx.idempotence_set = true;
    return ok();
}
inline result<void> set_compression(producer_config& c, std::string_view v, property_context&) {
    v = trim_property(v);
    const compression_codec all[] = {compression_codec::none, compression_codec::gzip, compression_codec::snappy,
                                     compression_codec::lz4, compression_codec::zstd};
    for (auto codec : all) {
        if (!iequals(v, codec_name(codec))) continue;
        if (!codec_available(codec)) {
            std::string option = codec == compression_codec::gzip ? "ZLIB" : std::string(codec_name(codec));
            for (auto& ch : option) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            return bad_value("this build of kcoro has no " + std::string(codec_name(codec)) + " (KCORO_WITH_" + option + ")");
        }
        c.compression = codec;
        return ok();
    }
    return bad_value("expected none, gzip, snappy, lz4 or zstd");
}
inline std::string show_compression(const producer_config& c) { return codec_name(c.compression); }

template <std::optional<int> property_context::*Level, int Low, int High, int Default>
result<void> set_level(producer_config&, std::string_view v, property_context& ctx) {
    auto n = property_integer(v);
    if (!n || *n < Low || *n > High) return bad_value("expected " + std::to_string(Low) + " to " + std::to_string(High));
    ctx.*Level = *n == Default ? std::optional<int>{} : std::optional<int>(static_cast<int>(*n));
    return ok();
}
inline std::string show_level(const producer_config& c) {
    return c.compression_level ? std::to_string(*c.compression_level) : "-1";
}

inline result<void> set_retries(producer_config&, std::string_view v, property_context& ctx) {
    auto n = property_integer(v);
    if (!n || *n < 0 || *n > 2147483647) return bad_value("expected 0 to 2147483647");
    if (*n == 0)
        return bad_value("kcoro always retries retriable errors until delivery.timeout.ms; bound the time with delivery.timeout.ms instead");
    if (*n != 2147483647)
        ctx.warnings.push_back("kcoro retries until delivery.timeout.ms rather than a number of times; bound the time with delivery.timeout.ms");
    return ok();
}
inline result<void> set_security_protocol(producer_config& c, std::string_view v, property_context&) {
    auto p = parse_security_protocol(trim_property(v));
    if (!p) return bad_value("expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
    c.security_protocol = *p;
    return ok();
}
inline std::string show_security_protocol(const producer_config& c) { return std::string(security_protocol_name(c.security_protocol)); }
inline result<void> set_sasl_mechanism(producer_config& c, std::string_view v, property_context&) {
    std::string name(trim_property(v));
    for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (auto m = parse_sasl_mechanism(name)) {
        c.sasl_mechanism = *m;
        return ok();
    }
    if (name == "GSSAPI") return bad_value(name + " is not supported yet; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER");
    return bad_value("expected PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER");
}
inline std::string show_sasl_mechanism(const producer_config& c) { return std::string(sasl_mechanism_name(c.sasl_mechanism)); }
inline result<void> set_endpoint_identification(producer_config& c, std::string_view v, property_context&) {
    v = trim_property(v);
    // librdkafka says "none", Java an empty value.
    if (iequals(v, "https")) c.ssl_endpoint_identification = ssl_endpoint_identification::https;
    else if (v.empty() || iequals(v, "none")) c.ssl_endpoint_identification = ssl_endpoint_identification::none_insecure;
    else return bad_value("expected https, or none (empty in Java) to accept a certificate for any host");
    return ok();
}
inline std::string show_endpoint_identification(const producer_config& c) {
    return c.ssl_endpoint_identification == ssl_endpoint_identification::https ? "https" : "none";
}
// One JAAS option's value: name="value" (Java's quoting: a backslash escapes the next character).
inline std::optional<std::string> jaas_option(std::string_view line, std::string_view name) {
    std::size_t at = 0;
    while ((at = line.find(name, at)) != std::string_view::npos) {
        const bool starts = at == 0 || std::isspace(static_cast<unsigned char>(line[at - 1]));
        std::size_t i = at + name.size();
        at = i;
        if (!starts) continue;
        while (i < line.size() && line[i] == ' ') ++i;
        if (i >= line.size() || line[i] != '=') continue;
        ++i;
        while (i < line.size() && line[i] == ' ') ++i;
        if (i >= line.size() || line[i] != '"') return std::nullopt;
        std::string out;
        for (++i; i < line.size() && line[i] != '"'; ++i) {
            if (line[i] == '\\' && i + 1 < line.size()) ++i;
            out += line[i];
        }
        if (i >= line.size()) return std::nullopt;
        return out;
    }
    return std::nullopt;
}
// Java's OAuthBearerLoginModule with its unsecuredLogin* options, as librdkafka's
// sasl.oauthbearer.config would say it. Without them Java would fetch a token from an identity
// provider, which kcoro leaves to the application's token provider.
inline result<void> set_jaas_oauthbearer(producer_config& c, std::string_view v) {
    auto sub = jaas_option(v, "unsecuredLoginStringClaim_sub");
    if (!sub)
        return bad_value("kcoro reads OAuthBearerLoginModule's unsecured tokens only (unsecuredLoginStringClaim_sub=\"...\"); "
                         "for an identity provider's tokens, set sasl_oauthbearer_token_provider in code");
    std::string options = "principal=" + *sub;
    if (auto life = jaas_option(v, "unsecuredLoginLifetimeSeconds")) options += " lifeSeconds=" + *life;
    if (auto scope = jaas_option(v, "unsecuredLoginListClaim_scope")) {
        // Java's list claim starts with its own separator: ",a,b" or "|a|b".
        std::string list = *scope;
        if (!list.empty()) {
            const char sep = list[0];
            list.erase(0, 1);
            std::replace(list.begin(), list.end(), sep, ',');
        }
        options += " scope=" + list;
    }
    static constexpr std::string_view ext = "unsecuredLoginExtension_";
    for (std::size_t at = v.find(ext); at != std::string_view::npos; at = v.find(ext, at + ext.size())) {
        std::size_t end = at + ext.size();
        while (end < v.size() && std::isalpha(static_cast<unsigned char>(v[end]))) ++end;
        const std::string key(v.substr(at + ext.size(), end - at - ext.size()));
        if (auto value = jaas_option(v, std::string(ext) + key)) options += " extension_" + key + "=" + *value;
    }
    if (auto j = unsecured_jwt::parse(options); !j) return bad_value(std::string(j.err().detail()));
    c.enable_sasl_oauthbearer_unsecure_jwt = true;
    c.sasl_oauthbearer_config = std::move(options);
    return ok();
}
// Java's sasl.jaas.config for PLAIN and SCRAM: the login module's username and password options.
inline result<void> set_jaas_config(producer_config& c, std::string_view v, property_context&) {
    v = trim_property(v);
    if (v.find("oauthbearer.OAuthBearerLoginModule") != std::string_view::npos) return set_jaas_oauthbearer(c, v);
    const bool plain = v.find("security.plain.PlainLoginModule") != std::string_view::npos;
    const bool scram = v.find("security.scram.ScramLoginModule") != std::string_view::npos;
    if (!plain && !scram)
        return bad_value("kcoro reads PlainLoginModule's and ScramLoginModule's user name and password, and OAuthBearerLoginModule's "
                         "unsecured tokens; or set sasl.username and sasl.password");
    auto user = jaas_option(v, "username");
    auto password = jaas_option(v, "password");
    if (!user || !password) return bad_value("expected username=\"...\" and password=\"...\" in the login module's options");
    c.sasl_username = std::move(*user);
    c.sasl_password = std::move(*password);
    return ok();
}
// PEM text spans lines; a properties file writes them as \n escapes.
inline std::string show_ca_pem(const producer_config& c) {
    std::string out;
    for (char ch : c.ssl_ca_pem) {
        if (ch == '\n') out += "\\n";
        else if (ch == '\r') out += "\\r";
        else out += ch;
    }
    return out;
}
inline result<void> set_truststore_location(producer_config& c, std::string_view v, property_context& ctx) {
    c.ssl_ca_location = std::string(trim_property(v));
    ctx.truststore_location_set = true;
    return ok();
}
// A Java store type: PEM is the one kcoro reads; `refusal` says what to do instead.
inline result<void> pem_store_type(std::string_view v, bool& pem, std::string_view refusal) {
    if (!iequals(trim_property(v), "PEM")) return bad_value(refusal);
    pem = true;
    return ok();
}
inline result<void> set_truststore_type(producer_config&, std::string_view v, property_context& ctx) {
    return pem_store_type(v, ctx.truststore_pem,
                          "kcoro reads PEM trust stores only: export the CA certificates as PEM and set ssl.truststore.type=PEM "
                          "(or librdkafka's ssl.ca.location)");
}
// Java's PEM key store: one file with the private key and the certificate chain, which OpenSSL
// reads as both (each reader takes the PEM blocks of its kind); its key's passphrase is
// ssl.key.password, as in Java.
inline result<void> set_keystore_location(producer_config& c, std::string_view v, property_context& ctx) {
    c.ssl_certificate_location = std::string(trim_property(v));
    c.ssl_key_location = c.ssl_certificate_location;
    ctx.keystore_location_set = true;
    return ok();
}
inline result<void> set_keystore_type(producer_config&, std::string_view v, property_context& ctx) {
    return pem_store_type(v, ctx.keystore_pem,
                          "kcoro reads PEM key stores only: export the key and its certificate chain as PEM into one file and set "
                          "ssl.keystore.type=PEM (or librdkafka's ssl.certificate.location and ssl.key.location)");
}
inline result<void> set_partitioner_class(producer_config&, std::string_view v, property_context&) {
    v = trim_property(v);
    if (v.empty() || v == "org.apache.kafka.clients.producer.internals.DefaultPartitioner") return ok();
    if (v == "org.apache.kafka.clients.producer.RoundRobinPartitioner")
        return bad_value("choose kcoro::round_robin_partitioner as the producer's Partitioner template argument");
    if (v == "org.apache.kafka.clients.producer.UniformStickyPartitioner")
        return bad_value("set partitioner.ignore.keys=true instead (the default partitioner then treats every record as keyless)");
    return bad_value("Java classes cannot run in kcoro: a partitioner is the producer's Partitioner template argument");
}
inline result<void> set_rdkafka_partitioner(producer_config&, std::string_view v, property_context&) {
    v = trim_property(v);
    if (v == "murmur2_random") return ok();
    if (v == "consistent") return bad_value("choose kcoro::crc32_partitioner as the producer's Partitioner template argument");
    if (v == "consistent_random")
        return bad_value("choose kcoro::consistent_random_partitioner as the producer's Partitioner template argument");
    if (v == "murmur2")
        return bad_value("kcoro's murmur2 partitioners spread keyless records; choose kcoro::murmur2_random_partitioner or keep the default");
    if (v == "random" || v == "fnv1a" || v == "fnv1a_random")
        return bad_value("kcoro has no " + std::string(v) + " partitioner; the partitioner is the producer's Partitioner template argument");
    return bad_value("expected murmur2_random (kcoro's default); others are chosen as the Partitioner template argument");
}
inline result<void> set_interceptors(producer_config&, std::string_view v, property_context&) {
    if (trim_property(v).empty()) return ok();
    return bad_value("Java interceptors cannot run in kcoro; wrap send() or use the delivery callback");
}
template <bool Allowed>
result<void> set_only(producer_config&, std::string_view v, property_context&) {
    auto b = property_bool(v);
    if (!b) return bad_value("expected true or false");
    if (*b != Allowed) return bad_value(Allowed ? "kcoro does not offer turning this off" : "kcoro does not offer this");
    return ok();
}
inline result<void> set_fifo(producer_config&, std::string_view v, property_context&) {
    if (trim_property(v) == "fifo") return ok();
    return bad_value("kcoro sends each partition's records in the order they were sent (fifo)");
}
inline result<void> set_builtin_features(producer_config&, std::string_view v, property_context&) {
    std::string_view rest = v;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view f = trim_property(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (f.empty()) continue;
        bool have = false;
        if (f == "gzip") have = codec_available(compression_codec::gzip);
        else if (f == "snappy") have = codec_available(compression_codec::snappy);
        else if (f == "lz4") have = codec_available(compression_codec::lz4);
        else if (f == "zstd") have = codec_available(compression_codec::zstd);
        if (!have) return bad_value("this build of kcoro lacks '" + std::string(f) + "'");
    }
    return ok();
}

// Texts shared by many rows.
inline constexpr std::string_view tls_not_yet = "not supported yet: refused, so that a setting the TLS connection would need is never dropped";
inline constexpr std::string_view sasl_not_yet =
    "not supported yet (kcoro speaks SASL PLAIN and SCRAM with sasl.username and sasl.password, and OAUTHBEARER with a token "
    "provider set in code or unsecured tokens)";
inline constexpr std::string_view metrics_note = "kcoro has no metrics reporters; read producer::stats()";
inline constexpr std::string_view logging_note = "kcoro writes no log";
inline constexpr std::string_view callback_note =
    "set through librdkafka's C API, not a property; kcoro's equivalents are C++ (delivery callbacks, set_error_handler, stats())";
inline constexpr std::string_view java_only_note = "a setting of the Java runtime, with no counterpart in kcoro";
inline constexpr std::string_view deprecated_note = "deprecated in librdkafka; nothing to do in kcoro";

constexpr producer_property applied(std::string_view java, std::string_view rd, std::string_view alias, std::string_view field,
                                    std::string_view values, std::string_view note, property_setter set, property_printer show) {
    return {java, rd, alias, property_effect::applied, field, values, note, set, show, false};
}
constexpr producer_property applied_secret(std::string_view java, std::string_view rd, std::string_view field, std::string_view values,
                                           std::string_view note, property_setter set) {
    return {java, rd, {}, property_effect::applied, field, values, note, set, nullptr, true};
}
constexpr producer_property checked(std::string_view java, std::string_view rd, std::string_view alias, std::string_view values,
                                    std::string_view note, property_setter set) {
    return {java, rd, alias, property_effect::checked, {}, values, note, set, nullptr, false};
}
constexpr producer_property ignored(std::string_view java, std::string_view rd, std::string_view note, std::string_view alias = {}) {
    return {java, rd, alias, property_effect::ignored, {}, {}, note, nullptr, nullptr, false};
}
constexpr producer_property unsupported(std::string_view java, std::string_view rd, std::string_view note) {
    return {java, rd, {}, property_effect::unsupported, {}, {}, note, nullptr, nullptr, false};
}
constexpr producer_property not_yet(std::string_view java, std::string_view rd, std::string_view note, bool secret = false,
                                    std::string_view alias = {}) {
    return {java, rd, alias, property_effect::not_yet, {}, {}, note, nullptr, nullptr, secret};
}

// clang-format off
inline constexpr producer_property producer_property_rows[] = {
    // ---- applied to producer_config
    applied("bootstrap.servers", "bootstrap.servers", "metadata.broker.list", "bootstrap_servers", "host:port,host:port ([ipv6]:port)",
            "brokers to ask for metadata first; a port is required (no silent 9092)", set_bootstrap, show_text<&producer_config::bootstrap_servers>),
    applied("client.id", "client.id", {}, "client_id", "text", "sent in every request header", set_text<&producer_config::client_id>, show_text<&producer_config::client_id>),
    applied("acks", "acks", "request.required.acks", "acks", "all, -1, 1, 0", "replicas that must have a record before it is acknowledged",
            set_acks, show_acks),
    applied("enable.idempotence", "enable.idempotence", {}, "enable_idempotence", "true, false",
            "idempotent delivery; as in the Java client, when it is not set and acks is not all or more than 5 requests may be in flight, it is turned off",
            set_idempotence, show_bool<&producer_config::enable_idempotence>),
    applied("linger.ms", "linger.ms", "queue.buffering.max.ms", "linger", "milliseconds (whole)", "how long a batch waits to fill",
            set_ms<&producer_config::linger>, show_ms<&producer_config::linger>),
    applied("batch.size", "batch.size", {}, "batch_size", "bytes", "bytes per partition batch (uncompressed)", set_bytes<&producer_config::batch_size>,
            show_bytes<&producer_config::batch_size>),
    applied("buffer.memory", {}, {}, "buffer_memory", "bytes", "bytes buffered before send() suspends the sending coroutine",
            set_bytes<&producer_config::buffer_memory>, show_bytes<&producer_config::buffer_memory>),
    applied({}, "queue.buffering.max.kbytes", {}, "buffer_memory", "KiB", "librdkafka's bound on buffered bytes, in KiB: sets buffer_memory",
            set_bytes<&producer_config::buffer_memory, 1024>, nullptr),
    applied("max.block.ms", {}, {}, "max_block", "milliseconds", "how long send() may stay suspended on a full buffer",
            set_ms<&producer_config::max_block>, show_ms<&producer_config::max_block>),
    applied("max.request.size", "message.max.bytes", {}, "max_request_size", "bytes", "largest Produce request, and so largest record",
            set_bytes<&producer_config::max_request_size>, show_bytes<&producer_config::max_request_size>),
    applied("max.in.flight.requests.per.connection", "max.in.flight.requests.per.connection", "max.in.flight", "max_in_flight",
            "1 or more (at most 5 with idempotence)", "Produce requests outstanding per broker", set_int<&producer_config::max_in_flight>,
            show_int<&producer_config::max_in_flight>),
    applied("delivery.timeout.ms", "delivery.timeout.ms", "message.timeout.ms", "delivery_timeout", "milliseconds (at least linger.ms + request.timeout.ms)",
            "from send() to success or final failure, retries included; librdkafka's 0 (infinite) is refused", set_ms<&producer_config::delivery_timeout>,
            show_ms<&producer_config::delivery_timeout>),
    applied("request.timeout.ms", "request.timeout.ms", {}, "request_timeout", "milliseconds",
            "one request's round trip, and the timeout the broker is given in Produce", set_ms<&producer_config::request_timeout>,
            show_ms<&producer_config::request_timeout>),
    applied("retry.backoff.ms", "retry.backoff.ms", {}, "retry_backoff", "milliseconds", "first wait before a retry", set_ms<&producer_config::retry_backoff>,
            show_ms<&producer_config::retry_backoff>),
    applied("retry.backoff.max.ms", "retry.backoff.max.ms", {}, "retry_backoff_max", "milliseconds", "longest wait before a retry",
            set_ms<&producer_config::retry_backoff_max>, show_ms<&producer_config::retry_backoff_max>),
    applied("reconnect.backoff.ms", "reconnect.backoff.ms", {}, "reconnect_backoff", "milliseconds", "first wait before reconnecting",
            set_ms<&producer_config::reconnect_backoff>, show_ms<&producer_config::reconnect_backoff>),
    applied("reconnect.backoff.max.ms", "reconnect.backoff.max.ms", {}, "reconnect_backoff_max", "milliseconds", "longest wait before reconnecting",
            set_ms<&producer_config::reconnect_backoff_max>, show_ms<&producer_config::reconnect_backoff_max>),
    applied("socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.ms", {}, "socket_connection_setup_timeout", "milliseconds",
            "resolution and TCP connect of one connection attempt", set_ms<&producer_config::socket_connection_setup_timeout>,
            show_ms<&producer_config::socket_connection_setup_timeout>),
    applied("metadata.max.age.ms", "metadata.max.age.ms", "topic.metadata.refresh.interval.ms", "metadata_max_age", "milliseconds",
            "metadata is refreshed at least this often (Java's meaning; librdkafka's metadata.max.age.ms is a cache age)",
            set_ms<&producer_config::metadata_max_age>, show_ms<&producer_config::metadata_max_age>),
    applied("compression.type", "compression.type", "compression.codec", "compression", "none, gzip, snappy, lz4, zstd (those compiled in)",
            "codec of every batch", set_compression, show_compression),
    applied({}, "compression.level", {}, "compression_level", "codec level, -1 for the codec's default", "level of whichever codec is chosen",
            set_level<&property_context::any_level, -131072, 22, -1>, show_level),
    applied("compression.gzip.level", {}, {}, "compression_level", "1 to 9, -1 for the default", "level when compression.type=gzip",
            set_level<&property_context::gzip_level, -1, 9, -1>, nullptr),
    applied("compression.lz4.level", {}, {}, "compression_level", "1 to 17", "level when compression.type=lz4",
            set_level<&property_context::lz4_level, 1, 17, 9>, nullptr),
    applied("compression.zstd.level", {}, {}, "compression_level", "-131072 to 22", "level when compression.type=zstd",
            set_level<&property_context::zstd_level, -131072, 22, 3>, nullptr),
    applied("partitioner.adaptive.partitioning.enable", {}, {}, "partitioner_adaptive_partitioning", "true, false",
            "keyless records lean toward brokers with shorter queues (KIP-794)", set_bool<&producer_config::partitioner_adaptive_partitioning>,
            show_bool<&producer_config::partitioner_adaptive_partitioning>),
    applied("partitioner.ignore.keys", {}, {}, "partitioner_ignore_keys", "true, false", "keyed records are partitioned as if keyless",
            set_bool<&producer_config::partitioner_ignore_keys>, show_bool<&producer_config::partitioner_ignore_keys>),
    applied("transaction.timeout.ms", "transaction.timeout.ms", {}, "transaction_timeout", "milliseconds",
            "how long the coordinator lets a transaction stay open before it aborts it; sent in InitProducerId",
            set_ms<&producer_config::transaction_timeout>, show_ms<&producer_config::transaction_timeout>),
    applied("transactional.id", "transactional.id", {}, "transactional_id", "text (at most 32767 bytes)",
            "makes the producer transactional (idempotent, acks=all); the same id fences an earlier producer that used it",
            set_text<&producer_config::transactional_id>, show_text<&producer_config::transactional_id>),
    applied("security.protocol", "security.protocol", {}, "security_protocol", "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (any case)",
            "what every connection speaks: TLS (SSL, SASL_SSL), SASL (SASL_PLAINTEXT, SASL_SSL), both or neither", set_security_protocol,
            show_security_protocol),
    applied("sasl.mechanism", "sasl.mechanism", "sasl.mechanisms", "sasl_mechanism", "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER",
            "the SASL mechanism (kcoro's default is PLAIN; GSSAPI is not supported yet)", set_sasl_mechanism, show_sasl_mechanism),
    applied({}, "sasl.username", {}, "sasl_username", "text", "the SASL user", set_text<&producer_config::sasl_username>,
            show_text<&producer_config::sasl_username>),
    applied_secret({}, "sasl.password", "sasl_password", "text", "the SASL password; never shown", set_text<&producer_config::sasl_password>),
    applied_secret("sasl.jaas.config", {}, "sasl_password", "PlainLoginModule or ScramLoginModule required username=\"..\" password=\"..\";",
                   "sets sasl_username and sasl_password from the login module's options (OAuthBearerLoginModule's "
                   "unsecuredLogin* options: unsecured tokens, as sasl.oauthbearer.config); never shown", set_jaas_config),
    applied({}, "enable.sasl.oauthbearer.unsecure.jwt", {}, "enable_sasl_oauthbearer_unsecure_jwt", "true, false",
            "OAUTHBEARER with unsecured tokens made from sasl.oauthbearer.config, for development against the broker's default validator",
            set_bool<&producer_config::enable_sasl_oauthbearer_unsecure_jwt>, show_bool<&producer_config::enable_sasl_oauthbearer_unsecure_jwt>),
    applied({}, "sasl.oauthbearer.config", {}, "sasl_oauthbearer_config", "principal=.. [scope=a,b] [lifeSeconds=N] [extension_NAME=..]",
            "the unsecured token's claims and SASL extensions", set_text<&producer_config::sasl_oauthbearer_config>,
            show_text<&producer_config::sasl_oauthbearer_config>),
    applied({}, "ssl.ca.location", {}, "ssl_ca_location", "a PEM file or a hashed directory", "the CAs the broker's certificate must chain to; "
            "unset with ssl.ca.pem unset: the system's store", set_text<&producer_config::ssl_ca_location>, show_text<&producer_config::ssl_ca_location>),
    applied("ssl.truststore.location", {}, {}, "ssl_ca_location", "a PEM file (ssl.truststore.type=PEM)", "as ssl.ca.location",
            set_truststore_location, nullptr),
    checked("ssl.truststore.type", {}, {}, "PEM", "kcoro reads PEM trust stores only", set_truststore_type),
    applied("ssl.truststore.certificates", "ssl.ca.pem", {}, "ssl_ca_pem", "PEM text", "CA certificates given as text",
            set_text<&producer_config::ssl_ca_pem>, show_ca_pem),
    applied({}, "ssl.certificate.location", {}, "ssl_certificate_location", "a PEM file", "the client certificate (and its chain), for mTLS",
            set_text<&producer_config::ssl_certificate_location>, show_text<&producer_config::ssl_certificate_location>),
    applied({}, "ssl.key.location", {}, "ssl_key_location", "a PEM file", "the client certificate's private key",
            set_text<&producer_config::ssl_key_location>, show_text<&producer_config::ssl_key_location>),
    applied_secret("ssl.key.password", "ssl.key.password", "ssl_key_password", "text", "the private key's passphrase; never shown",
                   set_text<&producer_config::ssl_key_password>),
    applied("ssl.keystore.location", "ssl.keystore.location", {}, "ssl_certificate_location, ssl_key_location",
            "a PEM file with the key and the certificate chain (ssl.keystore.type=PEM)",
            "the client certificate and its key in one file, as Java's PEM key store (librdkafka's is PKCS#12: refused)",
            set_keystore_location, nullptr),
    checked("ssl.keystore.type", {}, {}, "PEM", "kcoro reads PEM key stores only", set_keystore_type),
    applied("ssl.endpoint.identification.algorithm", "ssl.endpoint.identification.algorithm", {}, "ssl_endpoint_identification",
            "https; none (librdkafka) or empty (Java) to accept any host's certificate",
            "whether the broker's certificate must name the host connected to; the chain is verified either way",
            set_endpoint_identification, show_endpoint_identification),

    // ---- one behaviour in kcoro: its value is accepted, others are refused
    checked("retries", "retries", "message.send.max.retries", "2147483647 (others: a warning; 0: an error)",
            "kcoro retries retriable errors until delivery.timeout.ms", set_retries),
    checked("partitioner.class", {}, {}, "empty, or DefaultPartitioner", "the partitioner is the producer's Partitioner template argument",
            set_partitioner_class),
    checked({}, "partitioner", {}, "murmur2_random", "the default places keys as the Java client does; others name the kcoro type to use",
            set_rdkafka_partitioner),
    checked("interceptor.classes", {}, {}, "empty", "interceptors are Java classes", set_interceptors),
    checked("transaction.two.phase.commit.enable", {}, {}, "false", "two-phase commit (KIP-939) is not offered", set_only<false>),
    checked({}, "enable.gapless.guarantee", {}, "false", "not offered", set_only<false>),
    checked({}, "queuing.strategy", {}, "fifo", "records of a partition go out in the order sent", set_fifo),
    checked({}, "builtin.features", {}, "a list of features", "refused when this build lacks one (codecs: gzip, snappy, lz4, zstd)",
            set_builtin_features),

    // ---- changes nothing in kcoro: a warning
    ignored("key.serializer", {}, "keys are serialized by the producer's Key type (kcoro::default_serializer or a KeySerializer)"),
    ignored("value.serializer", {}, "values are serialized by the producer's Value type (kcoro::default_serializer or a ValueSerializer)"),
    ignored("client.dns.lookup", "client.dns.lookup", "kcoro tries every address a name resolves to (use_all_dns_ips)"),
    ignored("connections.max.idle.ms", "connections.max.idle.ms", "kcoro keeps broker connections open while the producer lives"),
    ignored("receive.buffer.bytes", "socket.receive.buffer.bytes", "sockets keep the system's buffer sizes"),
    ignored("send.buffer.bytes", "socket.send.buffer.bytes", "sockets keep the system's buffer sizes"),
    ignored("socket.connection.setup.timeout.max.ms", {}, "every attempt gets socket.connection.setup.timeout.ms"),
    ignored("enable.metrics.push", "enable.metrics.push", "client metrics are not pushed to the cluster (KIP-714)"),
    ignored("metadata.max.idle.ms", {}, "metadata of every topic produced to is kept while the producer lives"),
    ignored("metadata.recovery.strategy", "metadata.recovery.strategy", "with no broker reachable kcoro goes back to bootstrap.servers"),
    ignored("metadata.recovery.rebootstrap.trigger.ms", "metadata.recovery.rebootstrap.trigger.ms",
            "with no broker reachable kcoro goes back to bootstrap.servers"),
    ignored("metric.reporters", {}, metrics_note),
    ignored("metrics.num.samples", {}, metrics_note),
    ignored("metrics.recording.level", {}, metrics_note),
    ignored("metrics.sample.window.ms", {}, metrics_note),
    ignored("partitioner.availability.timeout.ms", {}, "partitions of a slow broker are not excluded; adaptive partitioning weighs queues"),
    ignored({}, "message.copy.max.bytes", "keys and values are always copied into the batch during send()"),
    ignored({}, "receive.message.max.bytes", "responses are bounded at 256 MiB"),
    ignored({}, "topic.metadata.refresh.fast.interval.ms", "after a leader change metadata is asked for at once, then every retry.backoff.ms"),
    ignored({}, "topic.metadata.refresh.fast.cnt", deprecated_note),
    ignored({}, "topic.metadata.refresh.sparse", "metadata is asked for the topics produced to only"),
    ignored({}, "topic.metadata.propagation.max.ms", "a topic missing from metadata is asked for again until delivery.timeout.ms"),
    ignored({}, "topic.blacklist", "a consumer setting"),
    ignored({}, "debug", logging_note),
    ignored({}, "socket.timeout.ms", "request.timeout.ms bounds each request"),
    ignored({}, "socket.blocking.max.ms", deprecated_note),
    ignored({}, "socket.keepalive.enable", "sockets keep the system's default"),
    ignored({}, "socket.nagle.disable", "kcoro always sets TCP_NODELAY"),
    ignored({}, "socket.max.fails", "a timed-out request closes its connection"),
    ignored({}, "broker.address.ttl", "names are resolved at each connection"),
    ignored({}, "broker.address.family", "every address family a name resolves to is tried"),
    ignored({}, "reconnect.backoff.jitter.ms", deprecated_note),
    ignored({}, "statistics.interval.ms", "read producer::stats() whenever you like"),
    ignored({}, "log_level", logging_note),
    ignored({}, "log.queue", logging_note),
    ignored({}, "log.thread.name", logging_note),
    ignored({}, "log.connection.close", logging_note),
    ignored({}, "enable.random.seed", "kcoro's randomness comes from its runtime"),
    ignored({}, "internal.termination.signal", "kcoro starts no threads to signal"),
    ignored({}, "api.version.request", "kcoro always asks brokers for their API versions"),
    ignored({}, "api.version.request.timeout.ms", "ApiVersions is bounded by request.timeout.ms"),
    ignored({}, "api.version.fallback.ms", deprecated_note),
    ignored({}, "broker.version.fallback", deprecated_note),
    ignored({}, "allow.auto.create.topics", "a consumer setting in librdkafka; kcoro's Metadata requests let the broker create topics when it is configured to, as the Java producer's do"),
    ignored({}, "client.rack", "a consumer setting (fetching from the closest replica)"),
    ignored({}, "queue.buffering.max.messages", "kcoro bounds buffered bytes (buffer.memory), not records"),
    ignored({}, "queue.buffering.backpressure.threshold", "batches are sent as soon as they are ready and a request slot is free"),
    ignored({}, "batch.num.messages", "batches are bounded by bytes (batch.size)"),
    ignored({}, "delivery.report.only.error", "the sending style decides what is reported"),
    ignored({}, "sticky.partitioning.linger.ms", "keyless records switch partitions when a batch is full (KIP-794)"),
    ignored({}, "produce.offset.report", deprecated_note),
    ignored("ssl.keymanager.algorithm", {}, java_only_note),
    ignored("ssl.trustmanager.algorithm", {}, java_only_note),
    ignored("ssl.secure.random.implementation", {}, java_only_note),
    ignored("ssl.provider", {}, java_only_note),
    ignored("security.providers", {}, java_only_note),

    // ---- refused: asks for what kcoro does not do
    unsupported({}, "plugin.library.paths", "kcoro loads no plugins"),
    unsupported({}, "interceptors", callback_note),
    unsupported({}, "enabled_events", callback_note),
    unsupported({}, "error_cb", callback_note),
    unsupported({}, "throttle_cb", callback_note),
    unsupported({}, "stats_cb", callback_note),
    unsupported({}, "log_cb", callback_note),
    unsupported({}, "background_event_cb", callback_note),
    unsupported({}, "socket_cb", callback_note),
    unsupported({}, "connect_cb", callback_note),
    unsupported({}, "closesocket_cb", callback_note),
    unsupported({}, "open_cb", callback_note),
    unsupported({}, "resolve_cb", callback_note),
    unsupported({}, "opaque", callback_note),
    unsupported({}, "default_topic_conf", callback_note),
    unsupported({}, "dr_cb", callback_note),
    unsupported({}, "dr_msg_cb", callback_note),
    unsupported({}, "partitioner_cb", callback_note),
    unsupported({}, "msg_order_cmp", callback_note),
    unsupported({}, "oauthbearer_token_refresh_cb",
                "set through librdkafka's C API, not a property; kcoro's equivalent is producer_config::sasl_oauthbearer_token_provider"),
    unsupported({}, "ssl.certificate.verify_cb", callback_note),
    unsupported({}, "ssl_key", callback_note),
    unsupported({}, "ssl_certificate", callback_note),
    unsupported({}, "ssl_ca", callback_note),
    unsupported({}, "ssl_engine_callback_data", callback_note),
    unsupported("ssl.engine.factory.class", {}, "a Java class"),

    // ---- not yet: the TLS and SASL settings beyond those above
    not_yet("ssl.keystore.certificate.chain", {}, tls_not_yet, true),
    not_yet("ssl.keystore.key", {}, tls_not_yet, true),
    not_yet("ssl.keystore.password", "ssl.keystore.password", tls_not_yet, true),
    not_yet("ssl.truststore.password", {}, tls_not_yet, true),
    not_yet("ssl.enabled.protocols", {}, tls_not_yet),
    not_yet("ssl.protocol", {}, tls_not_yet),
    not_yet("ssl.cipher.suites", "ssl.cipher.suites", tls_not_yet),
    not_yet({}, "ssl.curves.list", tls_not_yet),
    not_yet({}, "ssl.sigalgs.list", tls_not_yet),
    not_yet({}, "ssl.key.pem", tls_not_yet, true),
    not_yet({}, "ssl.certificate.pem", tls_not_yet),
    not_yet({}, "ssl.ca.certificate.stores", tls_not_yet),
    not_yet({}, "ssl.crl.location", tls_not_yet),
    not_yet({}, "ssl.providers", tls_not_yet),
    not_yet({}, "ssl.engine.location", tls_not_yet),
    not_yet({}, "ssl.engine.id", tls_not_yet),
    not_yet({}, "enable.ssl.certificate.verification", tls_not_yet),
    not_yet({}, "https.ca.location", tls_not_yet),
    not_yet({}, "https.ca.pem", tls_not_yet),
    not_yet("sasl.client.callback.handler.class", {}, sasl_not_yet),
    not_yet("sasl.login.callback.handler.class", {}, sasl_not_yet),
    not_yet("sasl.login.class", {}, sasl_not_yet),
    not_yet("sasl.kerberos.service.name", "sasl.kerberos.service.name", sasl_not_yet),
    not_yet("sasl.kerberos.kinit.cmd", "sasl.kerberos.kinit.cmd", sasl_not_yet),
    not_yet("sasl.kerberos.min.time.before.relogin", "sasl.kerberos.min.time.before.relogin", sasl_not_yet),
    not_yet("sasl.kerberos.ticket.renew.jitter", {}, sasl_not_yet),
    not_yet("sasl.kerberos.ticket.renew.window.factor", {}, sasl_not_yet),
    not_yet({}, "sasl.kerberos.principal", sasl_not_yet),
    not_yet({}, "sasl.kerberos.keytab", sasl_not_yet),
    not_yet("sasl.login.connect.timeout.ms", {}, sasl_not_yet),
    not_yet("sasl.login.read.timeout.ms", {}, sasl_not_yet),
    not_yet("sasl.login.refresh.buffer.seconds", {}, sasl_not_yet),
    not_yet("sasl.login.refresh.min.period.seconds", {}, sasl_not_yet),
    not_yet("sasl.login.refresh.window.factor", {}, sasl_not_yet),
    not_yet("sasl.login.refresh.window.jitter", {}, sasl_not_yet),
    not_yet("sasl.login.retry.backoff.max.ms", {}, sasl_not_yet),
    not_yet("sasl.login.retry.backoff.ms", {}, sasl_not_yet),
    not_yet({}, "sasl.oauthbearer.method", sasl_not_yet),
    not_yet("sasl.oauthbearer.client.credentials.client.id", "sasl.oauthbearer.client.id", sasl_not_yet, false,
            "sasl.oauthbearer.client.credentials.client.id"),
    not_yet("sasl.oauthbearer.client.credentials.client.secret", "sasl.oauthbearer.client.secret", sasl_not_yet, true,
            "sasl.oauthbearer.client.credentials.client.secret"),
    not_yet("sasl.oauthbearer.scope", "sasl.oauthbearer.scope", sasl_not_yet),
    not_yet({}, "sasl.oauthbearer.extensions", sasl_not_yet),
    not_yet("sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.token.endpoint.url", sasl_not_yet),
    not_yet({}, "sasl.oauthbearer.grant.type", sasl_not_yet),
    not_yet({}, "sasl.oauthbearer.metadata.authentication.type", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.algorithm", "sasl.oauthbearer.assertion.algorithm", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.claim.aud", "sasl.oauthbearer.assertion.claim.aud", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.claim.exp.seconds", "sasl.oauthbearer.assertion.claim.exp.seconds", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.claim.iss", "sasl.oauthbearer.assertion.claim.iss", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.claim.jti.include", "sasl.oauthbearer.assertion.claim.jti.include", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.claim.nbf.seconds", "sasl.oauthbearer.assertion.claim.nbf.seconds", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.claim.sub", "sasl.oauthbearer.assertion.claim.sub", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.file", "sasl.oauthbearer.assertion.file", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.private.key.file", "sasl.oauthbearer.assertion.private.key.file", sasl_not_yet),
    not_yet("sasl.oauthbearer.assertion.private.key.passphrase", "sasl.oauthbearer.assertion.private.key.passphrase", sasl_not_yet, true),
    not_yet({}, "sasl.oauthbearer.assertion.private.key.pem", sasl_not_yet, true),
    not_yet("sasl.oauthbearer.assertion.template.file", "sasl.oauthbearer.assertion.jwt.template.file", sasl_not_yet),
    not_yet("sasl.oauthbearer.jwks.endpoint.url", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.jwt.retriever.class", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.jwt.validator.class", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.clock.skew.seconds", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.expected.audience", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.expected.issuer", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.header.urlencode", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.jwks.endpoint.refresh.ms", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.scope.claim.name", {}, sasl_not_yet),
    not_yet("sasl.oauthbearer.sub.claim.name", {}, sasl_not_yet),
};
// clang-format on

}  // namespace detail

// Every row, in the table's order.
inline std::span<const producer_property> producer_properties_table() noexcept { return detail::producer_property_rows; }

// The row for a Java or librdkafka name (either of librdkafka's names), or nullptr.
inline const producer_property* find_producer_property(std::string_view name) noexcept {
    for (const auto& row : detail::producer_property_rows)
        if ((!row.java.empty() && row.java == name) || (!row.librdkafka.empty() && row.librdkafka == name) ||
            (!row.librdkafka_alias.empty() && row.librdkafka_alias == name))
            return &row;
    // The producer_config field's own name (security_protocol=SASL_SSL), for the row that shows it.
    if (name.find('_') != std::string_view::npos)
        for (const auto& row : detail::producer_property_rows)
            if (row.field == name && (row.show != nullptr || row.secret)) return &row;
    return nullptr;
}

KCORO_NAMESPACE_END
