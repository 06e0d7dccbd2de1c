// Compression codecs: each round-trips through the record batch reader, and what kcoro writes is
// checked with the reference library called directly (framing included: LZ4 frame with
// independent blocks, gzip header, xerial snappy framing, zstd frame). A codec not compiled in
// must say so with errc::unsupported_compression.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

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

namespace codec_test {

using bytes = std::vector<kcoro::byte>;
using kcoro::compression_codec;

std::uint32_t be32(const kcoro::byte* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

// A batch of `n` records with repetitive but not constant content (so it compresses).
void fill(kcoro::record_batch_builder& b, int n) {
    for (int i = 0; i < n; ++i) {
        const std::string k = "key-" + std::to_string(i % 50);
        const std::string v = "value " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(20 + i % 200), 'x');
        REQUIRE(b.try_append(1700000000000 + i, kcoro::as_bytes(k), kcoro::as_bytes(v), {}, 1u << 30) ==
                kcoro::append_status::appended);
    }
}

// The uncompressed records section of the same batch.
bytes plain_records(int n) {
    kcoro::record_batch_builder b;
    fill(b, n);
    auto fin = b.finish({});
    REQUIRE(fin);
    return bytes(fin->begin() + 61, fin->end());
}

// Decompresses with the reference library directly.
bytes reference_decompress(compression_codec c, const bytes& in, std::size_t expected_size) {
    (void)expected_size;  // unused when no codec library is compiled in
    bytes out;
    switch (c) {
        case compression_codec::none: return in;
        case compression_codec::zstd: {
#if KCORO_HAS_ZSTD
            const auto size = ZSTD_getFrameContentSize(in.data(), in.size());
            REQUIRE(size != ZSTD_CONTENTSIZE_ERROR);
            out.resize(expected_size + 16);
            const std::size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
            REQUIRE_FALSE(ZSTD_isError(n));
            out.resize(n);
#endif
            break;
        }
        case compression_codec::lz4: {
#if KCORO_HAS_LZ4
            // Frame header: magic 0x184D2204 (LE), FLG with version 01 and block independence
            // (bit 5), BD with block max size 64 KB (4 << 4).
            REQUIRE(in.size() >= 7);
            CHECK(in[0] == 0x04);
            CHECK(in[1] == 0x22);
            CHECK(in[2] == 0x4d);
            CHECK(in[3] == 0x18);
            CHECK((in[4] >> 6) == 0x1);
            CHECK((in[4] & 0x20) == 0x20);
            CHECK(in[5] == 0x40);
            LZ4F_dctx* d = nullptr;
            REQUIRE_FALSE(LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)));
            out.resize(expected_size + 16);
            std::size_t dst = out.size(), src = in.size();
            const std::size_t rc = LZ4F_decompress(d, out.data(), &dst, in.data(), &src, nullptr);
            LZ4F_freeDecompressionContext(d);
            REQUIRE_FALSE(LZ4F_isError(rc));
            CHECK(rc == 0);  // the frame is complete
            CHECK(src == in.size());
            out.resize(dst);
#endif
            break;
        }
        case compression_codec::gzip: {
#if KCORO_HAS_ZLIB
            REQUIRE(in.size() >= 18);
            CHECK(in[0] == 0x1f);  // gzip magic
            CHECK(in[1] == 0x8b);
            CHECK(in[2] == 0x08);  // deflate
            z_stream z;
            std::memset(&z, 0, sizeof z);
            REQUIRE(inflateInit2(&z, 16 + 15) == Z_OK);  // gzip only, not zlib or raw
            out.resize(expected_size + 16);
            z.next_in = const_cast<Bytef*>(in.data());
            z.avail_in = static_cast<uInt>(in.size());
            z.next_out = out.data();
            z.avail_out = static_cast<uInt>(out.size());
            const int rc = inflate(&z, Z_FINISH);
            const auto n = out.size() - z.avail_out;
            inflateEnd(&z);
            REQUIRE(rc == Z_STREAM_END);
            CHECK(z.avail_in == 0);
            out.resize(n);
            // The trailer's ISIZE is the uncompressed length mod 2^32, little-endian.
            const auto* t = in.data() + in.size() - 4;
            CHECK((std::uint32_t(t[0]) | std::uint32_t(t[1]) << 8 | std::uint32_t(t[2]) << 16 | std::uint32_t(t[3]) << 24) ==
                  static_cast<std::uint32_t>(n));
#endif
            break;
        }
        case compression_codec::snappy: {
#if KCORO_HAS_SNAPPY
            // xerial: "\x82SNAPPY\0", int32 version 1, int32 compatible 1, then [int32 length][block]...
            static const kcoro::byte magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
            REQUIRE(in.size() >= 16);
            CHECK(std::memcmp(in.data(), magic, 8) == 0);
            CHECK(be32(in.data() + 8) == 1);
            CHECK(be32(in.data() + 12) == 1);
            std::size_t pos = 16;
            int chunks = 0;
            while (pos < in.size()) {
                REQUIRE(in.size() - pos >= 4);
                const std::uint32_t n = be32(in.data() + pos);
                pos += 4;
                REQUIRE(n <= in.size() - pos);
                std::size_t len = 0;
                REQUIRE(snappy_uncompressed_length(reinterpret_cast<const char*>(in.data() + pos), n, &len) == SNAPPY_OK);
                CHECK(len <= 32 * 1024);
                const auto at = out.size();
                out.resize(at + len);
                REQUIRE(snappy_uncompress(reinterpret_cast<const char*>(in.data() + pos), n,
                                          reinterpret_cast<char*>(out.data() + at), &len) == SNAPPY_OK);
                pos += n;
                ++chunks;
            }
            if (expected_size > 0) CHECK(chunks == static_cast<int>((expected_size + 32 * 1024 - 1) / (32 * 1024)));
            else CHECK(chunks <= 1);
#endif
            break;
        }
    }
    return out;
}

const compression_codec all_codecs[] = {compression_codec::gzip, compression_codec::snappy, compression_codec::lz4,
                                        compression_codec::zstd};

TEST_CASE("codec_test: every compiled-in codec round-trips through the reader and the reference library") {
    for (int n : {1, 10, 1000}) {
        const bytes plain = plain_records(n);
        for (auto c : all_codecs) {
            INFO(std::string(kcoro::codec_name(c)) << ", " << n << " records, " << plain.size() << " bytes uncompressed");
            kcoro::record_batch_builder b;
            fill(b, n);
            kcoro::batch_finish_params params;
            params.codec = c;
            params.producer_id = 3;
            params.producer_epoch = 1;
            params.base_sequence = 0;
            auto fin = b.finish(params);
            if (!kcoro::codec_available(c)) {
                REQUIRE_FALSE(fin);
                CHECK(fin.err() == kcoro::errc::unsupported_compression);
                continue;
            }
            REQUIRE(fin);
            const bytes batch(fin->begin(), fin->end());
            // Attributes carry the codec id; the header stays uncompressed.
            CHECK((batch[22] & 0x7) == static_cast<int>(c));
            CHECK(batch[16] == 2);
            CHECK(be32(batch.data() + 8) == batch.size() - 12);
            CHECK(be32(batch.data() + 57) == static_cast<std::uint32_t>(n));
            if (n == 1000) CHECK(batch.size() - 61 < plain.size() / 2);  // it did compress

            const bytes compressed(batch.begin() + 61, batch.end());
            CHECK(reference_decompress(c, compressed, plain.size()) == plain);

            kcoro::decoded_batch d;
            REQUIRE(kcoro::read_record_batch(*fin, d));
            CHECK(d.codec == c);
            REQUIRE(d.records.size() == static_cast<std::size_t>(n));
            CHECK(d.records.back().offset == n - 1);
            CHECK(kcoro::as_string_view(*d.records.back().key) == "key-" + std::to_string((n - 1) % 50));
            CHECK(kcoro::as_string_view(*d.records.front().value).substr(0, 8) == "value 0 ");
        }
    }
}

TEST_CASE("codec_test: compress and decompress are inverse on awkward sizes") {
    std::vector<kcoro::byte> data(200000);
    std::uint32_t x = 1;
    for (auto& b : data) {
        x = x * 1103515245u + 12345u;
        b = static_cast<kcoro::byte>((x >> 16) % 7 == 0 ? (x >> 8) : 'a');
    }
    for (auto c : all_codecs) {
        if (!kcoro::codec_available(c)) {
            kcoro::byte_buffer out;
            CHECK(kcoro::compress(c, kcoro::bytes_view(data.data(), 10), out).err() == kcoro::errc::unsupported_compression);
            continue;
        }
        // 0 bytes, one byte, block boundaries (32 KiB snappy, 64 KiB lz4 and the decoders' chunks) and more.
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{32768}, std::size_t{32769}, std::size_t{65536},
                              std::size_t{65537}, std::size_t{200000}}) {
            INFO(std::string(kcoro::codec_name(c)) << " " << n << " bytes");
            kcoro::byte_buffer comp, back;
            REQUIRE(kcoro::compress(c, kcoro::bytes_view(data.data(), n), comp));
            CHECK(reference_decompress(c, bytes(comp.begin(), comp.end()), n) == bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n)));
            REQUIRE(kcoro::decompress(c, comp.view(), back));
            CHECK(bytes(back.begin(), back.end()) == bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n)));
            // A truncated stream never decompresses to the whole input. zstd, lz4 and gzip frames
            // end with a marker or trailer, so every truncation fails; xerial snappy has no end
            // marker and a cut at a chunk boundary is a valid, shorter stream.
            if (n == 32769) {
                for (std::size_t cut = 0; cut < comp.size(); cut += (cut < 64 ? 1 : 97)) {
                    INFO("cut at " << cut << " of " << comp.size());
                    kcoro::byte_buffer partial;
                    auto r = kcoro::decompress(c, comp.view().first(cut), partial);
                    if (c == compression_codec::snappy && r) CHECK(partial.size() < n);
                    else CHECK_FALSE(r);
                }
            }
        }
    }
}

TEST_CASE("codec_test: a batch re-finished with the same codec, or none, still holds the same records") {
    const bytes plain = plain_records(300);
    for (auto c : all_codecs) {
        if (!kcoro::codec_available(c)) continue;
        INFO(std::string(kcoro::codec_name(c)));
        kcoro::record_batch_builder b;
        fill(b, 300);
        kcoro::batch_finish_params params;
        params.codec = c;
        for (int round = 0; round < 2; ++round) {
            auto fin = b.finish(params);
            REQUIRE(fin);
            CHECK(reference_decompress(c, bytes(fin->begin() + 61, fin->end()), plain.size()) == plain);
            kcoro::decoded_batch d;
            REQUIRE(kcoro::read_record_batch(*fin, d));
            CHECK(d.records.size() == 300);
            auto none = b.finish({});
            REQUIRE(none);
            CHECK(bytes(none->begin() + 61, none->end()) == plain);
        }
    }
}

// A finished batch can be finished again with another codec: going from one codec straight to
// another compresses the plain records, never the previous codec's output.
TEST_CASE("codec_test: a batch re-finished with a different codec still holds the same records") {
    const bytes plain = plain_records(300);
    kcoro::record_batch_builder b;
    fill(b, 300);
    for (auto c : all_codecs) {
        if (!kcoro::codec_available(c)) continue;
        INFO(std::string(kcoro::codec_name(c)));
        kcoro::batch_finish_params params;
        params.codec = c;
        auto fin = b.finish(params);
        REQUIRE(fin);
        CHECK(reference_decompress(c, bytes(fin->begin() + 61, fin->end()), plain.size()) == plain);
        kcoro::decoded_batch d;
        REQUIRE(kcoro::read_record_batch(*fin, d));
        CHECK(d.records.size() == 300);
    }
    auto none = b.finish({});
    REQUIRE(none);
    CHECK(bytes(none->begin() + 61, none->end()) == plain);
}

TEST_CASE("codec_test: a compressed batch with a corrupt payload and a valid CRC is rejected") {
    for (auto c : all_codecs) {
        if (!kcoro::codec_available(c)) continue;
        INFO(std::string(kcoro::codec_name(c)));
        kcoro::record_batch_builder b;
        fill(b, 50);
        kcoro::batch_finish_params params;
        params.codec = c;
        auto fin = b.finish(params);
        REQUIRE(fin);
        bytes bad(fin->begin(), fin->end());
        // Cut the compressed section in half and fix up length and CRC: only decompression can notice.
        bad.resize(61 + (bad.size() - 61) / 2);
        const auto len = static_cast<std::uint32_t>(bad.size() - 12);
        for (int i = 0; i < 4; ++i) bad[8 + static_cast<std::size_t>(i)] = static_cast<kcoro::byte>(len >> (24 - 8 * i));
        const auto crc = kcoro::crc32c(bad.data() + 21, bad.size() - 21);
        for (int i = 0; i < 4; ++i) bad[17 + static_cast<std::size_t>(i)] = static_cast<kcoro::byte>(crc >> (24 - 8 * i));
        kcoro::decoded_batch d;
        CHECK_FALSE(kcoro::read_record_batch(kcoro::bytes_view(bad.data(), bad.size()), d));
    }
}

}  // namespace codec_test
