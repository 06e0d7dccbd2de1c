// kcoro's Avro against the references: for every schema of the corpus (every type and logical
// type, names and namespaces, defaults, recursion), the canonical form and fingerprint fastavro
// and avro compute, and for every value the bytes both write — through the generic datum and,
// for the schemas a struct is mapped to, through the typed mapping. The expected values come from
// tools/python/avro_vectors.py (the test command checks they are still what the references say).
#include <kcoro/avro.hpp>

#include "avro_corpus.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace avro_corpus_test {

namespace avro = kcoro::avro;
using avro_corpus::entry;
using avro_corpus::expected;
using avro_corpus::to_hex;

avro::schema schema_of(const kcoro::json_value& e) {
    auto s = avro::schema::parse(e.find("schema")->as_string());
    if (!s) FAIL(s.err().message());
    return *s;
}

template <class T>
std::string encoded(const avro::encoder<T>& enc, const T& value) {
    kcoro::byte_buffer buf;
    kcoro::buffer_sink sink{buf};
    auto r = enc.encode(value, sink);
    if (!r) return "error: " + r.err().message();
    return to_hex(buf.view());
}

// Every value of the corpus entry through the typed mapping of T.
template <class T>
void typed_matches(std::string_view name) {
    CAPTURE(name);
    const kcoro::json_value& e = entry(name);
    const avro::schema s = schema_of(e);
    auto enc = avro::encoder<T>::make(s);
    REQUIRE_MESSAGE(enc, enc.err().message());
    for (const kcoro::json_value& v : e.find("values")->items()) {
        const T value = avro_corpus::to_typed<T>(s.root(), *v.find("value"));
        CHECK(encoded(*enc, value) == v.find("hex")->as_string());
    }
}

namespace corpus_types {

enum class level { LOW, MID, HIGH };
KCORO_AVRO_ENUM(level, LOW, MID, HIGH)

struct pair {
    static constexpr std::string_view avro_name = "Pair";
    std::string k;
    double v;
};
KCORO_AVRO_RECORD(pair, k, v)

// The schema's fields are snake_case with an _f suffix; the members keep the schema's names.
struct everything {
    std::monostate null_f;
    bool bool_f;
    std::int32_t int_f;
    std::int64_t long_f;
    float float_f;
    double double_f;
    std::vector<kcoro::byte> bytes_f;
    std::string string_f;
    std::array<kcoro::byte, 4> fixed_f;
    level enum_f;
    std::vector<std::string> array_f;
    std::map<std::string, std::int32_t> map_f;
    std::optional<std::int64_t> optional_f;
    std::variant<std::monostate, std::string, std::array<kcoro::byte, 4>> union_f;
    pair record_f;
    std::vector<pair> records_f;
    avro::decimal decimal_f;
    avro::decimal decimal_fixed_f;
    avro::uuid uuid_f;
    std::chrono::sys_days date_f;
    std::chrono::milliseconds time_millis_f;
    std::chrono::microseconds time_micros_f;
    std::chrono::sys_time<std::chrono::milliseconds> timestamp_millis_f;
    std::chrono::sys_time<std::chrono::microseconds> timestamp_micros_f;
    std::chrono::local_time<std::chrono::milliseconds> local_timestamp_millis_f;
    std::chrono::local_time<std::chrono::microseconds> local_timestamp_micros_f;
};
KCORO_AVRO_RECORD(everything, null_f, bool_f, int_f, long_f, float_f, double_f, bytes_f, string_f, fixed_f, enum_f, array_f,
                  map_f, optional_f, union_f, record_f, records_f, decimal_f, decimal_fixed_f, uuid_f, date_f, time_millis_f,
                  time_micros_f, timestamp_millis_f, timestamp_micros_f, local_timestamp_millis_f, local_timestamp_micros_f)

// Members in another order than the fields, and a member wider than its field's type
// (int into a long), so that the writer follows the schema's order, not the struct's.
struct point {
    std::string label;
    std::int32_t y;
    std::int32_t x;
};
KCORO_AVRO_RECORD(point, label, y, x)

struct customer {
    std::string name;
    std::optional<std::string> email;
};
KCORO_AVRO_RECORD(customer, name, email)
struct line {
    std::string sku;
    std::int32_t quantity;
    double unit_price;
};
KCORO_AVRO_RECORD(line, sku, quantity, unit_price)
struct order {
    std::int64_t id;
    customer customer_;
    std::vector<line> lines;
    std::map<std::string, line> by_warehouse;
    std::optional<customer> billing;
};
// The member customer_ is the field "customer": listed by hand.
constexpr auto kcoro_avro_members(avro::type_tag<order>) {
    return std::make_tuple(avro::member("id", &order::id), avro::member("customer", &order::customer_),
                           avro::member("lines", &order::lines), avro::member("by_warehouse", &order::by_warehouse),
                           avro::member("billing", &order::billing));
}

// A struct with only some of the fields: the others are written as their defaults.
struct sub {
    std::int32_t x;
    std::string y;
};
KCORO_AVRO_RECORD(sub, x, y)
struct some_defaults {
    std::int32_t i;
    std::string s;
    std::optional<std::int32_t> u1;
    sub r;
};
KCORO_AVRO_RECORD(some_defaults, i, s, u1, r)

struct rec_a {
    static constexpr std::string_view avro_name = "A";
    std::int32_t a;
};
KCORO_AVRO_RECORD(rec_a, a)
struct rec_b {
    static constexpr std::string_view avro_name = "B";
    std::string b;
};
KCORO_AVRO_RECORD(rec_b, b)

enum class suit { SPADES, HEARTS, DIAMONDS, CLUBS };
KCORO_AVRO_ENUM(suit, SPADES, HEARTS, DIAMONDS, CLUBS)

}  // namespace corpus_types

TEST_CASE("avro_corpus_test: the corpus covers every type and logical type") {
    bool seen_type[14] = {};
    bool seen_logical[12] = {};
    std::size_t values = 0;
    for (const kcoro::json_value& e : expected().find("schemas")->items()) {
        const avro::schema s = schema_of(e);
        // Visit every node reachable from the root.
        std::vector<avro::node> todo{s.root()};
        std::vector<std::uint32_t> done;
        while (!todo.empty()) {
            const avro::node n = todo.back();
            todo.pop_back();
            if (std::find(done.begin(), done.end(), n.index()) != done.end()) continue;
            done.push_back(n.index());
            seen_type[static_cast<int>(n.type())] = true;
            seen_logical[static_cast<int>(n.logical())] = true;
            for (std::size_t i = 0; i < n.field_count(); ++i) todo.push_back(n.field_type(i));
            for (std::size_t i = 0; i < n.branch_count(); ++i) todo.push_back(n.branch(i));
            if (n.type() == avro::type::array || n.type() == avro::type::map) todo.push_back(n.items());
        }
        values += e.find("values")->items().size();
    }
    for (int t = 0; t < 14; ++t) CHECK_MESSAGE(seen_type[t], avro::type_name(static_cast<avro::type>(t)));
    for (int t = 1; t < 12; ++t) CHECK_MESSAGE(seen_logical[t], avro::logical_type_name(static_cast<avro::logical_type>(t)));
    CHECK(values >= 170);
}

TEST_CASE("avro_corpus_test: canonical forms and fingerprints are the references'") {
    for (const kcoro::json_value& e : expected().find("schemas")->items()) {
        CAPTURE(e.find("name")->as_string());
        const avro::schema s = schema_of(e);
        CHECK(s.canonical_form() == e.find("canonical")->as_string());
        char fp[17];
        std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(s.fingerprint()));
        CHECK(std::string_view(fp) == e.find("fingerprint")->as_string());
        CHECK(avro::fingerprint64(s.canonical_form()) == s.fingerprint());
        // The canonical form is a schema whose canonical form is itself.
        auto again = avro::schema::parse(s.canonical_form());
        REQUIRE(again);
        CHECK(again->canonical_form() == s.canonical_form());
    }
}

TEST_CASE("avro_corpus_test: the generic datum writes the references' bytes for every value") {
    std::size_t n = 0;
    for (const kcoro::json_value& e : expected().find("schemas")->items()) {
        CAPTURE(e.find("name")->as_string());
        const avro::schema s = schema_of(e);
        auto enc = avro::encoder<avro::datum>::make(s);
        REQUIRE(enc);
        for (const kcoro::json_value& v : e.find("values")->items()) {
            CAPTURE(v.find("hex")->as_string());
            const avro::datum d = avro_corpus::to_datum(s, s.root(), *v.find("value"));
            CHECK(encoded(*enc, d) == v.find("hex")->as_string());
            ++n;
        }
    }
    CHECK(n >= 170);
}

TEST_CASE("avro_corpus_test: a generic_record writes the references' bytes") {
    for (std::string_view name : {"record", "nested records, arrays and maps of records", "defaults of every type",
                                  "every type and logical type in one record", "namespaces and references"}) {
        CAPTURE(name);
        const kcoro::json_value& e = entry(name);
        const avro::schema s = schema_of(e);
        auto enc = avro::encoder<avro::generic_record>::make(s);
        REQUIRE(enc);
        for (const kcoro::json_value& v : e.find("values")->items()) {
            const avro::datum d = avro_corpus::to_datum(s, s.root(), *v.find("value"));
            CHECK(encoded(*enc, *d.record()) == v.find("hex")->as_string());
        }
    }
}

TEST_CASE("avro_corpus_test: the typed mapping writes the references' bytes") {
    using namespace corpus_types;
    typed_matches<everything>("every type and logical type in one record");
    typed_matches<point>("record");
    typed_matches<order>("nested records, arrays and maps of records");
    typed_matches<std::variant<rec_a, rec_b>>("union of two records");
    typed_matches<suit>("enum");
    typed_matches<std::vector<std::int32_t>>("array of int");
    typed_matches<std::vector<std::vector<std::string>>>("array of arrays of string");
    typed_matches<std::optional<std::string>>("union of null and string");
    typed_matches<avro::decimal>("decimal on bytes");
    typed_matches<avro::decimal>("decimal of 38 digits on bytes");
    typed_matches<avro::decimal>("decimal on fixed");
    typed_matches<avro::decimal>("decimal of 38 digits on fixed");
    typed_matches<avro::uuid>("uuid");
    typed_matches<std::string>("uuid");
    typed_matches<std::chrono::sys_days>("date");
    typed_matches<std::chrono::milliseconds>("time-millis");
    typed_matches<std::chrono::microseconds>("time-micros");
    typed_matches<std::chrono::sys_time<std::chrono::milliseconds>>("timestamp-millis");
    typed_matches<std::chrono::sys_time<std::chrono::microseconds>>("timestamp-micros");
    typed_matches<std::chrono::sys_time<std::chrono::nanoseconds>>("timestamp-nanos");
    typed_matches<std::chrono::local_time<std::chrono::milliseconds>>("local-timestamp-millis");
    typed_matches<std::chrono::local_time<std::chrono::microseconds>>("local-timestamp-micros");
    typed_matches<std::chrono::local_time<std::chrono::nanoseconds>>("local-timestamp-nanos");
    typed_matches<float>("float");
    typed_matches<double>("double");
    typed_matches<std::int64_t>("long");
    typed_matches<std::vector<kcoro::byte>>("bytes");
    typed_matches<std::array<kcoro::byte, 16>>("fixed");
}

TEST_CASE("avro_corpus_test: a struct without the fields that have defaults writes the defaults") {
    using namespace corpus_types;
    const kcoro::json_value& e = entry("defaults of every type");
    const avro::schema s = schema_of(e);
    auto enc = avro::encoder<some_defaults>::make(s);
    REQUIRE_MESSAGE(enc, enc.err().message());
    const kcoro::json_value& v = e.find("values")->items()[1];
    CHECK(encoded(*enc, avro_corpus::to_typed<some_defaults>(s.root(), *v.find("value"))) == v.find("hex")->as_string());
}

TEST_CASE("avro_corpus_test: invalid schemas are refused, saying where and why") {
    const auto invalid = expected().find("invalid")->items();
    CHECK(invalid.size() >= 30);
    for (const kcoro::json_value& e : invalid) {
        const std::string_view text = e.find("schema")->as_string();
        CAPTURE(text);
        auto s = avro::schema::parse(text);
        REQUIRE_FALSE(s);
        CHECK(s.err() == kcoro::errc::invalid_schema);
        CHECK(s.err().detail() == e.find("error")->as_string());
    }
}

}  // namespace avro_corpus_test
