// kcoro's JSON reader: RFC 8259 strictly, duplicate keys and deep nesting refused, and every
// rejection says where (line and column).
#include <kcoro/avro.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace json_reader_test {

std::string error_of(std::string_view text, const kcoro::json_limits& limits = {}) {
    auto r = kcoro::parse_json(text, limits);
    REQUIRE_FALSE(r);
    CHECK(r.err() == kcoro::errc::invalid_json);
    return r.err().detail();
}

TEST_CASE("json_reader_test: values of every kind, with their offsets") {
    auto r = kcoro::parse_json(R"( {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "e": ""} )");
    REQUIRE(r);
    const kcoro::json_value& v = *r;
    CHECK(v.is_object());
    CHECK(v.offset() == 1);
    REQUIRE(v.members().size() == 3);
    CHECK(v.members()[0].key == "a");
    const auto items = v.find("a")->items();
    REQUIRE(items.size() == 5);
    CHECK(items[0].as_int64() == 1);
    CHECK(items[0].offset() == 8);
    CHECK_FALSE(items[1].as_int64());
    CHECK(items[1].as_double() == -2500.0);
    CHECK(items[1].number_text() == "-2.5e3");
    CHECK(items[2].as_bool());
    CHECK(items[3].is_bool());
    CHECK_FALSE(items[3].as_bool());
    CHECK(items[4].is_null());
    CHECK(v.find("b")->find("c")->as_string() == "d");
    CHECK(v.find("e")->is_string());
    CHECK(v.find("e")->as_string().empty());
    CHECK(v.find("nope") == nullptr);
}

TEST_CASE("json_reader_test: integers at the edges of 64 bits") {
    CHECK(kcoro::parse_json("9223372036854775807")->as_int64() == INT64_MAX);
    CHECK(kcoro::parse_json("-9223372036854775808")->as_int64() == INT64_MIN);
    CHECK_FALSE(kcoro::parse_json("9223372036854775808")->as_int64());  // kept as text, not wrapped
    CHECK(kcoro::parse_json("9223372036854775808")->is_integer_literal());
    CHECK(kcoro::parse_json("-0")->as_int64() == 0);
    CHECK_FALSE(kcoro::parse_json("1e400")->as_double());
    CHECK(kcoro::parse_json("1E+2")->as_double() == 100.0);
}

TEST_CASE("json_reader_test: escapes, surrogate pairs and UTF-8") {
    auto r = kcoro::parse_json(R"("\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00\u0000")");
    REQUIRE(r);
    CHECK(r->as_string() == std::string_view("\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0", 19));
    CHECK(kcoro::parse_json("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"")->as_string() == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST_CASE("json_reader_test: invalid text is refused with its line and column") {
    CHECK(error_of("") == "json: line 1, column 1: expected a value, found the end of the text");
    CHECK(error_of("{\"a\": 1,}") == "json: line 1, column 9: expected a string as the object member's name");
    CHECK(error_of("[1, 2,]") == "json: line 1, column 7: expected a value");
    CHECK(error_of("{\n  \"a\": 1\n  \"b\": 2\n}") == "json: line 3, column 3: expected ',' or '}' after an object member");
    CHECK(error_of("[01]") == "json: line 1, column 2: a number may not have a leading zero");
    CHECK(error_of("[1.]") == "json: line 1, column 4: expected a digit after the decimal point");
    CHECK(error_of("[1e]") == "json: line 1, column 4: expected a digit in the exponent");
    CHECK(error_of("-") == "json: line 1, column 2: expected a digit in the number");
    CHECK(error_of("NaN") == "json: line 1, column 1: expected a value");
    CHECK(error_of("tru") == "json: line 1, column 1: expected a value (true?)");
    CHECK(error_of("\"abc") == "json: line 1, column 1: the string is not closed");
    CHECK(error_of("\"a\tb\"") == "json: line 1, column 3: a control character must be escaped in a string");
    CHECK(error_of("\"\\x\"") == "json: line 1, column 2: unknown escape sequence in the string");
    CHECK(error_of("\"\\u12\"") == "json: line 1, column 2: expected four hex digits after \\u");
    CHECK(error_of("\"\\ud83d\"") == "json: line 1, column 2: a high surrogate not followed by a low surrogate");
    CHECK(error_of("\"\\ude00\"") == "json: line 1, column 2: a low surrogate without a high surrogate before it");
    CHECK(error_of("\"\xc3\"") == "json: line 1, column 2: invalid UTF-8 in the string");
    CHECK(error_of("\"\xc0\xaf\"") == "json: line 1, column 2: invalid UTF-8 in the string");       // overlong
    CHECK(error_of("\"\xed\xa0\x80\"") == "json: line 1, column 2: invalid UTF-8 in the string");   // a surrogate
    CHECK(error_of("\"\xf4\x90\x80\x80\"") == "json: line 1, column 2: invalid UTF-8 in the string");  // above U+10FFFF
    CHECK(error_of("1 2") == "json: line 1, column 3: unexpected text after the JSON value");
    CHECK(error_of("[1] // comment") == "json: line 1, column 5: unexpected text after the JSON value");
    CHECK(error_of("{\"a\": 1 \"b\"}") == "json: line 1, column 9: expected ',' or '}' after an object member");
    CHECK(error_of("{\"a\" 1}") == "json: line 1, column 6: expected ':' after the member name");
}

TEST_CASE("json_reader_test: an object may not repeat a key, small or large") {
    CHECK(error_of(R"({"type": "int", "type": "long"})") == "json: line 1, column 17: the object repeats the member \"type\"");
    std::string big = "{";
    for (int i = 0; i < 100; ++i) big += "\"k" + std::to_string(i) + "\": 0, ";
    big += "\"k42\": 1}";
    CHECK(error_of(big).find("the object repeats the member \"k42\"") != std::string::npos);
}

TEST_CASE("json_reader_test: nesting is bounded, so no input exhausts the stack") {
    CHECK(kcoro::parse_json(std::string(128, '[') + std::string(128, ']')));
    CHECK(error_of(std::string(129, '[') + std::string(129, ']')) == "json: line 1, column 129: nested deeper than 128 levels");
    CHECK(error_of(std::string(100000, '[')).find("nested deeper than 128 levels") != std::string::npos);
    kcoro::json_limits tight;
    tight.max_depth = 2;
    CHECK(kcoro::parse_json("[[1]]", tight));
    CHECK(error_of("[[[1]]]", tight) == "json: line 1, column 3: nested deeper than 2 levels");
    tight.max_bytes = 4;
    CHECK(error_of("[1, 2]", tight) == "json: line 1, column 1: the text is longer than the limit of 4 bytes");
}

TEST_CASE("json_reader_test: position_of counts lines and columns in bytes") {
    const std::string_view text = "ab\ncd\n\nef";
    CHECK(kcoro::position_of(text, 0).line == 1);
    CHECK(kcoro::position_of(text, 4).line == 2);
    CHECK(kcoro::position_of(text, 4).column == 2);
    CHECK(kcoro::position_of(text, 7).line == 4);
    CHECK(kcoro::position_of(text, 7).column == 1);
    CHECK(kcoro::position_of(text, 99).line == 4);
}

}  // namespace json_reader_test
