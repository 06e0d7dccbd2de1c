// producer_stats as a monitoring system reads it: Prometheus's text format and JSON, both written
// from the one list of fields. The JSON is read back with kcoro's own reader; the Prometheus text
// is checked line by line against the format's grammar (a real parser reads it in faults_it).
#include <kcoro/kcoro.hpp>
#include <kcoro/avro.hpp>  // parse_json, which comes with the Avro core

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

namespace producer_stats_test {

// Every field a different value, so that a field written under another's name shows.
kcoro::producer_stats numbered() {
    kcoro::producer_stats s;
    std::uint64_t n = 1;
    for (const auto& f : kcoro::producer_stats_fields) s.*f.value = 1000 * n++ + 7;
    return s;
}

TEST_CASE("producer_stats_test: the list names every field once") {
    std::map<std::string_view, int> seen;
    for (const auto& f : kcoro::producer_stats_fields) {
        CHECK(++seen[f.name] == 1);
        CHECK_FALSE(f.help.empty());
        CHECK(f.help.back() == '.');
    }
    // The static_assert in producer_stats.hpp holds the count to the struct's; these name two.
    CHECK(seen.count("records_delivered") == 1);
    CHECK(seen.count("buffered_bytes") == 1);
}

TEST_CASE("producer_stats_test: JSON holds every field under its name, and the client id") {
    const kcoro::producer_stats s = numbered();
    const std::string text = kcoro::to_json(s, "orders \"east\"");
    auto parsed = kcoro::parse_json(text);
    REQUIRE_MESSAGE(parsed, text);
    CHECK(parsed->find("client_id")->as_string() == "orders \"east\"");
    for (const auto& f : kcoro::producer_stats_fields) {
        const kcoro::json_value* v = parsed->find(f.name);
        REQUIRE_MESSAGE(v != nullptr, f.name);
        CHECK(v->as_int64() == static_cast<std::int64_t>(s.*f.value));
    }
    CHECK(parsed->members().size() == std::size(kcoro::producer_stats_fields) + 1);
}

TEST_CASE("producer_stats_test: Prometheus text: HELP, TYPE and one sample per field, labels escaped") {
    const kcoro::producer_stats s = numbered();
    const std::string text = kcoro::to_prometheus(s, "a\\b\"c\nd");
    std::istringstream lines(text);
    std::string line;
    std::map<std::string, std::string> types;
    std::map<std::string, std::string> samples;
    while (std::getline(lines, line)) {
        REQUIRE_FALSE(line.empty());
        if (line.rfind("# HELP ", 0) == 0) continue;
        if (line.rfind("# TYPE ", 0) == 0) {
            const std::string rest = line.substr(7);
            types[rest.substr(0, rest.find(' '))] = rest.substr(rest.find(' ') + 1);
            continue;
        }
        const auto brace = line.find('{');
        REQUIRE(brace != std::string::npos);
        const std::string name = line.substr(0, brace);
        CHECK(line.substr(brace, line.rfind(' ') - brace) == R"({client_id="a\\b\"c\nd"})");
        samples[name] = line.substr(line.rfind(' ') + 1);
    }
    CHECK(text.back() == '\n');
    for (const auto& f : kcoro::producer_stats_fields) {
        const std::string name = "kcoro_producer_" + std::string(f.name) + (f.counter ? "_total" : "");
        CHECK_MESSAGE(types[name] == (f.counter ? "counter" : "gauge"), name);
        CHECK_MESSAGE(samples[name] == std::to_string(s.*f.value), name);
    }
    CHECK(samples.size() == std::size(kcoro::producer_stats_fields));
    CHECK(types["kcoro_producer_buffered_bytes"] == "gauge");
    CHECK(types["kcoro_producer_retries_total"] == "counter");
}

}  // namespace producer_stats_test
