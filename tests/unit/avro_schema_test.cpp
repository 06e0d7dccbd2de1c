// The Avro schema parser beyond the corpus: what a node says about names, namespaces, aliases,
// defaults and logical types, and the rules where the references disagree with each other.
#include <kcoro/avro.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <string_view>

namespace avro_schema_test {

namespace avro = kcoro::avro;

avro::schema parsed(std::string_view text) {
    auto s = avro::schema::parse(text);
    if (!s) FAIL(s.err().message());
    return *s;
}

std::string refusal(std::string_view text) {
    auto s = avro::schema::parse(text);
    REQUIRE_FALSE(s);
    CHECK(s.err() == kcoro::errc::invalid_schema);
    return s.err().detail();
}

TEST_CASE("avro_schema_test: names take the enclosing namespace, a dotted name brings its own") {
    const avro::schema s = parsed(R"({"type": "record", "name": "Outer", "namespace": "a.b", "fields": [
        {"name": "x", "type": {"type": "fixed", "name": "F", "size": 1}},
        {"name": "y", "type": {"type": "record", "name": "c.Inner", "fields": [
            {"name": "z", "type": {"type": "enum", "name": "E", "symbols": ["A"]}},
            {"name": "w", "type": "a.b.F"},
            {"name": "v", "type": "E"}]}},
        {"name": "u", "type": "F"},
        {"name": "t", "type": "c.E"}]})");
    const avro::node root = s.root();
    CHECK(root.name() == "a.b.Outer");
    CHECK(root.field_type(0).name() == "a.b.F");
    const avro::node inner = root.field_type(1);
    CHECK(inner.name() == "c.Inner");
    CHECK(inner.field_type(0).name() == "c.E");  // the namespace of the innermost named type
    // One node per named type, however it is referred to.
    CHECK(inner.field_type(1) == root.field_type(0));
    CHECK(inner.field_type(2) == inner.field_type(0));
    CHECK(root.field_type(2) == root.field_type(0));
    CHECK(root.field_type(3) == inner.field_type(0));
    CHECK(s.find("a.b.F").has_value());
    CHECK_FALSE(s.find("F").has_value());
}

TEST_CASE("avro_schema_test: a short name not found in the namespace is looked up in the null namespace, as Java does") {
    // The specification would look "Leaf" up as "a.Leaf" only; Java's parser, and so the
    // schemas registries hold, fall back to the null namespace.
    const avro::schema s = parsed(R"({"type": "record", "name": "Top", "fields": [
        {"name": "leaf", "type": {"type": "record", "name": "Leaf", "fields": []}},
        {"name": "inner", "type": {"type": "record", "name": "a.Inner", "fields": [{"name": "l", "type": "Leaf"}]}}]})");
    CHECK(s.root().field_type(1).field_type(0).name() == "Leaf");
    CHECK(s.canonical_form() ==
          R"({"name":"Top","type":"record","fields":[{"name":"leaf","type":{"name":"Leaf","type":"record","fields":[]}},)"
          R"({"name":"inner","type":{"name":"a.Inner","type":"record","fields":[{"name":"l","type":"Leaf"}]}}]})");
}

TEST_CASE("avro_schema_test: an empty namespace is the null namespace") {
    // fastavro and Java agree; the avro package gives such a type its enclosing namespace.
    const avro::schema s = parsed(R"({"type": "record", "name": "R", "namespace": "x", "fields": [
        {"name": "f", "type": {"type": "fixed", "name": "F", "namespace": "", "size": 1}}]})");
    CHECK(s.root().field_type(0).name() == "F");
    CHECK(s.canonical_form() == R"({"name":"x.R","type":"record","fields":[{"name":"f","type":{"name":"F","type":"fixed","size":1}}]})");
}

TEST_CASE("avro_schema_test: aliases are kept as full names, fields' aliases as they are") {
    const avro::schema s = parsed(R"({"type": "record", "name": "R", "namespace": "n", "aliases": ["Old", "other.Older"],
        "doc": "a record", "fields": [{"name": "f", "type": "int", "aliases": ["g", "h"], "doc": "a field", "order": "descending"}]})");
    const avro::node r = s.root();
    REQUIRE(r.aliases().size() == 2);
    CHECK(r.aliases()[0] == "n.Old");
    CHECK(r.aliases()[1] == "other.Older");
    CHECK(r.doc() == "a record");
    REQUIRE(r.field_aliases(0).size() == 2);
    CHECK(r.field_aliases(0)[1] == "h");
    CHECK(r.field_sort_order(0) == avro::field_order::descending);
    // None of it is in the canonical form.
    CHECK(s.canonical_form() == R"({"name":"n.R","type":"record","fields":[{"name":"f","type":"int"}]})");
    // A doc that is not a string says nothing about the data; Java ignores it, and so does kcoro.
    CHECK(avro::schema::parse(R"({"type": "record", "name": "R", "doc": 5, "fields": []})"));
}

TEST_CASE("avro_schema_test: defaults are kept in Avro binary, checked against their field's type") {
    const avro::schema s = parsed(R"({"type": "record", "name": "R", "fields": [
        {"name": "a", "type": "int", "default": -1},
        {"name": "b", "type": ["null", "string"], "default": null},
        {"name": "c", "type": ["null", "string"], "default": "x"},
        {"name": "d", "type": {"type": "array", "items": "long"}, "default": []},
        {"name": "e", "type": "float", "default": "-Infinity"},
        {"name": "g", "type": "bytes", "default": "\u0000\u00ffA"},
        {"name": "f", "type": "string"}]})");
    const avro::node r = s.root();
    const auto hex = [](kcoro::bytes_view b) {
        std::string out;
        char buf[3];
        for (auto x : b) {
            std::snprintf(buf, sizeof buf, "%02x", x);
            out += buf;
        }
        return out;
    };
    CHECK(hex(r.field_default(0)) == "01");
    CHECK(hex(r.field_default(1)) == "00");
    CHECK(hex(r.field_default(2)) == "020278");  // Avro 1.12: a default may be of any branch
    CHECK(hex(r.field_default(3)) == "00");
    CHECK(hex(r.field_default(4)) == "000080ff");
    CHECK(hex(r.field_default(5)) == "0600ff41");  // code points are bytes, NUL included
    CHECK(r.field_has_default(4));
    CHECK_FALSE(r.field_has_default(6));
}

TEST_CASE("avro_schema_test: a default may hold a record whose own defaults fill it in") {
    const avro::schema s = parsed(R"({"type": "record", "name": "R", "fields": [
        {"name": "inner", "type": {"type": "record", "name": "S", "fields": [
            {"name": "x", "type": "int", "default": 3}, {"name": "y", "type": "string"}]}, "default": {"y": "z"}},
        {"name": "list", "type": ["null", "R"], "default": null}]})");
    CHECK(s.root().field_default(0).size() == 3);  // 06 02 7a
    CHECK(s.root().field_default(0)[0] == 0x06);
}

TEST_CASE("avro_schema_test: logical types apply where valid and are ignored where not, as the specification says") {
    const avro::schema s = parsed(R"({"type": "record", "name": "R", "fields": [
        {"name": "d1", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 3}},
        {"name": "d2", "type": {"type": "bytes", "logicalType": "decimal", "precision": 4}},
        {"name": "d3", "type": {"type": "bytes", "logicalType": "decimal", "precision": 2, "scale": 3}},
        {"name": "d4", "type": {"type": "bytes", "logicalType": "decimal"}},
        {"name": "d5", "type": {"type": "fixed", "name": "F1", "size": 1, "logicalType": "decimal", "precision": 2}},
        {"name": "d6", "type": {"type": "fixed", "name": "F2", "size": 1, "logicalType": "decimal", "precision": 3}},
        {"name": "d7", "type": {"type": "fixed", "name": "F16", "size": 16, "logicalType": "decimal", "precision": 38}},
        {"name": "d8", "type": {"type": "fixed", "name": "F16b", "size": 16, "logicalType": "decimal", "precision": 39}},
        {"name": "u1", "type": {"type": "fixed", "name": "U", "size": 16, "logicalType": "uuid"}},
        {"name": "u2", "type": {"type": "fixed", "name": "U15", "size": 15, "logicalType": "uuid"}},
        {"name": "t1", "type": {"type": "int", "logicalType": "timestamp-millis"}},
        {"name": "t2", "type": {"type": "long", "logicalType": "date"}},
        {"name": "t3", "type": {"type": "long", "logicalType": "LOCAL-timestamp-millis"}}]})");
    const avro::node r = s.root();
    using lt = avro::logical_type;
    CHECK(r.field_type(0).logical() == lt::decimal);
    CHECK(r.field_type(0).precision() == 9);
    CHECK(r.field_type(0).scale() == 3);
    CHECK(r.field_type(1).logical() == lt::decimal);
    CHECK(r.field_type(1).scale() == 0);
    CHECK(r.field_type(2).logical() == lt::none);  // scale above precision (fastavro refuses the schema instead)
    CHECK(r.field_type(3).logical() == lt::none);  // no precision
    CHECK(r.field_type(4).logical() == lt::decimal);  // one byte holds 2 digits (-128..127)
    CHECK(r.field_type(5).logical() == lt::none);     // but not 3
    CHECK(r.field_type(6).logical() == lt::decimal);
    CHECK(r.field_type(7).logical() == lt::none);
    CHECK(r.field_type(8).logical() == lt::uuid);  // Avro 1.12: uuid on a fixed of 16
    CHECK(r.field_type(9).logical() == lt::none);
    CHECK(r.field_type(10).logical() == lt::none);
    CHECK(r.field_type(11).logical() == lt::none);
    CHECK(r.field_type(12).logical() == lt::none);  // names are case-sensitive
}

TEST_CASE("avro_schema_test: the largest decimal precision of a fixed is floor(log10(2^(8 size - 1) - 1))") {
    for (std::int64_t size = 1; size <= 32; ++size) {
        const long double max = std::floor(std::log10(std::pow(2.0L, 8.0L * static_cast<long double>(size) - 1) - 1));
        CHECK(avro::detail::max_fixed_decimal_precision(size) == static_cast<std::int64_t>(max));
    }
    CHECK(avro::detail::max_fixed_decimal_precision(8) == 18);
    CHECK(avro::detail::max_fixed_decimal_precision(16) == 38);
    CHECK(avro::detail::max_fixed_decimal_precision(0) == 0);
}

TEST_CASE("avro_schema_test: an error type is a record") {
    const avro::schema s = parsed(R"({"type": "error", "name": "Failure", "fields": [{"name": "why", "type": "string"}]})");
    CHECK(s.root().type() == avro::type::record);
    CHECK(s.canonical_form() == R"({"name":"Failure","type":"record","fields":[{"name":"why","type":"string"}]})");
}

TEST_CASE("avro_schema_test: a recursive schema is a graph, and its canonical form names the type once defined") {
    const avro::schema s = parsed(R"({"type": "record", "name": "Tree", "fields": [
        {"name": "children", "type": {"type": "array", "items": "Tree"}},
        {"name": "parent", "type": ["null", "Tree"]}]})");
    const avro::node t = s.root();
    CHECK(t.field_type(0).items() == t);
    CHECK(t.field_type(1).branch(1) == t);
    CHECK(s.canonical_form() ==
          R"({"name":"Tree","type":"record","fields":[{"name":"children","type":{"type":"array","items":"Tree"}},)"
          R"({"name":"parent","type":["null","Tree"]}]})");
}

TEST_CASE("avro_schema_test: the text is kept as given, for a registry") {
    const std::string text = R"({"type": "long", "logicalType": "timestamp-millis", "doc": "when"})";
    const avro::schema s = parsed(text);
    CHECK(s.text() == text);
    CHECK(s.canonical_form() == "\"long\"");
    CHECK(s.root().logical() == avro::logical_type::timestamp_millis);
}

TEST_CASE("avro_schema_test: CRC-64-AVRO of known texts") {
    // Values from the Avro specification's test data (Java's SchemaNormalization.parsingFingerprint64).
    CHECK(avro::fingerprint64("\"int\"") == 0x7275d51a3f395c8fULL);
    CHECK(avro::fingerprint64("\"null\"") == 0x63dd24e7cc258f8aULL);
    CHECK(avro::fingerprint64("") == 0xc15d213aa4d7a795ULL);
    static_assert(avro::fingerprint64("\"int\"") == 0x7275d51a3f395c8fULL, "computable at compile time");
}

TEST_CASE("avro_schema_test: refusals name the record and field they are in, on the right line") {
    CHECK(refusal("{\n \"type\": \"record\",\n \"name\": \"R\",\n \"fields\": [\n  {\"name\": \"a\", \"type\": \"strin\"}\n ]\n}") ==
          "avro schema: line 5, column 25: record R, field \"a\": unknown type \"strin\": named types must be defined before they are referred to");
    CHECK(refusal(R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": "array", "items": {"type": "map"}}}]})") ==
          "avro schema: line 1, column 93: record R, field \"a\", array items: the map has no \"values\"");
    CHECK(refusal(R"(["null", {"type": "record", "name": "R", "fields": [{"name": "x", "type": ["int", "int"]}]}])") ==
          "avro schema: line 1, column 83: union branch 1, record R, field \"x\", union branch 1: the union already has a branch of type \"int\" (branch 0)");
}

TEST_CASE("avro_schema_test: deep nesting is refused, not a stack overflow") {
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep += "{\"type\": \"array\", \"items\": ";
    deep += "\"int\"";
    for (int i = 0; i < 5000; ++i) deep += "}";
    CHECK(refusal(deep).find("nested deeper than 128 levels") != std::string::npos);
    // Within the limit, nesting is fine.
    std::string ok;
    for (int i = 0; i < 100; ++i) ok += "[\"null\", {\"type\": \"array\", \"items\": ";
    ok += "\"int\"";
    for (int i = 0; i < 100; ++i) ok += "}]";
    kcoro::json_limits limits;
    limits.max_depth = 256;
    CHECK(avro::schema::parse(ok, limits));
}

}  // namespace avro_schema_test
