#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace {
std::vector<kcoro::byte> bytes_of(const kcoro::byte_buffer& b) { return {b.begin(), b.end()}; }
}  // namespace

TEST_CASE("wire: fixed-width integers are big-endian") {
    kcoro::byte_buffer b;
    kcoro::wire_writer w(b);
    w.i16(0x0102);
    w.i32(-2);
    w.i64(0x0102030405060708LL);
    CHECK(bytes_of(b) == std::vector<kcoro::byte>{1, 2, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8});
    kcoro::wire_reader r(b.view());
    CHECK(*r.i16() == 0x0102);
    CHECK(*r.i32() == -2);
    CHECK(*r.i64() == 0x0102030405060708LL);
    CHECK(r.empty());
    CHECK(r.i8().err() == kcoro::errc::truncated);
}

TEST_CASE("wire: zig-zag varints match Kafka's vectors") {
    struct vec {
        std::int64_t v;
        std::vector<kcoro::byte> enc;
    };
    const vec vectors[] = {{0, {0x00}}, {-1, {0x01}}, {1, {0x02}}, {-64, {0x7f}}, {64, {0x80, 0x01}}, {300, {0xd8, 0x04}},
                           {std::numeric_limits<std::int32_t>::max(), {0xfe, 0xff, 0xff, 0xff, 0x0f}},
                           {std::numeric_limits<std::int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}}};
    for (const auto& x : vectors) {
        kcoro::byte_buffer b;
        kcoro::wire_writer w(b);
        w.varint(static_cast<std::int32_t>(x.v));
        CHECK(bytes_of(b) == x.enc);
        kcoro::wire_reader r(b.view());
        CHECK(*r.varint() == x.v);
    }
    kcoro::byte_buffer b;
    kcoro::wire_writer w(b);
    w.varlong(std::numeric_limits<std::int64_t>::min());
    CHECK(b.size() == 10);
    kcoro::wire_reader r(b.view());
    CHECK(*r.varlong() == std::numeric_limits<std::int64_t>::min());
    // Eleven continuation bytes are more than any 64-bit value needs.
    const kcoro::byte too_long[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    kcoro::wire_reader bad(too_long);
    CHECK(bad.uvarint().err() == kcoro::errc::malformed_response);
}

TEST_CASE("wire: classic and compact strings, bytes and arrays") {
    kcoro::byte_buffer b;
    kcoro::wire_writer w(b);
    w.string("ab", false);
    w.string("ab", true);
    w.nullable_string(std::nullopt, false);
    w.nullable_string(std::nullopt, true);
    w.bytes(kcoro::as_bytes("x"), false);
    w.array_length(2, true);
    w.i8(7);
    w.i8(8);
    w.tagged_fields(true);
    CHECK(bytes_of(b) == std::vector<kcoro::byte>{0, 2, 'a', 'b', 3, 'a', 'b', 0xff, 0xff, 0, 0, 0, 0, 1, 'x', 3, 7, 8, 0});
    kcoro::wire_reader r(b.view());
    CHECK(*r.string(false) == "ab");
    CHECK(*r.string(true) == "ab");
    CHECK_FALSE(r.nullable_string(false)->has_value());
    CHECK_FALSE(r.nullable_string(true)->has_value());
    CHECK(kcoro::as_string_view(*r.bytes(false)) == "x");
    CHECK(*r.array_length(true) == 2);
    CHECK(*r.i8() == 7);
    CHECK(*r.i8() == 8);
    CHECK(r.tagged_fields(true));
}

TEST_CASE("wire: lengths past the end, negative lengths and null where required are errors") {
    const kcoro::byte past_end[] = {0, 5, 'a'};
    kcoro::wire_reader r1(past_end);
    CHECK(r1.string(false).err() == kcoro::errc::truncated);
    const kcoro::byte negative[] = {0xff, 0xfe};
    kcoro::wire_reader r2(negative);
    CHECK(r2.nullable_string(false).err() == kcoro::errc::malformed_response);
    const kcoro::byte null_string[] = {0xff, 0xff};
    kcoro::wire_reader r3(null_string);
    CHECK(r3.string(false).err() == kcoro::errc::malformed_response);
    // A count larger than the bytes left cannot be honest: rejected before anything is reserved.
    const kcoro::byte huge_array[] = {0x7f, 0xff, 0xff, 0xff};
    kcoro::wire_reader r4(huge_array);
    CHECK(r4.array_length(false).err() == kcoro::errc::truncated);
    // Unknown tagged fields are skipped, truncated ones rejected.
    const kcoro::byte tags[] = {1, 7, 2, 0xaa, 0xbb};
    kcoro::wire_reader r5(tags);
    CHECK(r5.tagged_fields(true));
    CHECK(r5.empty());
    const kcoro::byte short_tag[] = {1, 7, 3, 0xaa};
    kcoro::wire_reader r6(short_tag);
    CHECK(r6.tagged_fields(true).err() == kcoro::errc::truncated);
}
