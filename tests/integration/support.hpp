// Shared by the integration tests: the broker's address, unique topic names, and reading a topic
// back with kcat, an independent consumer (librdkafka underneath), at either isolation level, to
// compare with what was sent.
#pragma once

#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace kcoro_it {

inline std::string bootstrap() {
    const char* b = std::getenv("KCORO_BOOTSTRAP");
    return b ? b : "";
}

// A listener address the harness wrote into its directory (sasl_bootstrap, tls_bootstrap, ...).
inline std::string listener_of(const char* file) {
    const char* dir = std::getenv("KAFKA_DIR");
    REQUIRE_MESSAGE(dir != nullptr, "KAFKA_DIR must name the broker started by scripts/kafka");
    std::FILE* f = std::fopen((std::string(dir) + "/" + file).c_str(), "r");
    REQUIRE_MESSAGE(f != nullptr, "the broker has no " << std::string(file) << ": scripts/test starts it with --sasl --tls");
    char buf[256] = {};
    const bool read = std::fgets(buf, sizeof buf, f) != nullptr;
    std::fclose(f);
    REQUIRE(read);
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

inline std::string unique_topic(const std::string& stem) {
    static int n = 0;
    auto t = std::chrono::system_clock::now().time_since_epoch().count();
    return stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(t % 1000000007) + "-" + std::to_string(++n);
}

struct consumed_record {
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    std::int64_t timestamp = -1;
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<std::pair<std::string, std::string>> headers;
};

namespace detail {
// Runs a shell command and returns what it printed on stdout and its exit status.
inline std::pair<std::string, int> run_command(const std::string& cmd) {
    std::string all;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return {all, -1};
    std::array<char, 65536> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) all.append(buf.data(), n);
    return {all, ::pclose(p)};
}

// kcat prints fields separated by bytes that never occur in the test data.
inline constexpr char field_sep = '\x1f';
inline constexpr char record_sep = '\x1e';

inline std::string unhex(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<char>(std::stoi(s.substr(i, 2), nullptr, 16)));
    return out;
}
}  // namespace detail

// What a consumer reads of transactional records: read_committed (librdkafka's default, so what
// read_back_with_kcat reads unless told) skips aborted ones and stops before open transactions.
enum class isolation { read_committed, read_uncommitted };

// Reads every record of the topic from the beginning until the end (kcat -e). Keys and values are
// compared as printed by kcat, so tests use printable data; `-Z` prints NULL for null fields.
// `connection`: kcat's -b and -X options for another listener than the plaintext one.
inline std::vector<consumed_record> read_back_with_kcat(const std::string& topic, int timeout_s = 60,
                                                        isolation level = isolation::read_committed, const std::string& connection = {}) {
    const std::string to = connection.empty() ? "-b '" + bootstrap() + "'" : connection;
    std::string cmd = "timeout " + std::to_string(timeout_s) + " kcat -C -Z -q -e " + to + " -t '" + topic +
                      "' -X isolation.level=" + (level == isolation::read_committed ? "read_committed" : "read_uncommitted") +
                      " -f '%p\x1f%o\x1f%T\x1f%k\x1f%s\x1f%h\x1e' 2>/dev/null";
    std::vector<consumed_record> out;
    const std::string all = detail::run_command(cmd).first;
    std::size_t pos = 0;
    while (pos < all.size()) {
        std::size_t end = all.find(detail::record_sep, pos);
        if (end == std::string::npos) break;
        std::string rec = all.substr(pos, end - pos);
        pos = end + 1;
        std::vector<std::string> f;
        std::size_t s = 0;
        for (;;) {
            std::size_t e = rec.find(detail::field_sep, s);
            f.push_back(rec.substr(s, e == std::string::npos ? std::string::npos : e - s));
            if (e == std::string::npos) break;
            s = e + 1;
        }
        if (f.size() < 6) continue;
        consumed_record r;
        r.partition = std::stoi(f[0]);
        r.offset = std::stoll(f[1]);
        r.timestamp = std::stoll(f[2]);
        if (f[3] != "NULL") r.key = f[3];
        if (f[4] != "NULL") r.value = f[4];
        // Headers print as k=v,k=v (kcat); tests use header keys and values without ',' or '='.
        std::string h = f[5];
        std::size_t hs = 0;
        while (!h.empty() && hs <= h.size()) {
            std::size_t he = h.find(',', hs);
            std::string kv = h.substr(hs, he == std::string::npos ? std::string::npos : he - hs);
            std::size_t eq = kv.find('=');
            if (eq != std::string::npos) r.headers.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
            if (he == std::string::npos) break;
            hs = he + 1;
        }
        out.push_back(std::move(r));
    }
    return out;
}

// The topic read back at `level` once it holds at least `expected` records, or as it is after 30 s.
// The coordinator answers EndTxn before every partition has its marker, and a read_committed
// consumer sees a transaction's records only once the marker is written.
inline std::vector<consumed_record> read_back_at_least(const std::string& topic, isolation level, std::size_t expected) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::vector<consumed_record> got = read_back_with_kcat(topic, 30, level);
    while (got.size() < expected && std::chrono::steady_clock::now() < until) {
        ::usleep(200 * 1000);
        got = read_back_with_kcat(topic, 30, level);
    }
    return got;
}

// The group's committed offsets for `topic`, by partition, as Kafka's ConsumerGroupCommand
// (kafka-consumer-groups --describe --offsets) prints them; none for a group that does not exist.
inline std::map<std::int32_t, std::int64_t> group_offsets(const std::string& group, const std::string& topic) {
    const char* source = std::getenv("KCORO_SOURCE_DIR");
    const std::string cmd = "timeout 120 '" + std::string(source ? source : ".") +
                            "/scripts/kafka' run org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server '" +
                            bootstrap() + "' --describe --offsets --group '" + group + "' 2>/dev/null";
    std::map<std::int32_t, std::int64_t> out;
    std::istringstream lines(detail::run_command(cmd).first);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string g, t, partition, offset;
        if (!(fields >> g >> t >> partition >> offset) || g != group || t != topic || offset == "-") continue;
        out[std::stoi(partition)] = std::stoll(offset);
    }
    return out;
}

// The coordinator writes the group's commit marker after it answers EndTxn: read until `expected`
// is there, or 60 s.
inline std::map<std::int32_t, std::int64_t> group_offsets_when(const std::string& group, const std::string& topic,
                                                               const std::map<std::int32_t, std::int64_t>& expected) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    auto got = group_offsets(group, topic);
    while (got != expected && std::chrono::steady_clock::now() < until) {
        ::usleep(500 * 1000);
        got = group_offsets(group, topic);
    }
    return got;
}

// The values of records read back, in the order read; a null value reads as "NULL".
inline std::vector<std::string> values_of(const std::vector<consumed_record>& records) {
    std::vector<std::string> out;
    out.reserve(records.size());
    for (const auto& r : records) out.push_back(r.value.value_or("NULL"));
    return out;
}

namespace detail {
inline kcoro::task<kcoro::result<void>> create_topic_task(kcoro::event_loop& loop, std::string topic, int partitions) {
    kcoro::admin admin(kcoro::event_loop_runtime(loop), {.bootstrap_servers = bootstrap()});
    auto r = co_await admin.create_topic(topic, partitions, 1);
    co_await admin.close();
    co_return r;
}
}  // namespace detail

// True once every partition's leader answers a ListOffsets request for it (asked by kcat -Q).
// Metadata names a new partition's leader a moment before that broker has loaded its log; a
// Produce in between gets NOT_LEADER_OR_FOLLOWER, which with acks=0 makes the broker close the
// connection and drop what followed - loss that acks=0 allows, but not what these tests measure.
inline bool partitions_answer(const std::string& topic, int partitions) {
    std::string cmd = "timeout 10 kcat -b '" + bootstrap() + "' -Q";
    for (int p = 0; p < partitions; ++p) cmd += " -t '" + topic + ":" + std::to_string(p) + ":-1'";
    cmd += " 2>&1";
    const auto [all, status] = detail::run_command(cmd);
    if (status != 0) return false;
    for (int p = 0; p < partitions; ++p) {
        const std::string head = topic + " [" + std::to_string(p) + "] offset ";
        const std::size_t at = all.find(head);
        if (at == std::string::npos) return false;
        const std::size_t eol = all.find('\n', at);
        const std::string rest = all.substr(at + head.size(), eol == std::string::npos ? std::string::npos : eol - at - head.size());
        if (rest.empty() || rest.find(':') != std::string::npos || rest[0] == '-') return false;
    }
    return true;
}

// Creates a topic with kcoro's admin helper on a loop of its own and waits until every partition
// is served by its leader; fails the test if either does not happen.
inline void create_topic(const std::string& topic, int partitions) {
    kcoro::event_loop loop;
    auto r = kcoro::run_until_complete(loop, detail::create_topic_task(loop, topic, partitions));
    REQUIRE_MESSAGE(r, (r ? "" : r.err().message()));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool ready = partitions_answer(topic, partitions);
    while (!ready && std::chrono::steady_clock::now() < until) {
        ::usleep(100 * 1000);
        ready = partitions_answer(topic, partitions);
    }
    REQUIRE_MESSAGE(ready, "the partitions of " << topic << " were not served by their leaders within 30 s");
}

// Enqueues `records` records keyed k0..k<keys - 1> in turn, valued 0, 1, ...; awaits every
// delivery, closes the producer, and returns how many were delivered.
inline kcoro::task<int> send_keyed_and_close(kcoro::producer<>& pr, std::string topic, int records, int keys) {
    std::vector<kcoro::delivery_handle> hs;
    for (int i = 0; i < records; ++i) {
        const std::string key = "k" + std::to_string(i % keys), value = std::to_string(i);
        auto h = co_await pr.enqueue({.topic = topic, .key = key, .value = value});
        if (h) hs.push_back(std::move(*h));
    }
    int ok = 0;
    for (auto& h : hs)
        if (auto r = co_await h; r) ++ok;
    (void)co_await pr.close(std::chrono::seconds(10));
    co_return ok;
}

}  // namespace kcoro_it
