// The Avro encoders beyond the corpus: conversions, union branches, the errors (made when the
// encoder is made for a struct that does not match, per value for a value that does not fit),
// each naming the path to the field; decimals, time units; and writing straight into a batch.
#include <kcoro/avro.hpp>
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace avro_encoder_test {

namespace avro = kcoro::avro;
using namespace std::chrono_literals;

avro::schema parsed(std::string_view text) {
    auto s = avro::schema::parse(text);
    if (!s) FAIL(s.err().message());
    return *s;
}

std::string hex(kcoro::bytes_view b) {
    std::string out;
    char buf[3];
    for (auto x : b) {
        std::snprintf(buf, sizeof buf, "%02x", x);
        out += buf;
    }
    return out;
}

// The bytes, or "error: <detail>".
template <class T>
std::string encode(const avro::encoder<T>& enc, const T& v) {
    kcoro::byte_buffer buf;
    kcoro::buffer_sink sink{buf};
    auto r = enc.encode(v, sink);
    if (!r) {
        CHECK(r.err() == kcoro::errc::serialization_failed);
        return "error: " + r.err().detail();
    }
    return hex(buf.view());
}

std::string encode_datum(std::string_view schema_text, const avro::datum& d) {
    const avro::schema s = parsed(schema_text);
    auto enc = avro::encoder<avro::datum>::make(s);
    REQUIRE(enc);
    return encode(*enc, d);
}

template <class T>
std::string mismatch(std::string_view schema_text) {
    auto enc = avro::encoder<T>::make(parsed(schema_text));
    REQUIRE_FALSE(enc);
    CHECK(enc.err() == kcoro::errc::schema_mismatch);
    return enc.err().detail();
}

TEST_CASE("avro_encoder_test: a datum converts where the value fits") {
    CHECK(encode_datum(R"("long")", avro::datum(std::int32_t{-1})) == "01");
    CHECK(encode_datum(R"("int")", avro::datum(std::int64_t{2147483647})) == "feffffff0f");
    CHECK(encode_datum(R"("int")", avro::datum(std::int64_t{2147483648})) ==
          "error: avro: int: 2147483648 is out of the range of an int");
    CHECK(encode_datum(R"("float")", avro::datum(1.0)) == "0000803f");
    CHECK(encode_datum(R"("double")", avro::datum(1)) == "000000000000f03f");
    CHECK(encode_datum(R"("double")", avro::datum(1.0f)) == "000000000000f03f");
    CHECK(encode_datum(R"({"type": "enum", "name": "E", "symbols": ["A", "B"]})", avro::datum("B")) == "02");
    CHECK(encode_datum(R"({"type": "enum", "name": "E", "symbols": ["A", "B"]})", avro::datum::enumeration("C")) ==
          "error: avro: E: \"C\" is not a symbol of the enum E");
    CHECK(encode_datum(R"({"type": "fixed", "name": "F", "size": 2})", avro::datum(std::vector<kcoro::byte>{1, 2})) == "0102");
    CHECK(encode_datum(R"({"type": "fixed", "name": "F", "size": 2})", avro::datum(std::vector<kcoro::byte>{1})) ==
          "error: avro: F: 1 bytes for the fixed F of 2");
    CHECK(encode_datum(R"("string")", avro::datum(42)) == "error: avro: string: expected string, got an int");
    CHECK(encode_datum(R"("null")", avro::datum()) == "error: avro: null: no value");
}

TEST_CASE("avro_encoder_test: a logical type's underlying value is written as it is") {
    CHECK(encode_datum(R"({"type": "int", "logicalType": "date"})", avro::datum(19782)) == "8cb502");
    CHECK(encode_datum(R"({"type": "long", "logicalType": "timestamp-millis"})", avro::datum(std::int64_t{1})) == "02");
    CHECK(encode_datum(R"({"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 2})",
                       avro::datum(std::vector<kcoro::byte>{0x04, 0xd2})) == "0404d2");
    CHECK(encode_datum(R"({"type": "string", "logicalType": "uuid"})", avro::datum("123E4567-E89B-12D3-A456-426614174000")) ==
          "4831323345343536372d453839422d313244332d413435362d343236363134313734303030");
    CHECK(encode_datum(R"({"type": "string", "logicalType": "uuid"})", avro::datum("not-a-uuid")) ==
          "error: avro: string: \"not-a-uuid\" is not a uuid (8-4-4-4-12 hex digits)");
    // A typed logical value does not go into a plain type: a timestamp is not any long.
    CHECK(encode_datum(R"("long")", avro::datum(std::chrono::sys_time<std::chrono::milliseconds>(1ms))) ==
          "error: avro: long: expected long, got a timestamp");
}

TEST_CASE("avro_encoder_test: union branches follow the datum's type, exact types first") {
    const std::string_view u = R"(["null", "long", "int", "string", {"type": "record", "name": "R", "fields": []}])";
    CHECK(encode_datum(u, avro::datum(nullptr)) == "00");
    CHECK(encode_datum(u, avro::datum(std::int32_t{1})) == "0402");   // the int branch, though long comes first
    CHECK(encode_datum(u, avro::datum(std::int64_t{1})) == "0202");
    CHECK(encode_datum(u, avro::datum("x")) == "060278");
    CHECK(encode_datum(u, avro::datum(std::vector<kcoro::byte>{})) ==
          "error: avro: union: bytes fits no branch of the union [null, long, int, string, R]");
    CHECK(encode_datum(u, avro::datum::branch(1, 7)) == "020e");        // 7 (an int) as the long branch
    CHECK(encode_datum(u, avro::datum::branch(5, 7)) == "error: avro: union: branch 5 of a union of 5");
    const avro::schema s = parsed(u);
    auto rec = avro::generic_record::make(s, "R");
    REQUIRE(rec);
    CHECK(encode_datum(u, avro::datum(*rec)) == "08");
    // Conversions when no branch is exact: an int into ["null", "double"].
    CHECK(encode_datum(R"(["null", "double"])", avro::datum(2)) == "020000000000000040");
    // A string that names a symbol goes into an enum branch.
    CHECK(encode_datum(R"(["null", {"type": "enum", "name": "E", "symbols": ["A"]}])", avro::datum("A")) == "0200");
}

TEST_CASE("avro_encoder_test: a generic_record writes its fields, defaults for those left out") {
    const avro::schema s = parsed(R"({"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "note", "type": ["null", "string"], "default": null},
        {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
            {"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]}}},
        {"name": "tags", "type": {"type": "map", "values": "int"}, "default": {}}]})");
    auto enc = avro::encoder<avro::generic_record>::make(s);
    REQUIRE(enc);
    auto order = avro::generic_record::make(s);
    REQUIRE(order);
    auto line = avro::generic_record::make(s, "shop.Line");
    REQUIRE(line);
    line->set("sku", "w").set("qty", 2);
    order->set("id", std::int64_t{5}).set("lines", avro::datum::array({*line, *line}));
    CHECK(encode(*enc, *order) == "0a00040277040277040000");

    // The path to what does not fit, through arrays and maps.
    line->set("qty", std::int64_t{1} << 40);
    order->set("lines", avro::datum::array({*line}));
    CHECK(encode(*enc, *order) == "error: avro: shop.Order.lines[0].qty: 1099511627776 is out of the range of an int");
    order->set("lines", avro::datum::array({})).set("tags", avro::datum::map({{"a", 1}, {"b", "two"}}));
    CHECK(encode(*enc, *order) == "error: avro: shop.Order.tags[\"b\"]: expected int, got a string");

    // A field without a value and without a default.
    order->clear();
    CHECK(encode(*enc, *order) == "error: avro: shop.Order.id: no value, and the field has no default");
    // A field the record does not have, set along the way, is reported when encoding.
    order->set("id", std::int64_t{1}).set("lnies", avro::datum::array({})).set("lines", avro::datum::array({}));
    CHECK(encode(*enc, *order) == "error: avro: shop.Order: set(\"lnies\"): the record shop.Order has no such field");
    order->clear();
    order->set(std::size_t{0}, std::int64_t{1}).set(std::size_t{2}, avro::datum::array({}));
    CHECK(encode(*enc, *order) == "02000000");
    CHECK(order->get("id") != nullptr);
    CHECK(order->get("nope") == nullptr);

    // A generic_record needs a record.
    CHECK_FALSE(avro::generic_record::make(parsed(R"("int")")));
    CHECK_FALSE(avro::generic_record::make(s, "shop.Nope"));
    CHECK(avro::encoder<avro::generic_record>::make(parsed(R"("int")")).err() == kcoro::errc::schema_mismatch);
}

TEST_CASE("avro_encoder_test: a record of another parse of the same schema is written by field name") {
    const std::string_view text = R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}]})";
    const avro::schema one = parsed(text), other = parsed(text);
    auto rec = avro::generic_record::make(other);
    REQUIRE(rec);
    rec->set("b", "x").set("a", 1);
    auto enc = avro::encoder<avro::datum>::make(one);
    REQUIRE(enc);
    CHECK(encode(*enc, avro::datum(*rec)) == "020278");
}

TEST_CASE("avro_encoder_test: decimals are scaled exactly to the schema, and refused when they do not fit") {
    const std::string_view d = R"({"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2})";
    CHECK(encode_datum(d, avro::decimal(12, 1)) == "0278");                  // 1.2 is 120 at scale 2, as fastavro writes it
    CHECK(encode_datum(d, avro::decimal(-128, 2)) == "04ff80");              // fastavro's and avro's length, not Java's shortest
    CHECK(encode_datum(d, avro::decimal(999, 0)) == "0601863c");             // 999.00
    CHECK(encode_datum(d, avro::decimal(1234, 3)) ==
          "error: avro: bytes: the decimal 1.234 has scale 3, more than the schema's scale 2");
    CHECK(encode_datum(d, avro::decimal(100000, 2)) ==
          "error: avro: bytes: the decimal 1000.00 at scale 2 has more than 5 digits (the schema's precision)");
    CHECK(encode_datum(d, avro::decimal(1, -4)) ==  // 10000, five digits and two more at scale 2
          "error: avro: bytes: the decimal 10000 at scale 2 has more than 5 digits (the schema's precision)");
    // Past 64 bits, and a scale far beyond the precision.
    const std::string_view wide = R"({"type": "bytes", "logicalType": "decimal", "precision": 30, "scale": 0})";
    CHECK(encode_datum(wide, *avro::decimal::from_string("-18446744073709551616")) == "12ff0000000000000000");
    CHECK(encode_datum(wide, avro::decimal(1, -1000000)).find("has more than 30 digits") != std::string::npos);
    CHECK(encode_datum(wide, avro::decimal(0, -1000000)) == "0200");
}

TEST_CASE("avro_encoder_test: avro::decimal reads and writes its text and two's complement") {
    CHECK(avro::decimal::from_string("-1234.5678")->to_string() == "-1234.5678");
    CHECK(avro::decimal::from_string("+0.5")->to_string() == "0.5");
    CHECK(avro::decimal::from_string("-0.00")->to_string() == "0.00");
    CHECK(avro::decimal::from_string("123456789012345678901234567890.1")->to_string() == "123456789012345678901234567890.1");
    CHECK_FALSE(avro::decimal::from_string(""));
    CHECK_FALSE(avro::decimal::from_string("1."));
    CHECK_FALSE(avro::decimal::from_string(".5"));
    CHECK_FALSE(avro::decimal::from_string("1e5"));
    CHECK_FALSE(avro::decimal::from_string("1.2.3"));
    const kcoro::byte minus_129[] = {0xff, 0x7f};
    CHECK(avro::decimal::from_unscaled_bytes(minus_129, 2).to_string() == "-1.29");
    const kcoro::byte big[] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK(avro::decimal::from_unscaled_bytes(big, 0).to_string() == "4722366482869645213695");
    CHECK(avro::decimal(5, 0) == *avro::decimal::from_string("5"));
    CHECK(avro::decimal(-7, -2).to_string() == "-700");
}

TEST_CASE("avro_encoder_test: time points take the schema's unit, floored when coarser") {
    using namespace std::chrono;
    const std::string_view millis = R"({"type": "long", "logicalType": "timestamp-millis"})";
    const std::string_view micros = R"({"type": "long", "logicalType": "timestamp-micros"})";
    const std::string_view nanos = R"({"type": "long", "logicalType": "timestamp-nanos"})";
    CHECK(encode_datum(micros, sys_seconds(1s)) == "80897a");  // 1,000,000
    CHECK(encode_datum(millis, sys_time<nanoseconds>(-1ns)) == "01");  // floored: -1 ms
    CHECK(encode_datum(millis, sys_time<nanoseconds>(1999999ns)) == "02");
    CHECK(encode_datum(nanos, sys_time<milliseconds>(milliseconds(INT64_MAX / 1000))) ==
          "error: avro: long: the time point does not fit timestamp-nanos (a long of nanoseconds)");
    CHECK(encode_datum(millis, avro::datum::timestamp(5, avro::time_unit::micros)) == "00");
    // Local and zoned time points are different things.
    CHECK(encode_datum(millis, local_time<milliseconds>(1ms)) == "error: avro: long: expected long (timestamp-millis), got a local timestamp");
    CHECK(encode_datum(R"({"type": "long", "logicalType": "local-timestamp-micros"})", local_time<milliseconds>(1ms)) == "d00f");
    // Times of day and dates.
    CHECK(encode_datum(R"({"type": "int", "logicalType": "time-millis"})", 90s) == "a0fe0a");
    CHECK(encode_datum(R"({"type": "long", "logicalType": "time-micros"})", 1500ns) == "02");
    CHECK(encode_datum(R"({"type": "int", "logicalType": "date"})", sys_days(year(2024) / 2 / 29)) == "8cb502");
    CHECK(encode_datum(R"({"type": "int", "logicalType": "date"})", avro::datum::date(std::int64_t{1} << 40)) ==
          "error: avro: int: the date is out of the range of date (an int of days)");
}

// ---- the typed mapping ----

namespace typed {

enum class color { red, green, blue };
KCORO_AVRO_ENUM(color, red, green, blue)

struct line {
    std::string sku;
    std::int32_t qty;
};
KCORO_AVRO_RECORD(line, sku, qty)

struct order {
    std::int64_t id;
    std::vector<line> lines;
    color paint;
    std::optional<std::string> note;
};
KCORO_AVRO_RECORD(order, id, lines, paint, note)

struct wide_id {
    std::int64_t id;
};
KCORO_AVRO_RECORD(wide_id, id)

struct extra_member {
    std::int32_t id;
    std::int32_t spare;
};
KCORO_AVRO_RECORD(extra_member, id, spare)

struct optional_id {
    std::optional<std::int32_t> id;
};
KCORO_AVRO_RECORD(optional_id, id)

enum class shade { red, crimson };
KCORO_AVRO_ENUM(shade, red, crimson)
struct shaded {
    shade s;
};
KCORO_AVRO_RECORD(shaded, s)

struct tree {
    std::int32_t value;
    std::vector<tree> children;
};
KCORO_AVRO_RECORD(tree, value, children)

struct flexible {
    std::string symbol;
    std::vector<kcoro::byte> hash;
    avro::decimal price;
    std::unordered_map<std::string, std::int32_t> counts;
    avro::datum extra;
};
KCORO_AVRO_RECORD(flexible, symbol, hash, price, counts, extra)

}  // namespace typed

TEST_CASE("avro_encoder_test: a struct that does not match is refused when the encoder is made, naming the field") {
    const std::string_view order_schema = R"({"type": "record", "name": "Order", "fields": [
        {"name": "id", "type": "long"},
        {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
            {"name": "sku", "type": "string"}, {"name": "qty", "type": "long"}]}}},
        {"name": "paint", "type": {"type": "enum", "name": "Color", "symbols": ["red", "green", "blue", "black"]}},
        {"name": "note", "type": ["null", "string"]}]})";
    CHECK(avro::encoder<typed::order>::make(parsed(order_schema)));  // an int member widens into a long field

    CHECK(mismatch<typed::order>(R"({"type": "record", "name": "Order", "fields": [
        {"name": "id", "type": "long"},
        {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
            {"name": "sku", "type": "bytes"}, {"name": "qty", "type": "int"}]}}},
        {"name": "paint", "type": {"type": "enum", "name": "Color", "symbols": ["red", "green", "blue"]}},
        {"name": "note", "type": ["null", "string"]}]})") ==
          "avro: Order.lines[].sku: the C++ member is a string; the schema's type is bytes");
    CHECK(mismatch<typed::wide_id>(R"({"type": "record", "name": "R", "fields": [{"name": "id", "type": "int"}]})") ==
          "avro: R.id: the C++ member is a 64-bit integer; the schema's int holds 32 bits (make the field a long, or the member std::int32_t)");
    CHECK(mismatch<typed::wide_id>(R"({"type": "record", "name": "R", "fields": [{"name": "id", "type": "long"}, {"name": "at", "type": "long"}]})") ==
          "avro: R.at: the schema's field has no default, and the C++ type has no member for it");
    CHECK(mismatch<typed::extra_member>(R"({"type": "record", "name": "R", "fields": [{"name": "id", "type": "int"}]})") ==
          "avro: R.spare: the C++ member is not a field of the record R");
    CHECK(mismatch<typed::optional_id>(R"({"type": "record", "name": "R", "fields": [{"name": "id", "type": "int"}]})") ==
          "avro: R.id: the C++ member is a std::optional; the schema's type is int");
    CHECK(mismatch<typed::optional_id>(R"({"type": "record", "name": "R", "fields": [{"name": "id", "type": ["string", "long"]}]})") ==
          "avro: R.id: the C++ member is a std::optional; the union [string, long] has no null");
    CHECK(mismatch<typed::optional_id>(R"({"type": "record", "name": "R", "fields": [{"name": "id", "type": ["null", "string"]}]})") ==
          "avro: R.id: an integer of up to 32 bits fits no branch of the union [null, string] (first branch tried: the C++ member is an "
          "integer of up to 32 bits; the schema's type is string)");
    CHECK(mismatch<typed::shaded>(R"({"type": "record", "name": "R", "fields": [{"name": "s", "type": {"type": "enum", "name": "S", "symbols": ["red"]}}]})") ==
          "avro: R.s: the C++ enumerator crimson is not a symbol of the enum S");
    CHECK(mismatch<typed::order>(R"("string")") == "avro: string: the C++ member is a mapped struct; the schema's type is string");
    CHECK(mismatch<std::vector<std::int32_t>>(R"({"type": "array", "items": "string"})") ==
          "avro: array[]: the C++ member is an integer of up to 32 bits; the schema's type is string");
    CHECK(mismatch<std::array<kcoro::byte, 4>>(R"({"type": "fixed", "name": "F", "size": 5})") ==
          "avro: F: the C++ member is std::array of 4 bytes; the schema's type is fixed F of 5 bytes");
    CHECK(mismatch<std::variant<std::monostate, std::string>>(R"(["string", "int"])") ==
          "avro: union: the std::variant's std::monostate needs a null branch in the union [string, int]");
    CHECK(mismatch<std::chrono::sys_days>(R"({"type": "long", "logicalType": "timestamp-millis"})") ==
          "avro: long: the C++ member is std::chrono::sys_days; the schema's type is long (timestamp-millis)");
}

TEST_CASE("avro_encoder_test: a typed value that does not fit fails alone, naming the path") {
    const avro::schema s = parsed(R"({"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
            {"name": "sku", "type": {"type": "enum", "name": "Sku", "symbols": ["W1", "W2"]}}, {"name": "qty", "type": "int"}]}}},
        {"name": "paint", "type": {"type": "enum", "name": "Color", "symbols": ["red", "green", "blue"]}},
        {"name": "note", "type": ["null", "string"]}]})");
    auto enc = avro::encoder<typed::order>::make(s);
    REQUIRE_MESSAGE(enc, enc.err().message());
    typed::order o{7, {{"W1", 1}, {"W2", 2}}, typed::color::blue, "fragile"};
    CHECK(encode(*enc, o) == "0e04000202040004020e66726167696c65");
    o.lines[1].sku = "W3";
    CHECK(encode(*enc, o) == "error: avro: shop.Order.lines[1].sku: \"W3\" is not a symbol of the enum shop.Sku");
    o.lines[1].sku = "W2";
    o.paint = static_cast<typed::color>(7);
    CHECK(encode(*enc, o) == "error: avro: shop.Order.paint: the C++ enum value 7 is none of the mapped enumerators");
    // The failure is a value; the encoder is fine for the next one.
    o.paint = typed::color::red;
    o.note.reset();
    CHECK(encode(*enc, o) == "0e0400020204000000");
}

TEST_CASE("avro_encoder_test: recursive structs, maps, bytes and a datum among typed members") {
    auto tree_enc = avro::encoder<typed::tree>::make(parsed(R"({"type": "record", "name": "Tree", "fields": [
        {"name": "value", "type": "int"}, {"name": "children", "type": {"type": "array", "items": "Tree"}}]})"));
    REQUIRE_MESSAGE(tree_enc, tree_enc.err().message());
    const typed::tree t{1, {{2, {}}, {3, {{4, {}}}}}};
    CHECK(encode(*tree_enc, t) == "02040400060208000000");

    const avro::schema s = parsed(R"({"type": "record", "name": "F", "fields": [
        {"name": "symbol", "type": "string"},
        {"name": "hash", "type": {"type": "fixed", "name": "H", "size": 2}},
        {"name": "price", "type": {"type": "fixed", "name": "P", "size": 4, "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "counts", "type": {"type": "map", "values": "int"}},
        {"name": "extra", "type": ["null", "string", "long"]}]})");
    auto enc = avro::encoder<typed::flexible>::make(s);
    REQUIRE_MESSAGE(enc, enc.err().message());
    typed::flexible f{"x", {0xab, 0xcd}, avro::decimal(-5, 2), {{"k", 3}}, avro::datum(std::int64_t{9})};
    CHECK(encode(*enc, f) == "0278abcdfffffffb02026b06000412");
    f.hash.push_back(0);
    CHECK(encode(*enc, f) == "error: avro: F.hash: 3 bytes for the fixed H of 2");
    f.hash.pop_back();
    f.extra = avro::datum(1.5);
    CHECK(encode(*enc, f) == "error: avro: F.extra: a double fits no branch of the union [null, string, long]");
}

TEST_CASE("avro_encoder_test: a value goes straight into a record batch through its byte sink") {
    const avro::schema s = parsed(R"({"type": "record", "name": "Line", "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]})");
    auto enc = avro::encoder<typed::line>::make(s);
    REQUIRE(enc);
    kcoro::record_batch_builder batch;
    for (std::int32_t i = 0; i < 3; ++i) {
        const typed::line l{"sku-" + std::to_string(i), i};
        bool ok = false;
        const auto status = batch.try_append(
            1000 + i, kcoro::null_record_field{}, [&](auto& sink) { ok = static_cast<bool>(enc->encode(l, sink)); }, {}, 1 << 20);
        CHECK(status == kcoro::append_status::appended);
        CHECK(ok);
    }
    auto bytes = batch.finish({});
    REQUIRE(bytes);
    kcoro::decoded_batch out;
    REQUIRE(kcoro::read_record_batch(*bytes, out));
    REQUIRE(out.records.size() == 3);
    CHECK(hex(out.records[2].value.value()) == "0a736b752d3204");
}

TEST_CASE("avro_encoder_test: an encoder writes through any byte sink") {
    struct counting_sink {
        std::size_t n = 0;
        void write(const void*, std::size_t k) { n += k; }
        void put(kcoro::byte) { ++n; }
    };
    auto enc = avro::encoder<std::vector<std::string>>::make(parsed(R"({"type": "array", "items": "string"})"));
    REQUIRE(enc);
    counting_sink sink;
    CHECK(enc->encode(std::vector<std::string>{"ab", "c"}, sink));
    CHECK(sink.n == 7);  // 04 04 'a' 'b' 02 'c' 00
}

}  // namespace avro_encoder_test
