// kcoro-produce: records from stdin or files to a topic, like `kcat -P`.
//
//   kcoro-produce -b HOST:PORT -t TOPIC [options] [FILE ...]      (no FILE, or "-": stdin)
//
//   -b LIST              bootstrap.servers
//   -t TOPIC             the topic
//   -p PARTITION         a partition for every record (default: the partitioner chooses)
//   -k DELIM, -K DELIM   key delimiter: each record is KEY<DELIM>VALUE (without it: no key)
//   -D DELIM             record delimiter (default: a newline); \n \t \r \0 \\ are understood
//   -H NAME=VALUE        a header on every record (repeatable)
//   -z CODEC             compression.type: none, gzip, snappy, lz4, zstd
//   -a, --acks ACKS      acks: all, -1, 1, 0
//   --idempotence true|false   enable.idempotence
//   -X KEY=VALUE         a producer property in Kafka's (or librdkafka's) name (repeatable)
//   --producer.config FILE     a Java properties file of producer properties
//   --print-config       print the configuration that results, as properties, and exit
//   -q                   no summary line
//
// The properties are applied in this order, later ones winning: --producer.config, -X, then -b,
// -z, --acks, --idempotence. Warnings about properties go to stderr. Exit status: 0 when every
// record was delivered; 1 when some failed (their count and reasons on stderr); 2 for bad options
// or configuration.
#include <kcoro/kcoro.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "kcoro-produce: %s\n"
                 "usage: kcoro-produce -b HOST:PORT -t TOPIC [-p PARTITION] [-k DELIM] [-D DELIM] [-H NAME=VALUE]...\n"
                 "                     [-z CODEC] [-a ACKS] [--idempotence true|false] [-X KEY=VALUE]...\n"
                 "                     [--producer.config FILE] [--print-config] [-q] [FILE ...]\n",
                 why.c_str());
    std::exit(2);
}

std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        switch (s[++i]) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case '0': out += '\0'; break;
            default: out += s[i]; break;
        }
    }
    return out;
}

struct options {
    std::string topic;
    std::optional<std::int32_t> partition;
    std::string key_delimiter;
    std::string delimiter = "\n";
    std::vector<std::string> header_text;  // "name=value"
    std::vector<std::string> files;
    bool quiet = false;
    bool print_config = false;
};

struct outcome {
    long sent = 0;
    long delivered = 0;
    long failed = 0;
    std::map<std::string, long> reasons;
    void fail(const std::string& why) {
        ++failed;
        ++reasons[why];
    }
};

// One record: KEY<delimiter>VALUE when a key delimiter is given and found, else all value.
kcoro::task<void> send_record(kcoro::producer<>& p, kcoro::producer<>::record_type& rec, const options& o, std::string_view text,
                              outcome& out) {
    rec.key = std::nullopt;
    rec.value = text;
    if (!o.key_delimiter.empty()) {
        const std::size_t k = text.find(o.key_delimiter);
        if (k != std::string_view::npos) {
            rec.key = text.substr(0, k);
            rec.value = text.substr(k + o.key_delimiter.size());
        }
    }
    ++out.sent;
    auto q = co_await p.send(rec, [&out](kcoro::delivery_result r) {
        if (r) ++out.delivered;
        else out.fail(r.err().message());
    });
    if (!q) out.fail(q.err().message());
}

// Splits what one input yields into records, reading with the loop's help so that a slow pipe or a
// terminal never blocks the producer's work (linger, sending) while waiting for input.
kcoro::task<bool> send_input(kcoro::event_loop& loop, kcoro::producer<>& p, const options& o, std::span<const kcoro::record_header> headers,
                             int fd, const std::string& name, outcome& out) {
    std::string buf;
    std::size_t start = 0;    // where the next record begins in buf
    std::size_t scanned = 0;  // no delimiter begins before this
    bool eof = false;
    kcoro::producer<>::record_type rec;
    rec.topic = o.topic;
    rec.partition = o.partition;
    rec.headers = headers;
    for (;;) {
        const std::size_t end = buf.find(o.delimiter, std::max(start, scanned));
        if (end != std::string::npos) {
            co_await send_record(p, rec, o, std::string_view(buf).substr(start, end - start), out);
            start = end + o.delimiter.size();
            continue;
        }
        if (eof) {
            // The last record needs no delimiter after it.
            if (start < buf.size()) co_await send_record(p, rec, o, std::string_view(buf).substr(start), out);
            break;
        }
        buf.erase(0, start);
        start = 0;
        scanned = buf.size() >= o.delimiter.size() ? buf.size() - o.delimiter.size() + 1 : 0;
        co_await kcoro::detail::poll_fd_until(loop, fd, POLLIN, std::chrono::steady_clock::time_point::max());
        char chunk[65536];
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            std::fprintf(stderr, "kcoro-produce: %s: %s\n", name.c_str(), std::strerror(errno));
            co_return false;
        }
        if (n == 0) eof = true;
        else buf.append(chunk, static_cast<std::size_t>(n));
    }
    co_return true;
}

kcoro::task<bool> produce(kcoro::event_loop& loop, kcoro::producer<>& p, const options& o, outcome& out) {
    std::vector<std::string> names, values;
    for (const auto& h : o.header_text) {
        const std::size_t eq = h.find('=');
        names.push_back(h.substr(0, eq));
        values.push_back(eq == std::string::npos ? std::string() : h.substr(eq + 1));
    }
    std::vector<kcoro::record_header> headers;
    for (std::size_t i = 0; i < names.size(); ++i) headers.push_back({names[i], kcoro::as_bytes(values[i])});
    bool read_all = true;
    const std::vector<std::string> inputs = o.files.empty() ? std::vector<std::string>{"-"} : o.files;
    for (const auto& f : inputs) {
        const bool stdin_input = f == "-";
        const int fd = stdin_input ? 0 : ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            std::fprintf(stderr, "kcoro-produce: %s: %s\n", f.c_str(), std::strerror(errno));
            read_all = false;
            continue;
        }
        // A named string: g++ 12 mishandles a temporary made by ?: in a co_await's full expression.
        const std::string name = stdin_input ? std::string("stdin") : f;
        if (!co_await send_input(loop, p, o, headers, fd, name, out)) read_all = false;
        if (!stdin_input) ::close(fd);
    }
    co_await p.flush();
    auto closed = co_await p.close(std::chrono::seconds(30));
    if (!closed) std::fprintf(stderr, "kcoro-produce: close: %s\n", closed.err().message().c_str());
    co_return read_all && static_cast<bool>(closed);
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    kcoro::producer_properties props;
    std::string config_file;
    std::vector<std::pair<std::string, std::string>> overrides;  // -b, -z, --acks, --idempotence
    std::vector<std::string> pairs;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "-b") overrides.emplace_back("bootstrap.servers", value());
        else if (a == "-t") o.topic = value();
        else if (a == "-p") {
            const std::string v = value();
            std::int32_t n = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n < 0) usage("-p takes a partition number");
            o.partition = n;
        } else if (a == "-k" || a == "-K") o.key_delimiter = unescape(value());
        else if (a == "-D") o.delimiter = unescape(value());
        else if (a == "-H") o.header_text.push_back(value());
        else if (a == "-z") overrides.emplace_back("compression.type", value());
        else if (a == "-a" || a == "--acks") overrides.emplace_back("acks", value());
        else if (a == "--idempotence") overrides.emplace_back("enable.idempotence", value());
        else if (a == "-X") pairs.push_back(value());
        else if (a == "--producer.config") config_file = value();
        else if (a == "--print-config") o.print_config = true;
        else if (a == "-q") o.quiet = true;
        else if (a == "-h" || a == "--help") usage("records from stdin or files to a Kafka topic");
        else if (a.size() > 1 && a[0] == '-' && a != "-") usage("unknown option " + std::string(a));
        else o.files.emplace_back(a);
    }
    if (o.delimiter.empty()) usage("-D must not be empty");
    for (const auto& h : o.header_text)
        if (h.find('=') == std::string::npos || h.front() == '=') usage("-H takes NAME=VALUE, not '" + h + "'");

    if (!config_file.empty())
        if (auto r = props.add_file(config_file); !r) usage(r.err().detail());
    for (const auto& pair : pairs)
        if (auto r = props.set_pair(pair, "-X"); !r) usage(r.err().detail());
    for (const auto& [key, v] : overrides) props.set(key, v, key == "bootstrap.servers" ? "-b" : key == "compression.type" ? "-z" : "option");
    auto cfg = props.to_config();
    for (const auto& d : props.diagnostics()) std::fprintf(stderr, "kcoro-produce: %s: %s\n", d.error ? "error" : "warning", d.text.c_str());
    if (!cfg) return 2;
    if (o.print_config) {
        std::fputs(kcoro::producer_properties::to_properties(*cfg).c_str(), stdout);
        return 0;
    }
    if (o.topic.empty()) usage("-t TOPIC is required");

    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, *cfg);
    if (!p) {
        std::fprintf(stderr, "kcoro-produce: %s\n", p.err().message().c_str());
        return 2;
    }
    outcome out;
    const bool finished = kcoro::run_until_complete(loop, produce(loop, **p, o, out));
    const long unaccounted = out.sent - out.delivered - out.failed;  // none after close(), unless it timed out
    if (unaccounted > 0) {
        out.reasons["not acknowledged before close() returned"] += unaccounted;
        out.failed += unaccounted;
    }
    if (out.failed > 0) {
        std::fprintf(stderr, "kcoro-produce: %ld of %ld records failed:\n", out.failed, out.sent);
        for (const auto& [why, n] : out.reasons) std::fprintf(stderr, "  %ld x %s\n", n, why.c_str());
    } else if (!o.quiet) {
        std::fprintf(stderr, "kcoro-produce: %ld records delivered to %s\n", out.delivered, o.topic.c_str());
    }
    return out.failed > 0 || !finished ? 1 : 0;
}
