// A producer_config from the properties users already have: Java-style properties files and
// key=value pairs, in the Java client's or librdkafka's names (producer_property.hpp lists every
// one and what kcoro does with it).
//
//     kcoro::producer_properties props;
//     if (auto r = props.add_file("client.properties"); !r) ...     // unreadable, malformed
//     props.set("linger.ms", "10");                                   // later ones win
//     auto cfg = props.to_config();                                   // every problem in diagnostics()
//
// A key that changes nothing in kcoro (key.serializer, client.dns.lookup, ...) is a warning. An
// unknown key is an error naming the closest known one; a bad value names key and value (never the
// value of a password or key passphrase); the security keys kcoro does not read yet are errors
// that say so. A producer_config field's own name is accepted too (security_protocol=SASL_SSL).
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "producer_config.hpp"
#include "producer_property.hpp"
#include "properties_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

class producer_properties {
public:
    struct diagnostic {
        bool error = false;  // false: a warning
        std::string key;
        std::string text;    // the whole line to show: "client.properties:3: linger.ms=abc: not a whole number ..."
    };

    // Java properties text; `source` names it in diagnostics (a file name).
    result<void> add_text(std::string_view text, std::string_view source) {
        auto entries = parse_properties(text);
        if (!entries) return error(errc::bad_config, std::string(source) + ": " + entries.err().detail());
        for (auto& e : *entries) entries_.push_back({std::move(e.key), std::move(e.value), std::string(source) + ":" + std::to_string(e.line)});
        return ok();
    }

    result<void> add_file(const std::string& path) {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (f == nullptr) return error(errc::bad_config, path + ": " + std::strerror(errno));
        std::string text;
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        const bool failed = std::ferror(f) != 0;
        std::fclose(f);
        if (failed) return error(errc::bad_config, path + ": read failed");
        return add_text(text, path);
    }

    void set(std::string_view key, std::string_view value, std::string_view source = {}) {
        entries_.push_back({std::string(key), std::string(value), std::string(source)});
    }

    // "key=value", as given to -X or --producer-props.
    result<void> set_pair(std::string_view pair, std::string_view source = {}) {
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return error(errc::bad_config, (source.empty() ? std::string() : std::string(source) + ": ") + "expected key=value, got '" +
                                               std::string(pair) + "'");
        set(detail::trim_property(pair.substr(0, eq)), pair.substr(eq + 1), source);
        return ok();
    }

    // Applies every property in the order added (a later one wins) onto `base`, then validates.
    // The error names the first problem; diagnostics() has every warning and error.
    result<producer_config> to_config(producer_config base = {}) {
        diagnostics_.clear();
        detail::property_context ctx;
        producer_config cfg = std::move(base);
        for (const auto& e : entries_) apply(cfg, e, ctx);
        finish(cfg, ctx);
        if (auto v = validate(cfg); !v) report(true, {}, {}, "invalid configuration: " + describe_field(v.err().detail()));
        std::size_t errors = 0;
        const diagnostic* first = nullptr;
        for (const auto& d : diagnostics_)
            if (d.error && errors++ == 0) first = &d;
        if (first == nullptr) return cfg;
        std::string text = first->text;
        if (errors > 1) text += " (and " + std::to_string(errors - 1) + " more)";
        return error(errc::bad_config, std::move(text));
    }

    const std::vector<diagnostic>& diagnostics() const noexcept { return diagnostics_; }

    // Every applied property of `cfg`, one "name=value" line each, in a form this class reads back.
    static std::string to_properties(const producer_config& cfg) {
        std::string out;
        for (const auto& row : producer_properties_table()) {
            if (row.show == nullptr) continue;
            out += row.name();
            out += '=';
            out += row.show(cfg);
            out += '\n';
        }
        return out;
    }

    // The known name closest to `name` (edit distance over Java and librdkafka names).
    static std::string_view closest_name(std::string_view name) {
        std::string_view best;
        std::size_t best_d = static_cast<std::size_t>(-1);
        auto consider = [&](std::string_view cand) {
            if (cand.empty()) return;
            const std::size_t d = distance(name, cand);
            if (d < best_d) {
                best_d = d;
                best = cand;
            }
        };
        for (const auto& row : producer_properties_table()) {
            consider(row.java);
            consider(row.librdkafka);
            consider(row.librdkafka_alias);
        }
        return best;
    }

private:
    struct entry {
        std::string key, value, where;
    };

    void report(bool is_error, std::string_view where, std::string_view key, std::string text) {
        std::string line = where.empty() ? std::string() : std::string(where) + ": ";
        line += text;
        diagnostics_.push_back({is_error, std::string(key), std::move(line)});
    }

    void apply(producer_config& cfg, const entry& e, detail::property_context& ctx) {
        const producer_property* row = find_producer_property(e.key);
        if (row == nullptr) {
            report(true, e.where, e.key, "unknown property '" + e.key + "'; the closest known one is '" + std::string(closest_name(e.key)) + "'");
            return;
        }
        const std::string shown = row->secret ? e.key : e.key + "=" + e.value;
        switch (row->effect) {
            case property_effect::ignored:
                report(false, e.where, e.key, e.key + ": has no effect in kcoro (" + std::string(row->note) + ")");
                return;
            case property_effect::unsupported:
                report(true, e.where, e.key, e.key + ": not supported: " + std::string(row->note));
                return;
            case property_effect::not_yet:
                report(true, e.where, e.key, shown + ": " + std::string(row->note));
                return;
            case property_effect::applied:
            case property_effect::checked: break;
        }
        const std::size_t warned = ctx.warnings.size();
        if (auto r = row->set(cfg, e.value, ctx); !r) report(true, e.where, e.key, shown + ": " + r.err().detail());
        for (std::size_t i = warned; i < ctx.warnings.size(); ++i) report(false, e.where, e.key, shown + ": " + ctx.warnings[i]);
    }

    // What the Java client decides after reading all properties, done the same way.
    void finish(producer_config& cfg, detail::property_context& ctx) {
        const std::optional<int>* level = cfg.compression == compression_codec::gzip ? &ctx.gzip_level
                                          : cfg.compression == compression_codec::lz4 ? &ctx.lz4_level
                                          : cfg.compression == compression_codec::zstd ? &ctx.zstd_level
                                                                                         : nullptr;
        if (ctx.any_level) cfg.compression_level = ctx.any_level;
        // Java's trust store type defaults to JKS, which would be read here as PEM and fail only at
        // the first handshake.
        if (ctx.truststore_location_set && !ctx.truststore_pem)
            report(true, {}, "ssl.truststore.location",
                   "ssl.truststore.location: kcoro reads PEM trust stores only; set ssl.truststore.type=PEM (or use ssl.ca.location)");
        // Likewise the key store, which librdkafka reads as PKCS#12.
        if (ctx.keystore_location_set && !ctx.keystore_pem)
            report(true, {}, "ssl.keystore.location",
                   "ssl.keystore.location: kcoro reads PEM key stores only; set ssl.keystore.type=PEM (or use ssl.certificate.location "
                   "and ssl.key.location)");
        if (level != nullptr && level->has_value()) cfg.compression_level = *level;
        // Idempotence is on by default only where the other settings allow it, unless asked for.
        if (!ctx.idempotence_set && cfg.enable_idempotence && cfg.transactional_id.empty() &&
            (cfg.acks != acks::all || cfg.max_in_flight > 5)) {
            cfg.enable_idempotence = false;
            report(false, {}, "enable.idempotence",
                   std::string("enable.idempotence: not set, and ") + (cfg.acks != acks::all ? "acks is not all" : "more than 5 requests may be in flight") +
                       ": idempotence is off, as in the Java client");
        }
    }

    // validate() names a field ("linger: ..."); say which properties set it.
    static std::string describe_field(const std::string& detail) {
        const std::size_t colon = detail.find(':');
        const std::string_view field = std::string_view(detail).substr(0, colon);
        std::string names;
        for (const auto& row : producer_properties_table()) {
            if (row.field != field) continue;
            if (!names.empty()) names += ", ";
            names += row.name();
        }
        return names.empty() ? detail : detail + " (set by " + names + ")";
    }

    static std::size_t distance(std::string_view a, std::string_view b) {
        std::vector<std::size_t> row(b.size() + 1);
        for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
            std::size_t diag = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= b.size(); ++j) {
                const std::size_t up = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
                diag = up;
            }
        }
        return row[b.size()];
    }

    std::vector<entry> entries_;
    std::vector<diagnostic> diagnostics_;
};

KCORO_NAMESPACE_END
