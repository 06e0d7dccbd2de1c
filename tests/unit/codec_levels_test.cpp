// Codecs keep per-thread contexts between batches: alternating levels and codecs, and a failed
// call in between, must still yield frames the reference libraries decode to the input.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <optional>
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

namespace codec_levels_test {

using bytes = std::vector<kcoro::byte>;
using kcoro::compression_codec;

// Decodes with the reference library alone; nullopt when it refuses.
std::optional<bytes> reference_decode(compression_codec c, kcoro::bytes_view in, std::size_t size) {
    bytes out(size + 64);
    switch (c) {
        case compression_codec::none: return bytes(in.begin(), in.end());
        case compression_codec::zstd: {
#if KCORO_HAS_ZSTD
            const std::size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
            if (ZSTD_isError(n)) return std::nullopt;
            out.resize(n);
            return out;
#else
            return std::nullopt;
#endif
        }
        case compression_codec::lz4: {
#if KCORO_HAS_LZ4
            LZ4F_dctx* d = nullptr;
            if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) return std::nullopt;
            std::size_t dst = out.size(), src = in.size();
            const std::size_t rc = LZ4F_decompress(d, out.data(), &dst, in.data(), &src, nullptr);
            LZ4F_freeDecompressionContext(d);
            if (rc != 0 || src != in.size()) return std::nullopt;  // 0: the frame ended, all of it consumed
            out.resize(dst);
            return out;
#else
            return std::nullopt;
#endif
        }
        case compression_codec::gzip: {
#if KCORO_HAS_ZLIB
            z_stream z;
            std::memset(&z, 0, sizeof z);
            if (inflateInit2(&z, 15 + 16) != Z_OK) return std::nullopt;  // gzip wrapper only
            z.next_in = const_cast<Bytef*>(in.data());
            z.avail_in = static_cast<uInt>(in.size());
            z.next_out = out.data();
            z.avail_out = static_cast<uInt>(out.size());
            const int rc = inflate(&z, Z_FINISH);
            const std::size_t n = out.size() - z.avail_out;
            inflateEnd(&z);
            if (rc != Z_STREAM_END || z.avail_in != 0) return std::nullopt;
            out.resize(n);
            return out;
#else
            return std::nullopt;
#endif
        }
        case compression_codec::snappy: {
#if KCORO_HAS_SNAPPY
            // xerial: 8-byte magic, version, compatible, then [be32 length][block]...
            if (in.size() < 16 || std::memcmp(in.data(), "\x82SNAPPY\0", 8) != 0) return std::nullopt;
            bytes result;
            std::size_t pos = 16;
            while (pos < in.size()) {
                if (in.size() - pos < 4) return std::nullopt;
                const std::size_t n = (std::size_t(in[pos]) << 24) | (std::size_t(in[pos + 1]) << 16) |
                                      (std::size_t(in[pos + 2]) << 8) | std::size_t(in[pos + 3]);
                pos += 4;
                if (n > in.size() - pos) return std::nullopt;
                std::size_t len = 0;
                const char* block = reinterpret_cast<const char*>(in.data() + pos);
                if (snappy_uncompressed_length(block, n, &len) != SNAPPY_OK) return std::nullopt;
                const std::size_t at = result.size();
                result.resize(at + len);
                if (snappy_uncompress(block, n, reinterpret_cast<char*>(result.data() + at), &len) != SNAPPY_OK)
                    return std::nullopt;
                pos += n;
            }
            return result;
#else
            return std::nullopt;
#endif
        }
    }
    return std::nullopt;
}

bytes sample(std::size_t n, unsigned seed) {
    bytes b(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (std::size_t i = 0; i < n; ++i) {
        x = x * 1103515245u + 12345u;
        // Mostly text-like runs with some noise: compressible, not trivially so.
        b[i] = (x >> 28) < 3 ? static_cast<kcoro::byte>(x >> 16) : static_cast<kcoro::byte>('a' + (i / 7) % 13);
    }
    return b;
}

TEST_CASE("codec_levels_test: alternating codecs and levels reuse contexts and stay decodable") {
    struct step {
        compression_codec codec;
        std::optional<int> level;
    };
    const step steps[] = {
        {compression_codec::gzip, 1},   {compression_codec::gzip, 9},    {compression_codec::gzip, std::nullopt},
        {compression_codec::gzip, 1},   {compression_codec::lz4, 0},     {compression_codec::lz4, 9},
        {compression_codec::lz4, 0},    {compression_codec::zstd, 1},    {compression_codec::zstd, 19},
        {compression_codec::zstd, -5},  {compression_codec::snappy, {}}, {compression_codec::gzip, 6},
        {compression_codec::lz4, 12},   {compression_codec::zstd, {}},   {compression_codec::none, {}},
    };
    int round = 0;
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{65536},
                                   std::size_t{65537}, std::size_t{300000}}) {
        for (const auto& s : steps) {
            const bytes input = sample(size, static_cast<unsigned>(++round));
            INFO(kcoro::codec_name(s.codec) << " level " << (s.level ? *s.level : 999) << " size " << size);
            kcoro::byte_buffer out;
            out.append("prefix", 6);  // compress appends: what was there stays
            const auto r = kcoro::compress(s.codec, kcoro::bytes_view(input.data(), input.size()), out, s.level);
            if (!kcoro::codec_available(s.codec)) {
                CHECK((r.code() == kcoro::errc::unsupported_compression));
                continue;
            }
            REQUIRE(r);
            REQUIRE(out.size() >= 6);
            CHECK(std::memcmp(out.data(), "prefix", 6) == 0);
            const kcoro::bytes_view frame(out.data() + 6, out.size() - 6);
            const auto decoded = reference_decode(s.codec, frame, input.size());
            REQUIRE(decoded);
            CHECK(*decoded == input);
            kcoro::byte_buffer back;
            REQUIRE(kcoro::decompress(s.codec, frame, back));
            CHECK(bytes(back.begin(), back.end()) == input);
        }
    }
}

TEST_CASE("codec_levels_test: a refused level fails cleanly and the next call succeeds") {
#if KCORO_HAS_ZLIB
    const bytes input = sample(5000, 99);
    kcoro::byte_buffer out;
    const auto bad = kcoro::compress(compression_codec::gzip, kcoro::bytes_view(input.data(), input.size()), out, 42);
    CHECK_FALSE(bad);
    CHECK((bad.code() == kcoro::errc::compression_failed));
    CHECK(out.empty());
    REQUIRE(kcoro::compress(compression_codec::gzip, kcoro::bytes_view(input.data(), input.size()), out, 5));
    const auto decoded = reference_decode(compression_codec::gzip, out.view(), input.size());
    REQUIRE(decoded);
    CHECK(*decoded == input);
#else
    kcoro::byte_buffer out;
    CHECK((kcoro::compress(compression_codec::gzip, kcoro::bytes_view{}, out).code() == kcoro::errc::unsupported_compression));
#endif
}

}  // namespace codec_levels_test
