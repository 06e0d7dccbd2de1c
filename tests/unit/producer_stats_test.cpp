// producer_stats as a monitoring system reads it: Prometheus's text format and JSON, both written
// from the lists of fields; the latency histogram's buckets and quantiles; rates from two
// snapshots. The JSON is read back with kcoro's own reader; the Prometheus text is checked line by
// line against the format's grammar (a real parser reads it in faults_it).
#include <kcoro/kcoro.hpp>
#include <kcoro/avro.hpp>  // parse_json, which comes with the Avro core

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

namespace producer_stats_test {

using namespace std::chrono_literals;

// Every number a different value, so that a number written under another's name shows; a broker,
// two partitions, two error codes and histograms with observations.
kcoro::producer_stats numbered() {
    kcoro::producer_stats s;
    std::uint64_t n = 1;
    for (const auto& f : kcoro::producer_stats_fields) s.*f.value = 1000 * n++ + 7;
    s.request_latency.record(50us);
    s.request_latency.record(3ms);
    s.request_latency.record(90s);
    s.delivery_latency.record(7ms);
    s.count_batch_error(kcoro::errc::not_leader_or_follower);
    s.count_batch_error(kcoro::errc::not_leader_or_follower);
    s.count_batch_error(static_cast<kcoro::errc>(9999));  // a code kcoro does not know
    kcoro::broker_stats& b = s.brokers.emplace_back();
    b.id = 3;
    b.address = "kafka-3:9092";
    b.connected = true;
    for (const auto& f : kcoro::broker_stats_fields) b.*f.value = 100 * n++ + 3;
    b.request_latency.record(3ms);
    for (std::int32_t p : {0, 1}) {
        kcoro::partition_stats& ps = s.partitions.emplace_back();
        ps.topic = "orders \"east\"";
        ps.partition = p;
        for (const auto& f : kcoro::partition_stats_fields) ps.*f.value = 10 * n++ + 1;
    }
    return s;
}

template <class Fields>
void names_once(const Fields& fields) {
    std::map<std::string_view, int> seen;
    for (const auto& f : fields) {
        CHECK(++seen[f.name] == 1);
        CHECK_FALSE(f.help.empty());
        CHECK(f.help.back() == '.');
    }
}

TEST_CASE("producer_stats_test: each list names its fields once, with help") {
    names_once(kcoro::producer_stats_fields);
    names_once(kcoro::broker_stats_fields);
    names_once(kcoro::partition_stats_fields);
    // The static_assert in producer_counters.hpp holds the count to the struct's; these name some.
    std::map<std::string_view, bool> counter;
    for (const auto& f : kcoro::producer_stats_fields) counter[f.name] = f.counter;
    CHECK(counter.at("records_delivered"));
    CHECK(counter.at("batch_bytes_uncompressed"));
    CHECK_FALSE(counter.at("buffered_bytes"));
    CHECK_FALSE(counter.at("waiting_sends"));
    CHECK_FALSE(counter.at("requests_in_flight"));
}

TEST_CASE("producer_stats_test: the histogram's buckets, bounds included, and its quantiles") {
    kcoro::latency_histogram h;
    CHECK(h.quantile_us(0.5) == 0);
    h.record(0us);
    h.record(100us);   // on the first bound: the first bucket
    h.record(101us);   // just above it: the second
    h.record(-5us);    // a clock that went back counts as 0
    h.record(2min);    // above the last bound: the last bucket
    CHECK(h.buckets[0] == 3);
    CHECK(h.buckets[1] == 1);
    CHECK(h.buckets[kcoro::latency_histogram::bucket_count - 1] == 1);
    CHECK(h.count == 5);
    CHECK(h.sum_us == 100 + 101 + 120'000'000);
    CHECK(h.max_us == 120'000'000);
    CHECK(h.quantile_us(0.5) == 100);
    CHECK(h.quantile_us(0.8) == 200);
    CHECK(h.quantile_us(1.0) == 120'000'000);
    kcoro::latency_histogram one;
    one.record(150us);
    CHECK(one.quantile_us(0.99) == 150);  // not above the largest observation
    h.add(one);
    CHECK(h.count == 6);
    CHECK(h.buckets[1] == 2);
    CHECK(h.max_us == 120'000'000);
}

TEST_CASE("producer_stats_test: the figures derived from the counters") {
    kcoro::producer_stats s;
    CHECK(s.compression_ratio() == 1.0);
    CHECK(s.records_per_request() == 0.0);
    CHECK(s.average_batch_bytes() == 0.0);
    s.batch_bytes_sent = 250;
    s.batch_bytes_uncompressed = 1000;
    s.records_sent = 30;
    s.requests_sent = 4;
    s.batches_sent = 5;
    CHECK(s.compression_ratio() == 0.25);
    CHECK(s.records_per_request() == 7.5);
    CHECK(s.average_batch_bytes() == 50.0);
    CHECK(s.batch_errors_of(kcoro::errc::not_leader_or_follower) == 0);
    s.count_batch_error(kcoro::errc::not_leader_or_follower);
    s.count_batch_error(kcoro::errc::request_timed_out);
    s.count_batch_error(kcoro::errc::not_leader_or_follower);
    CHECK(s.batch_errors_of(kcoro::errc::not_leader_or_follower) == 2);
    CHECK(s.batch_errors_of(kcoro::errc::request_timed_out) == 1);
    REQUIRE(s.batch_errors.size() == 2);
    CHECK(s.batch_errors[0].code == kcoro::errc::not_leader_or_follower);  // in the order first seen
}

TEST_CASE("producer_stats_test: rates between two snapshots") {
    kcoro::producer_counters a;
    kcoro::producer_counters b;
    a.uptime_ms = 1000;
    a.records_enqueued = 100;
    a.batch_bytes_sent = 4000;
    b = a;
    CHECK(kcoro::rates_between(a, b).seconds == 0.0);  // no time: no rates
    b.uptime_ms = 3000;
    b.records_enqueued = 700;
    b.records_delivered = 500;
    b.batch_bytes_sent = 10000;
    b.requests_sent = 8;
    b.retries = 1;
    const kcoro::producer_rates r = kcoro::rates_between(a, b);
    CHECK(r.seconds == 2.0);
    CHECK(r.records_enqueued_per_second == 300.0);
    CHECK(r.records_delivered_per_second == 250.0);
    CHECK(r.records_failed_per_second == 0.0);
    CHECK(r.bytes_sent_per_second == 3000.0);
    CHECK(r.requests_per_second == 4.0);
    CHECK(r.retries_per_second == 0.5);
    CHECK(kcoro::rates_between(b, a).seconds == 0.0);  // the wrong way round
}

std::int64_t int_at(const kcoro::json_value& v, std::string_view key) {
    const kcoro::json_value* m = v.find(key);
    REQUIRE_MESSAGE(m != nullptr, key);
    return m->as_int64().value_or(-1);
}

void check_json_histogram(const kcoro::json_value* v, const kcoro::latency_histogram& h) {
    REQUIRE(v != nullptr);
    CHECK(int_at(*v, "count") == static_cast<std::int64_t>(h.count));
    CHECK(int_at(*v, "sum_us") == static_cast<std::int64_t>(h.sum_us));
    CHECK(int_at(*v, "max_us") == static_cast<std::int64_t>(h.max_us));
    CHECK(int_at(*v, "p50_us") == static_cast<std::int64_t>(h.quantile_us(0.5)));
    CHECK(int_at(*v, "p99_us") == static_cast<std::int64_t>(h.quantile_us(0.99)));
    const auto& bounds = v->find("bounds_us")->items();
    const auto& buckets = v->find("buckets")->items();
    REQUIRE(bounds.size() == kcoro::latency_histogram::bounds_us.size());
    REQUIRE(buckets.size() == kcoro::latency_histogram::bucket_count);
    for (std::size_t i = 0; i < bounds.size(); ++i) CHECK(bounds[i].as_int64() == static_cast<std::int64_t>(kcoro::latency_histogram::bounds_us[i]));
    for (std::size_t i = 0; i < buckets.size(); ++i) CHECK(buckets[i].as_int64() == static_cast<std::int64_t>(h.buckets[i]));
}

TEST_CASE("producer_stats_test: JSON holds every number under its name, the client id, histograms, errors, brokers and partitions") {
    const kcoro::producer_stats s = numbered();
    const std::string text = kcoro::to_json(s, "orders \"east\"");
    auto parsed = kcoro::parse_json(text);
    REQUIRE_MESSAGE(parsed, text);
    CHECK(parsed->find("client_id")->as_string() == "orders \"east\"");
    for (const auto& f : kcoro::producer_stats_fields) CHECK_MESSAGE(int_at(*parsed, f.name) == static_cast<std::int64_t>(s.*f.value), f.name);
    CHECK(parsed->find("compression_ratio")->as_double().value_or(-1) == doctest::Approx(s.compression_ratio()));
    CHECK(parsed->find("records_per_request")->as_double().value_or(-1) == doctest::Approx(s.records_per_request()));
    CHECK(parsed->find("average_batch_bytes")->as_double().value_or(-1) == doctest::Approx(s.average_batch_bytes()));
    check_json_histogram(parsed->find("request_latency"), s.request_latency);
    check_json_histogram(parsed->find("delivery_latency"), s.delivery_latency);
    const kcoro::json_value* errors = parsed->find("batch_errors");
    REQUIRE(errors != nullptr);
    CHECK(int_at(*errors, "not_leader_or_follower") == 2);
    CHECK(int_at(*errors, "code_9999") == 1);
    CHECK(errors->members().size() == 2);
    const auto& brokers = parsed->find("brokers")->items();
    REQUIRE(brokers.size() == 1);
    CHECK(int_at(brokers[0], "id") == 3);
    CHECK(brokers[0].find("address")->as_string() == "kafka-3:9092");
    CHECK(brokers[0].find("connected")->as_bool());
    for (const auto& f : kcoro::broker_stats_fields) CHECK(int_at(brokers[0], f.name) == static_cast<std::int64_t>(s.brokers[0].*f.value));
    check_json_histogram(brokers[0].find("request_latency"), s.brokers[0].request_latency);
    const auto& partitions = parsed->find("partitions")->items();
    REQUIRE(partitions.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(partitions[i].find("topic")->as_string() == "orders \"east\"");
        CHECK(int_at(partitions[i], "partition") == static_cast<std::int64_t>(i));
        for (const auto& f : kcoro::partition_stats_fields) CHECK(int_at(partitions[i], f.name) == static_cast<std::int64_t>(s.partitions[i].*f.value));
    }
    CHECK(parsed->members().size() == std::size(kcoro::producer_stats_fields) + 1 + 3 + 2 + 3);
}

// One sample line: name, labels as written, value.
struct sample_line {
    std::string name;
    std::map<std::string, std::string> labels;
    std::string value;
};
// Reads name{a="x",b="y"} value, undoing the label escapes.
sample_line read_sample(const std::string& line) {
    sample_line s;
    const auto brace = line.find('{');
    REQUIRE_MESSAGE(brace != std::string::npos, line);
    s.name = line.substr(0, brace);
    std::size_t i = brace + 1;
    while (line[i] != '}') {
        const auto eq = line.find("=\"", i);
        REQUIRE_MESSAGE(eq != std::string::npos, line);
        const std::string label = line.substr(i, eq - i);
        std::string value;
        for (i = eq + 2; line[i] != '"'; ++i) {
            if (line[i] == '\\') {
                ++i;
                value += line[i] == 'n' ? '\n' : line[i];
            } else {
                value += line[i];
            }
        }
        s.labels[label] = value;
        ++i;
        if (line[i] == ',') ++i;
    }
    REQUIRE(line[i + 1] == ' ');
    s.value = line.substr(i + 2);
    return s;
}

TEST_CASE("producer_stats_test: Prometheus text: HELP and TYPE before each family's samples, labels escaped, histograms cumulative") {
    const kcoro::producer_stats s = numbered();
    const std::string client = "a\\b\"c\nd";
    const std::string text = kcoro::to_prometheus(s, client);
    std::istringstream lines(text);
    std::string line;
    std::map<std::string, std::string> types;
    std::map<std::string, std::string> samples;  // name and labels but client_id -> value
    std::string family;
    while (std::getline(lines, line)) {
        REQUIRE_FALSE(line.empty());
        if (line.rfind("# HELP ", 0) == 0) {
            family = line.substr(7, line.find(' ', 7) - 7);
            CHECK_MESSAGE(types.count(family) == 0, family);  // each family once
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            const std::string rest = line.substr(7);
            CHECK(rest.substr(0, rest.find(' ')) == family);
            types[family] = rest.substr(rest.find(' ') + 1);
            continue;
        }
        sample_line sl = read_sample(line);
        CHECK_MESSAGE(sl.name.rfind(family, 0) == 0, sl.name << " outside family " << family);
        CHECK(sl.labels.at("client_id") == client);
        std::string key = sl.name;
        for (const auto& [k, v] : sl.labels)
            if (k != "client_id") key += "," + k + "=" + v;
        CHECK_MESSAGE(samples.count(key) == 0, key);
        samples[key] = sl.value;
    }
    CHECK(text.back() == '\n');
    for (const auto& f : kcoro::producer_stats_fields) {
        const std::string name = "kcoro_producer_" + std::string(f.name) + (f.counter ? "_total" : "");
        CHECK_MESSAGE(types[name] == (f.counter ? "counter" : "gauge"), name);
        CHECK_MESSAGE(samples[name] == std::to_string(s.*f.value), name);
    }
    // Histograms: cumulative buckets in seconds, +Inf equal to the count, the sum in seconds.
    CHECK(types["kcoro_producer_request_latency_seconds"] == "histogram");
    CHECK(samples["kcoro_producer_request_latency_seconds_bucket,le=0.0001"] == "1");
    CHECK(samples["kcoro_producer_request_latency_seconds_bucket,le=0.002"] == "1");
    CHECK(samples["kcoro_producer_request_latency_seconds_bucket,le=0.005"] == "2");
    CHECK(samples["kcoro_producer_request_latency_seconds_bucket,le=60"] == "2");
    CHECK(samples["kcoro_producer_request_latency_seconds_bucket,le=+Inf"] == "3");
    CHECK(samples["kcoro_producer_request_latency_seconds_count"] == "3");
    CHECK(samples["kcoro_producer_request_latency_seconds_sum"] == "90.00305");
    CHECK(samples["kcoro_producer_delivery_latency_seconds_sum"] == "0.007");
    CHECK(samples["kcoro_producer_batch_errors_total,code=not_leader_or_follower"] == "2");
    CHECK(samples["kcoro_producer_batch_errors_total,code=code_9999"] == "1");
    CHECK(samples["kcoro_producer_broker_connected,address=kafka-3:9092,broker=3"] == "1");
    for (const auto& f : kcoro::broker_stats_fields) {
        const std::string name = "kcoro_producer_broker_" + std::string(f.name) + (f.counter ? "_total" : "");
        CHECK(types[name] == (f.counter ? "counter" : "gauge"));
        CHECK_MESSAGE(samples[name + ",broker=3"] == std::to_string(s.brokers[0].*f.value), name);
    }
    CHECK(samples["kcoro_producer_broker_request_latency_seconds_bucket,broker=3,le=0.005"] == "1");
    CHECK(samples["kcoro_producer_broker_request_latency_seconds_count,broker=3"] == "1");
    for (const auto& f : kcoro::partition_stats_fields) {
        const std::string name = "kcoro_producer_partition_" + std::string(f.name) + (f.counter ? "_total" : "");
        CHECK(types[name] == (f.counter ? "counter" : "gauge"));
        for (std::size_t i = 0; i < 2; ++i)
            CHECK_MESSAGE(samples[name + ",partition=" + std::to_string(i) + ",topic=orders \"east\""] == std::to_string(s.partitions[i].*f.value), name);
    }
    // Without errors, brokers or partitions, their families are left out.
    const std::string bare = kcoro::to_prometheus(kcoro::producer_stats{}, "c");
    CHECK(bare.find("batch_errors") == std::string::npos);
    CHECK(bare.find("broker_") == std::string::npos);
    CHECK(bare.find("partition_") == std::string::npos);
    CHECK(bare.find("kcoro_producer_request_latency_seconds_count{client_id=\"c\"} 0\n") != std::string::npos);
}

}  // namespace producer_stats_test
