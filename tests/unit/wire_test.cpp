// Kafka's wire primitives, byte for byte: fixed-width integers, zig-zag varints, classic and
// compact strings/bytes/arrays, tagged fields, and rejection of malformed or truncated input.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wire_test {

using bytes = std::vector<kcoro::byte>;

bytes of(const kcoro::byte_buffer& b) { return {b.begin(), b.end()}; }

template <class F>
bytes written(F&& f) {
    kcoro::byte_buffer buf;
    kcoro::wire_writer w(buf);
    f(w);
    return of(buf);
}

kcoro::bytes_view view(const bytes& b) { return {b.data(), b.size()}; }

TEST_CASE("wire_test: fixed-width primitives are big-endian and round-trip") {
    const bytes enc = written([](kcoro::wire_writer& w) {
        w.i8(-2);
        w.i16(0x0102);
        w.i16(-1);
        w.i32(0x01020304);
        w.i32(std::numeric_limits<std::int32_t>::min());
        w.u32(0xCAFEBABEu);
        w.i64(0x0102030405060708LL);
        w.i64(-2);
        w.f64(1.0);
        w.f64(-2.5);
        w.boolean(true);
        w.boolean(false);
    });
    const bytes expected = {0xfe,                                                 // i8 -2
                            0x01, 0x02,                                           // i16
                            0xff, 0xff,                                           // i16 -1
                            0x01, 0x02, 0x03, 0x04,                               // i32
                            0x80, 0x00, 0x00, 0x00,                               // INT32_MIN
                            0xca, 0xfe, 0xba, 0xbe,                               // u32
                            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,       // i64
                            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,       // i64 -2
                            0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       // 1.0
                            0xc0, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       // -2.5
                            0x01, 0x00};
    CHECK(enc == expected);
    kcoro::wire_reader r(view(enc));
    CHECK(*r.i8() == -2);
    CHECK(*r.i16() == 0x0102);
    CHECK(*r.i16() == -1);
    CHECK(*r.i32() == 0x01020304);
    CHECK(*r.i32() == std::numeric_limits<std::int32_t>::min());
    CHECK(*r.u32() == 0xCAFEBABEu);
    CHECK(*r.i64() == 0x0102030405060708LL);
    CHECK(*r.i64() == -2);
    CHECK(*r.f64() == 1.0);
    CHECK(*r.f64() == -2.5);
    CHECK(*r.boolean() == true);
    CHECK(*r.boolean() == false);
    CHECK(r.empty());
    CHECK(r.position() == expected.size());
    CHECK(r.i8().err() == kcoro::errc::truncated);
}

TEST_CASE("wire_test: extreme values of every integer width round-trip") {
    const bytes enc = written([](kcoro::wire_writer& w) {
        w.i8(std::numeric_limits<std::int8_t>::min());
        w.i8(std::numeric_limits<std::int8_t>::max());
        w.i16(std::numeric_limits<std::int16_t>::min());
        w.i16(std::numeric_limits<std::int16_t>::max());
        w.i32(std::numeric_limits<std::int32_t>::max());
        w.u32(std::numeric_limits<std::uint32_t>::max());
        w.i64(std::numeric_limits<std::int64_t>::min());
        w.i64(std::numeric_limits<std::int64_t>::max());
    });
    CHECK(enc.size() == 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8);
    kcoro::wire_reader r(view(enc));
    CHECK(*r.i8() == std::numeric_limits<std::int8_t>::min());
    CHECK(*r.i8() == std::numeric_limits<std::int8_t>::max());
    CHECK(*r.i16() == std::numeric_limits<std::int16_t>::min());
    CHECK(*r.i16() == std::numeric_limits<std::int16_t>::max());
    CHECK(*r.i32() == std::numeric_limits<std::int32_t>::max());
    CHECK(*r.u32() == std::numeric_limits<std::uint32_t>::max());
    CHECK(*r.i64() == std::numeric_limits<std::int64_t>::min());
    CHECK(*r.i64() == std::numeric_limits<std::int64_t>::max());
    CHECK(r.empty());
}

TEST_CASE("wire_test: uuid is 16 raw bytes") {
    kcoro::uuid u;
    for (std::size_t i = 0; i < 16; ++i) u.bytes[i] = static_cast<kcoro::byte>(0xa0 + i);
    CHECK_FALSE(u.is_zero());
    CHECK(kcoro::uuid{}.is_zero());
    const bytes enc = written([&](kcoro::wire_writer& w) { w.uuid_value(u); });
    REQUIRE(enc.size() == 16);
    for (std::size_t i = 0; i < 16; ++i) CHECK(enc[i] == 0xa0 + i);
    kcoro::wire_reader r(view(enc));
    CHECK(*r.uuid_value() == u);
    kcoro::wire_reader short_r(view(enc).first(15));
    CHECK(short_r.uuid_value().err() == kcoro::errc::truncated);
}

TEST_CASE("wire_test: zig-zag varints match Kafka's ByteUtils vectors") {
    struct vec {
        std::int32_t v;
        bytes enc;
    };
    const vec vectors[] = {
        {0, {0x00}},
        {-1, {0x01}},
        {1, {0x02}},
        {-2, {0x03}},
        {63, {0x7e}},
        {-64, {0x7f}},
        {64, {0x80, 0x01}},
        {-65, {0x81, 0x01}},
        {300, {0xd8, 0x04}},
        {8191, {0xfe, 0x7f}},
        {8192, {0x80, 0x80, 0x01}},
        {std::numeric_limits<std::int32_t>::max(), {0xfe, 0xff, 0xff, 0xff, 0x0f}},
        {std::numeric_limits<std::int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}},
    };
    for (const auto& x : vectors) {
        INFO("varint " << x.v);
        const bytes enc = written([&](kcoro::wire_writer& w) { w.varint(x.v); });
        CHECK(enc == x.enc);
        kcoro::wire_reader r(view(x.enc));
        auto got = r.varint();
        REQUIRE(got);
        CHECK(*got == x.v);
        CHECK(r.empty());
        // Every strict prefix is truncated.
        for (std::size_t n = 0; n < x.enc.size(); ++n) {
            kcoro::wire_reader p(view(x.enc).first(n));
            CHECK(p.varint().err() == kcoro::errc::truncated);
        }
    }
}

TEST_CASE("wire_test: zig-zag varlongs match Kafka's ByteUtils vectors") {
    struct vec {
        std::int64_t v;
        bytes enc;
    };
    const vec vectors[] = {
        {0, {0x00}},
        {-1, {0x01}},
        {1, {0x02}},
        {std::numeric_limits<std::int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}},
        {std::int64_t{1} << 32, {0x80, 0x80, 0x80, 0x80, 0x20}},
        {std::numeric_limits<std::int64_t>::max(), {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
        {std::numeric_limits<std::int64_t>::min(), {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
    };
    for (const auto& x : vectors) {
        INFO("varlong " << x.v);
        const bytes enc = written([&](kcoro::wire_writer& w) { w.varlong(x.v); });
        CHECK(enc == x.enc);
        kcoro::wire_reader r(view(x.enc));
        auto got = r.varlong();
        REQUIRE(got);
        CHECK(*got == x.v);
        CHECK(r.empty());
        for (std::size_t n = 0; n < x.enc.size(); ++n) {
            kcoro::wire_reader p(view(x.enc).first(n));
            CHECK(p.varlong().err() == kcoro::errc::truncated);
        }
    }
}

TEST_CASE("wire_test: unsigned varints round-trip at every 7-bit boundary") {
    for (int bits = 0; bits <= 64; ++bits) {
        for (std::uint64_t delta : {0ull, 1ull}) {
            const std::uint64_t v = bits == 64 ? std::numeric_limits<std::uint64_t>::max() - delta
                                               : (bits == 0 ? delta : (std::uint64_t{1} << bits) - 1 + delta);
            const bytes enc = written([&](kcoro::wire_writer& w) { w.uvarint(v); });
            // ceil(significant bits / 7), at least one byte.
            int sig = 0;
            for (std::uint64_t t = v; t != 0; t >>= 1) ++sig;
            CHECK(enc.size() == static_cast<std::size_t>(sig == 0 ? 1 : (sig + 6) / 7));
            kcoro::wire_reader r(view(enc));
            auto got = r.uvarint();
            REQUIRE(got);
            CHECK(*got == v);
            CHECK(r.empty());
        }
    }
}

TEST_CASE("wire_test: over-long and out-of-range varints are malformed") {
    // Eleven bytes: more than any 64-bit value needs.
    const bytes eleven = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    {
        kcoro::wire_reader r(view(eleven));
        CHECK(r.uvarint().err() == kcoro::errc::malformed_response);
    }
    {
        kcoro::wire_reader r(view(eleven));
        CHECK(r.varlong().err() == kcoro::errc::malformed_response);
    }
    {
        kcoro::wire_reader r(view(eleven));
        CHECK(r.varint().err() == kcoro::errc::malformed_response);
    }
    // Ten bytes whose last carries bits beyond bit 63.
    const bytes overflow64 = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    {
        kcoro::wire_reader r(view(overflow64));
        CHECK(r.uvarint().err() == kcoro::errc::malformed_response);
    }
    // The tenth byte still has its continuation bit set.
    const bytes continued = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00};
    {
        kcoro::wire_reader r(view(continued));
        CHECK(r.uvarint().err() == kcoro::errc::malformed_response);
    }
    // A 32-bit varint whose fifth byte carries bits beyond bit 31.
    const bytes overflow32 = {0xff, 0xff, 0xff, 0xff, 0x1f};
    {
        kcoro::wire_reader r(view(overflow32));
        CHECK(r.varint().err() == kcoro::errc::malformed_response);
    }
    // A 32-bit varint is at most five bytes (Kafka's ByteUtils), even when a longer encoding's
    // value would fit: six bytes spelling 0 are malformed, in records and in compact lengths.
    const bytes six_byte_zero = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    {
        kcoro::wire_reader r(view(six_byte_zero));
        CHECK(r.varint().err() == kcoro::errc::malformed_response);
    }
    {
        kcoro::wire_reader r(view(six_byte_zero));
        CHECK(r.string(true).err() == kcoro::errc::malformed_response);
    }
    {
        kcoro::wire_reader r(view(six_byte_zero));
        CHECK(r.varlong());  // 64-bit varints may take up to ten bytes
    }
    const bytes five_byte_max = {0xff, 0xff, 0xff, 0xff, 0x0f};
    {
        kcoro::wire_reader r(view(five_byte_max));
        auto v = r.varint();
        REQUIRE(v);
        CHECK(*v == INT32_MIN);  // zig-zag of 0xffffffff
    }
    // Compact lengths beyond INT32_MAX + 1 are malformed, not huge allocations.
    const bytes huge_len = {0xff, 0xff, 0xff, 0xff, 0x0f};
    {
        kcoro::wire_reader r(view(huge_len));
        CHECK(r.string(true).err() == kcoro::errc::malformed_response);
    }
    {
        kcoro::wire_reader r(view(huge_len));
        CHECK(r.bytes(true).err() == kcoro::errc::malformed_response);
    }
    {
        kcoro::wire_reader r(view(huge_len));
        CHECK(r.nullable_array_length(true).err() == kcoro::errc::malformed_response);
    }
}

TEST_CASE("wire_test: classic and compact strings, exact bytes") {
    CHECK(written([](kcoro::wire_writer& w) { w.string("ab", false); }) == bytes{0x00, 0x02, 'a', 'b'});
    CHECK(written([](kcoro::wire_writer& w) { w.string("ab", true); }) == bytes{0x03, 'a', 'b'});
    CHECK(written([](kcoro::wire_writer& w) { w.string("", false); }) == bytes{0x00, 0x00});
    CHECK(written([](kcoro::wire_writer& w) { w.string("", true); }) == bytes{0x01});
    CHECK(written([](kcoro::wire_writer& w) { w.nullable_string(std::nullopt, false); }) == bytes{0xff, 0xff});
    CHECK(written([](kcoro::wire_writer& w) { w.nullable_string(std::nullopt, true); }) == bytes{0x00});
    CHECK(written([](kcoro::wire_writer& w) { w.nullable_string(std::string_view("x"), true); }) == bytes{0x02, 'x'});
    // A 200-byte string: classic int16 200, compact uvarint 201 = c9 01.
    const std::string long_s(200, 'z');
    const bytes classic = written([&](kcoro::wire_writer& w) { w.string(long_s, false); });
    REQUIRE(classic.size() == 202);
    CHECK(classic[0] == 0x00);
    CHECK(classic[1] == 200);
    const bytes compact = written([&](kcoro::wire_writer& w) { w.string(long_s, true); });
    REQUIRE(compact.size() == 202);
    CHECK(compact[0] == 0xc9);
    CHECK(compact[1] == 0x01);

    for (bool flexible : {false, true}) {
        INFO("flexible " << flexible);
        const bytes enc = written([&](kcoro::wire_writer& w) {
            w.string("hello", flexible);
            w.nullable_string(std::nullopt, flexible);
            w.nullable_string(std::string_view(""), flexible);
            w.string(long_s, flexible);
        });
        kcoro::wire_reader r(view(enc));
        CHECK(*r.string(flexible) == "hello");
        auto null_s = r.nullable_string(flexible);
        REQUIRE(null_s);
        CHECK_FALSE(null_s->has_value());
        auto empty_s = r.nullable_string(flexible);
        REQUIRE(empty_s);
        REQUIRE(empty_s->has_value());
        CHECK((*empty_s)->empty());
        CHECK(*r.string(flexible) == long_s);
        CHECK(r.empty());
    }
}

TEST_CASE("wire_test: classic and compact bytes, exact bytes") {
    const kcoro::byte payload[] = {0xde, 0xad};
    const kcoro::bytes_view pv(payload, 2);
    CHECK(written([&](kcoro::wire_writer& w) { w.bytes(pv, false); }) == bytes{0, 0, 0, 2, 0xde, 0xad});
    CHECK(written([&](kcoro::wire_writer& w) { w.bytes(pv, true); }) == bytes{0x03, 0xde, 0xad});
    CHECK(written([](kcoro::wire_writer& w) { w.nullable_bytes(std::nullopt, false); }) == bytes{0xff, 0xff, 0xff, 0xff});
    CHECK(written([](kcoro::wire_writer& w) { w.nullable_bytes(std::nullopt, true); }) == bytes{0x00});
    CHECK(written([](kcoro::wire_writer& w) { w.bytes({}, false); }) == bytes{0, 0, 0, 0});
    CHECK(written([](kcoro::wire_writer& w) { w.bytes({}, true); }) == bytes{0x01});
    for (bool flexible : {false, true}) {
        INFO("flexible " << flexible);
        const bytes enc = written([&](kcoro::wire_writer& w) {
            w.bytes(pv, flexible);
            w.nullable_bytes(std::nullopt, flexible);
            w.nullable_bytes(pv, flexible);
        });
        kcoro::wire_reader r(view(enc));
        auto b = r.bytes(flexible);
        REQUIRE(b);
        CHECK(bytes(b->begin(), b->end()) == bytes{0xde, 0xad});
        auto n = r.nullable_bytes(flexible);
        REQUIRE(n);
        CHECK_FALSE(n->has_value());
        auto nb = r.nullable_bytes(flexible);
        REQUIRE(nb);
        REQUIRE(nb->has_value());
        CHECK((*nb)->size() == 2);
        // Views point into the input: no copy.
        CHECK((*nb)->data() == enc.data() + enc.size() - 2);
        CHECK(r.empty());
    }
}

TEST_CASE("wire_test: classic and compact array lengths, exact bytes") {
    CHECK(written([](kcoro::wire_writer& w) { w.array_length(3, false); }) == bytes{0, 0, 0, 3});
    CHECK(written([](kcoro::wire_writer& w) { w.array_length(3, true); }) == bytes{0x04});
    CHECK(written([](kcoro::wire_writer& w) { w.array_length(-1, false); }) == bytes{0xff, 0xff, 0xff, 0xff});
    CHECK(written([](kcoro::wire_writer& w) { w.array_length(-1, true); }) == bytes{0x00});
    CHECK(written([](kcoro::wire_writer& w) { w.array_length(0, true); }) == bytes{0x01});
    CHECK(written([](kcoro::wire_writer& w) { w.array_length(200, true); }) == bytes{0xc9, 0x01});

    for (bool flexible : {false, true}) {
        INFO("flexible " << flexible);
        // Null reads as -1 through nullable_array_length, and is malformed through array_length.
        const bytes null_arr = written([&](kcoro::wire_writer& w) { w.array_length(-1, flexible); });
        {
            kcoro::wire_reader r(view(null_arr));
            CHECK(*r.nullable_array_length(flexible) == -1);
        }
        {
            kcoro::wire_reader r(view(null_arr));
            CHECK(r.array_length(flexible).err() == kcoro::errc::malformed_response);
        }
        // Two int32 elements follow: a count of 2 reads back; a count past the bytes left is truncated.
        const bytes two = written([&](kcoro::wire_writer& w) {
            w.array_length(2, flexible);
            w.i32(7);
            w.i32(8);
        });
        kcoro::wire_reader r(view(two));
        CHECK(*r.array_length(flexible) == 2);
        CHECK(*r.i32() == 7);
        CHECK(*r.i32() == 8);
        CHECK(r.empty());
        const bytes too_many = written([&](kcoro::wire_writer& w) {
            w.array_length(5, flexible);
            w.i32(7);
        });
        kcoro::wire_reader t(view(too_many));
        CHECK(t.array_length(flexible).err() == kcoro::errc::truncated);
    }
}

TEST_CASE("wire_test: negative lengths other than -1 are malformed") {
    for (std::int16_t n : {std::int16_t{-2}, std::int16_t{-100}, std::numeric_limits<std::int16_t>::min()}) {
        const bytes enc = written([&](kcoro::wire_writer& w) {
            w.i16(n);
            w.i32(0);
        });
        kcoro::wire_reader r(view(enc));
        CHECK(r.nullable_string(false).err() == kcoro::errc::malformed_response);
    }
    for (std::int32_t n : {-2, -1000, std::numeric_limits<std::int32_t>::min()}) {
        const bytes enc = written([&](kcoro::wire_writer& w) {
            w.i32(n);
            w.i32(0);
        });
        {
            kcoro::wire_reader r(view(enc));
            CHECK(r.nullable_bytes(false).err() == kcoro::errc::malformed_response);
        }
        {
            kcoro::wire_reader r(view(enc));
            CHECK(r.nullable_array_length(false).err() == kcoro::errc::malformed_response);
        }
    }
    // -1 is null: fine where nullable, malformed where not.
    const bytes minus_one = {0xff, 0xff, 0xff, 0xff};
    {
        kcoro::wire_reader r(view(minus_one));
        CHECK(r.string(false).err() == kcoro::errc::malformed_response);
    }
    {
        kcoro::wire_reader r(view(minus_one));
        CHECK(r.bytes(false).err() == kcoro::errc::malformed_response);
    }
    const bytes compact_null = {0x00};
    {
        kcoro::wire_reader r(view(compact_null));
        CHECK(r.string(true).err() == kcoro::errc::malformed_response);
    }
    {
        kcoro::wire_reader r(view(compact_null));
        CHECK(r.bytes(true).err() == kcoro::errc::malformed_response);
    }
}

TEST_CASE("wire_test: lengths past the end are truncated") {
    const bytes classic_s = {0x00, 0x05, 'a', 'b'};
    kcoro::wire_reader a(view(classic_s));
    CHECK(a.string(false).err() == kcoro::errc::truncated);
    const bytes compact_s = {0x06, 'a', 'b'};
    kcoro::wire_reader b(view(compact_s));
    CHECK(b.string(true).err() == kcoro::errc::truncated);
    const bytes classic_b = {0x7f, 0xff, 0xff, 0xff, 0x00};
    kcoro::wire_reader c(view(classic_b));
    CHECK(c.bytes(false).err() == kcoro::errc::truncated);
    // A count larger than the bytes left cannot be honest: rejected before anything is reserved.
    const bytes huge_array = {0x7f, 0xff, 0xff, 0xff};
    kcoro::wire_reader e(view(huge_array));
    CHECK(e.array_length(false).err() == kcoro::errc::truncated);
    const bytes raw3 = {1, 2, 3};
    kcoro::wire_reader d(view(raw3));
    CHECK(d.raw(4).err() == kcoro::errc::truncated);
    auto all = d.raw(3);
    REQUIRE(all);
    CHECK(all->size() == 3);
    CHECK(d.empty());
}

TEST_CASE("wire_test: tagged fields are written empty and skipped when read") {
    CHECK(written([](kcoro::wire_writer& w) { w.tagged_fields(true); }) == bytes{0x00});
    CHECK(written([](kcoro::wire_writer& w) { w.tagged_fields(false); }).empty());

    // Two tagged fields (tag 0: 2 bytes; tag 300: 3 bytes), then an int16 that must still read right.
    const bytes enc = {0x02, 0x00, 0x02, 0xaa, 0xbb, 0xac, 0x02, 0x03, 0x01, 0x02, 0x03, 0x12, 0x34};
    {
        kcoro::wire_reader r(view(enc));
        REQUIRE(r.tagged_fields(true));
        CHECK(*r.i16() == 0x1234);
        CHECK(r.empty());
    }
    {
        kcoro::wire_reader r(view(enc));
        std::vector<std::uint64_t> tags;
        std::vector<std::size_t> sizes;
        std::int16_t first = 0;
        auto res = r.tagged_fields(true, [&](std::uint64_t tag, kcoro::wire_reader& f) -> kcoro::result<void> {
            tags.push_back(tag);
            sizes.push_back(f.remaining());
            if (tag == 0) {
                KCORO_TRY_ASSIGN(first, f.i16());
            }
            return kcoro::ok();
        });
        REQUIRE(res);
        CHECK(tags == std::vector<std::uint64_t>{0, 300});
        CHECK(sizes == std::vector<std::size_t>{2, 3});
        CHECK(static_cast<std::uint16_t>(first) == 0xaabb);
        CHECK(*r.i16() == 0x1234);
    }
    // A callback's error propagates.
    {
        kcoro::wire_reader r(view(enc));
        auto res = r.tagged_fields(true, [](std::uint64_t, kcoro::wire_reader& f) -> kcoro::result<void> {
            KCORO_TRY(f.i64());  // the field holds fewer than 8 bytes
            return kcoro::ok();
        });
        CHECK(res.err() == kcoro::errc::truncated);
    }
    // Not flexible: nothing is consumed.
    {
        kcoro::wire_reader r(view(enc));
        REQUIRE(r.tagged_fields(false));
        CHECK(r.position() == 0);
    }
    // A field size past the end, and a count larger than the bytes left.
    const bytes bad_size = {0x01, 0x00, 0x05, 0xaa};
    kcoro::wire_reader bs(view(bad_size));
    CHECK(bs.tagged_fields(true).err() == kcoro::errc::truncated);
    const bytes bad_count = {0x7f, 0x00, 0x00};
    kcoro::wire_reader bc(view(bad_count));
    CHECK(bc.tagged_fields(true).err() == kcoro::errc::truncated);
}

TEST_CASE("wire_test: patch_i32 and raw write in place") {
    kcoro::byte_buffer buf;
    kcoro::wire_writer w(buf);
    const auto at = w.position();
    w.i32(0);
    const kcoro::byte tail[] = {9, 8};
    w.raw(tail);
    w.patch_i32(at, static_cast<std::int32_t>(w.position() - at - 4));
    CHECK(of(buf) == bytes{0, 0, 0, 2, 9, 8});
    CHECK(&w.buffer() == &buf);
}

// A sequence holding every primitive, in both encodings.
bytes every_primitive() {
    return written([](kcoro::wire_writer& w) {
        kcoro::uuid u;
        u.bytes[3] = 7;
        const kcoro::byte b3[] = {1, 2, 3};
        w.i8(5);
        w.i16(-300);
        w.i32(70000);
        w.u32(0xfeedbeefu);
        w.i64(-5000000000LL);
        w.f64(3.25);
        w.boolean(true);
        w.uuid_value(u);
        w.uvarint(1u << 20);
        w.varint(-12345);
        w.varlong(-(std::int64_t{1} << 40));
        for (bool flexible : {false, true}) {
            w.string("str", flexible);
            w.nullable_string(std::nullopt, flexible);
            w.nullable_string(std::string_view("n"), flexible);
            w.bytes(kcoro::bytes_view(b3, 3), flexible);
            w.nullable_bytes(std::nullopt, flexible);
            w.array_length(2, flexible);
            w.i16(1);
            w.i16(2);
            w.array_length(-1, flexible);
        }
        // A tagged section with one 2-byte field.
        w.uvarint(1);
        w.uvarint(4);
        w.uvarint(2);
        w.i16(0x0102);
        w.i32(42);
    });
}

kcoro::result<void> read_every_primitive(kcoro::wire_reader& r) {
    KCORO_TRY_ASSIGN(auto a, r.i8());
    KCORO_TRY_ASSIGN(auto b, r.i16());
    KCORO_TRY_ASSIGN(auto c, r.i32());
    KCORO_TRY_ASSIGN(auto d, r.u32());
    KCORO_TRY_ASSIGN(auto e, r.i64());
    KCORO_TRY_ASSIGN(auto f, r.f64());
    KCORO_TRY_ASSIGN(auto g, r.boolean());
    KCORO_TRY_ASSIGN(auto u, r.uuid_value());
    KCORO_TRY_ASSIGN(auto uv, r.uvarint());
    KCORO_TRY_ASSIGN(auto vi, r.varint());
    KCORO_TRY_ASSIGN(auto vl, r.varlong());
    REQUIRE(a == 5);
    REQUIRE(b == -300);
    REQUIRE(c == 70000);
    REQUIRE(d == 0xfeedbeefu);
    REQUIRE(e == -5000000000LL);
    REQUIRE(f == 3.25);
    REQUIRE(g);
    REQUIRE(u.bytes[3] == 7);
    REQUIRE(uv == (1u << 20));
    REQUIRE(vi == -12345);
    REQUIRE(vl == -(std::int64_t{1} << 40));
    for (bool flexible : {false, true}) {
        KCORO_TRY_ASSIGN(auto s, r.string(flexible));
        REQUIRE(s == "str");
        KCORO_TRY_ASSIGN(auto ns, r.nullable_string(flexible));
        REQUIRE_FALSE(ns.has_value());
        KCORO_TRY_ASSIGN(auto ns2, r.nullable_string(flexible));
        REQUIRE(ns2 == std::optional<std::string_view>("n"));
        KCORO_TRY_ASSIGN(auto by, r.bytes(flexible));
        REQUIRE(by.size() == 3);
        KCORO_TRY_ASSIGN(auto nb, r.nullable_bytes(flexible));
        REQUIRE_FALSE(nb.has_value());
        KCORO_TRY_ASSIGN(auto n, r.array_length(flexible));
        REQUIRE(n == 2);
        KCORO_TRY_ASSIGN(auto x1, r.i16());
        KCORO_TRY_ASSIGN(auto x2, r.i16());
        REQUIRE(x1 == 1);
        REQUIRE(x2 == 2);
        KCORO_TRY_ASSIGN(auto nn, r.nullable_array_length(flexible));
        REQUIRE(nn == -1);
    }
    KCORO_TRY(r.tagged_fields(true));
    KCORO_TRY_ASSIGN(auto last, r.i32());
    REQUIRE(last == 42);
    return kcoro::ok();
}

TEST_CASE("wire_test: every primitive round-trips, and every truncation is errc::truncated") {
    const bytes enc = every_primitive();
    {
        kcoro::wire_reader r(view(enc));
        REQUIRE(read_every_primitive(r));
        CHECK(r.empty());
    }
    for (std::size_t n = 0; n < enc.size(); ++n) {
        INFO("prefix " << n << " of " << enc.size());
        kcoro::wire_reader r(view(enc).first(n));
        auto res = read_every_primitive(r);
        REQUIRE_FALSE(res);
        CHECK(res.err() == kcoro::errc::truncated);
    }
}

}  // namespace wire_test
