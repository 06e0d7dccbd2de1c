#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#if KCORO_HAS_ZSTD
#include <zstd.h>
#endif
#if KCORO_HAS_LZ4
#include <lz4frame.h>
#endif
#if KCORO_HAS_ZLIB
#include <zlib.h>
#endif
#if KCORO_HAS_SNAPPY
#include <snappy-c.h>
#endif

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {
// CRC-32C one bit at a time: the definition, independent of the table and instruction paths.
std::uint32_t crc32c_bitwise(const kcoro::byte* p, std::size_t n) {
    std::uint32_t c = 0xffffffffu;
    for (std::size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}
}  // namespace

TEST_CASE("crc32c: RFC 3720 vectors, the check value, and hardware == portable == bitwise") {
    std::vector<kcoro::byte> zeros(32, 0), ones(32, 0xff), asc(32);
    for (int i = 0; i < 32; ++i) asc[static_cast<std::size_t>(i)] = static_cast<kcoro::byte>(i);
    CHECK(kcoro::crc32c(zeros.data(), 32) == 0x8A9136AAu);
    CHECK(kcoro::crc32c(ones.data(), 32) == 0x62A8AB43u);
    CHECK(kcoro::crc32c(asc.data(), 32) == 0x46DD794Eu);
    CHECK(kcoro::crc32c("123456789", 9) == 0xE3069283u);
    std::mt19937 rng(1);
    std::vector<kcoro::byte> data(5000);
    for (auto& b : data) b = static_cast<kcoro::byte>(rng());
    for (std::size_t off = 0; off < 9; ++off)
        for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u, 4096u}) {
            const auto want = crc32c_bitwise(data.data() + off, len);
            CHECK(kcoro::crc32c(data.data() + off, len) == want);
            CHECK(kcoro::crc32c_portable(data.data() + off, len) == want);
        }
}

TEST_CASE("record batch: one record encodes to the hand-derived bytes") {
    kcoro::record_batch_builder b;
    REQUIRE(b.try_append(1000, kcoro::as_bytes("k"), kcoro::as_bytes("v"), {}, 16384) == kcoro::append_status::appended);
    auto w = b.finish({});
    REQUIRE(w);
    std::vector<kcoro::byte> expected = {
        0, 0, 0, 0, 0, 0, 0, 0,              // base offset
        0, 0, 0, 58,                         // batch length: 70 - 12
        0xff, 0xff, 0xff, 0xff,              // partition leader epoch
        2,                                   // magic
        0, 0, 0, 0,                          // crc, filled below
        0, 0,                                // attributes: no compression, create time
        0, 0, 0, 0,                          // last offset delta
        0, 0, 0, 0, 0, 0, 0x03, 0xe8,        // base timestamp 1000
        0, 0, 0, 0, 0, 0, 0x03, 0xe8,        // max timestamp
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // producer id -1
        0xff, 0xff,                          // producer epoch -1
        0xff, 0xff, 0xff, 0xff,              // base sequence -1
        0, 0, 0, 1,                          // record count
        0x10,                                // record length 8 (zig-zag)
        0,                                   // record attributes
        0, 0,                                // timestamp delta, offset delta
        2, 'k',                              // key length 1 (zig-zag), key
        2, 'v',                              // value
        0,                                   // no headers
    };
    const auto crc = crc32c_bitwise(expected.data() + 21, expected.size() - 21);
    expected[17] = static_cast<kcoro::byte>(crc >> 24);
    expected[18] = static_cast<kcoro::byte>(crc >> 16);
    expected[19] = static_cast<kcoro::byte>(crc >> 8);
    expected[20] = static_cast<kcoro::byte>(crc);
    CHECK(std::vector<kcoro::byte>(w->begin(), w->end()) == expected);
}

TEST_CASE("record batch: nulls, headers, callable writers, varint boundaries and rollback when full") {
    kcoro::record_batch_builder b;
    const kcoro::record_header headers[] = {{"h1", kcoro::as_bytes("x")}, {"h2", std::nullopt}};
    std::vector<std::string> values;
    for (std::size_t n : {0u, 63u, 64u, 8191u, 8192u}) values.emplace_back(n, 'z');
    std::int64_t ts = 5000;
    REQUIRE(b.try_append(ts, kcoro::null_record_field{}, kcoro::null_record_field{}, headers, 1 << 20) == kcoro::append_status::appended);
    for (const auto& v : values) {
        auto writer = [&v](auto& sink) { sink.write(v.data(), v.size()); };
        REQUIRE(b.try_append(++ts, kcoro::as_bytes("key"), writer, headers, 1 << 20) == kcoro::append_status::appended);
    }
    const std::size_t before = b.size_bytes();
    CHECK(b.try_append(++ts, kcoro::as_bytes("k"), kcoro::as_bytes(std::string(100, 'q')), {}, before + 10) == kcoro::append_status::full);
    CHECK(b.size_bytes() == before);
    CHECK(b.record_count() == 6);

    auto w = b.finish({.producer_id = 77, .producer_epoch = 3, .base_sequence = 100});
    REQUIRE(w);
    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(*w, d));
    REQUIRE(d.records.size() == 6);
    CHECK(d.producer_id == 77);
    CHECK(d.producer_epoch == 3);
    CHECK(d.base_sequence == 100);
    CHECK_FALSE(d.records[0].key.has_value());
    CHECK_FALSE(d.records[0].value.has_value());
    REQUIRE(d.records[0].headers.size() == 2);
    CHECK(d.records[0].headers[0].first == "h1");
    CHECK(kcoro::as_string_view(*d.records[0].headers[0].second) == "x");
    CHECK_FALSE(d.records[0].headers[1].second.has_value());
    for (std::size_t i = 0; i < values.size(); ++i) {
        CHECK(kcoro::as_string_view(*d.records[i + 1].value) == values[i]);
        CHECK(d.records[i + 1].offset == static_cast<std::int64_t>(i + 1));
        CHECK(d.records[i + 1].timestamp == 5001 + static_cast<std::int64_t>(i));
    }
    CHECK(d.max_timestamp == 5005);

    // Restamping keeps the batch valid under its new CRC.
    auto again = b.restamp(90, 4, 7);
    kcoro::decoded_batch d2;
    REQUIRE(kcoro::read_record_batch(again, d2));
    CHECK(d2.producer_id == 90);
    CHECK(d2.base_sequence == 7);

    // Every truncation and a flipped byte are rejected.
    const std::vector<kcoro::byte> whole(again.begin(), again.end());
    for (std::size_t n = 0; n < whole.size(); ++n) {
        kcoro::decoded_batch t;
        CHECK_FALSE(kcoro::read_record_batch(kcoro::bytes_view(whole.data(), n), t));
    }
    auto flipped = whole;
    flipped[flipped.size() - 3] ^= 1;
    kcoro::decoded_batch f;
    CHECK(kcoro::read_record_batch(flipped, f).err() == kcoro::errc::corrupt_message);
}

TEST_CASE("every codec round-trips and its output decompresses with the reference library") {
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "record-" + std::to_string(i % 97) + ";";
    const auto in = kcoro::as_bytes(text);
    for (auto codec : {kcoro::compression_codec::gzip, kcoro::compression_codec::snappy, kcoro::compression_codec::lz4,
                       kcoro::compression_codec::zstd}) {
        CAPTURE(kcoro::codec_name(codec));
        REQUIRE(kcoro::codec_available(codec));  // the test command installs and links every codec
        kcoro::byte_buffer z;
        REQUIRE(kcoro::compress(codec, in, z));
        CHECK(z.size() < in.size());
        kcoro::byte_buffer back;
        REQUIRE(kcoro::decompress(codec, z.view(), back));
        CHECK(kcoro::as_string_view(back.view()) == text);
        std::vector<char> ref(text.size() + 16);
        std::size_t ref_size = 0;
        switch (codec) {
#if KCORO_HAS_ZSTD
            case kcoro::compression_codec::zstd:
                ref_size = ZSTD_decompress(ref.data(), ref.size(), z.data(), z.size());
                break;
#endif
#if KCORO_HAS_LZ4
            case kcoro::compression_codec::lz4: {
                // FLG byte: bit 5 set = independent blocks, as Kafka readers expect.
                CHECK((z[4] & 0x20) != 0);
                LZ4F_dctx* d;
                LZ4F_createDecompressionContext(&d, LZ4F_VERSION);
                std::size_t dst = ref.size(), src = z.size();
                LZ4F_decompress(d, ref.data(), &dst, z.data(), &src, nullptr);
                LZ4F_freeDecompressionContext(d);
                ref_size = dst;
                break;
            }
#endif
#if KCORO_HAS_ZLIB
            case kcoro::compression_codec::gzip: {
                CHECK(z[0] == 0x1f);
                CHECK(z[1] == 0x8b);
                z_stream s{};
                inflateInit2(&s, 15 + 16);
                s.next_in = z.data();
                s.avail_in = static_cast<uInt>(z.size());
                s.next_out = reinterpret_cast<Bytef*>(ref.data());
                s.avail_out = static_cast<uInt>(ref.size());
                inflate(&s, Z_FINISH);
                ref_size = s.total_out;
                inflateEnd(&s);
                break;
            }
#endif
#if KCORO_HAS_SNAPPY
            case kcoro::compression_codec::snappy: {
                CHECK(std::memcmp(z.data(), "\x82SNAPPY\0", 8) == 0);
                std::size_t pos = 16;
                while (pos < z.size()) {
                    const std::uint32_t n = (std::uint32_t(z[pos]) << 24) | (std::uint32_t(z[pos + 1]) << 16) |
                                            (std::uint32_t(z[pos + 2]) << 8) | z[pos + 3];
                    pos += 4;
                    std::size_t out = ref.size() - ref_size;
                    REQUIRE(snappy_uncompress(reinterpret_cast<const char*>(z.data() + pos), n, ref.data() + ref_size, &out) == SNAPPY_OK);
                    ref_size += out;
                    pos += n;
                }
                break;
            }
#endif
            default:
                break;
        }
        CHECK(std::string_view(ref.data(), ref_size) == text);

        // Inside a batch: the reader decompresses what the builder compressed.
        kcoro::record_batch_builder b;
        for (int i = 0; i < 100; ++i)
            REQUIRE(b.try_append(i, kcoro::as_bytes("k"), kcoro::as_bytes(text.substr(0, 500)), {}, 1 << 20) == kcoro::append_status::appended);
        auto w = b.finish({.codec = codec});
        REQUIRE(w);
        kcoro::decoded_batch d;
        REQUIRE(kcoro::read_record_batch(*w, d));
        CHECK(d.codec == codec);
        CHECK(d.records.size() == 100);
        CHECK(kcoro::as_string_view(*d.records[99].value) == text.substr(0, 500));
    }
}
