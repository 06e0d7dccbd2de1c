// Compression codecs for record batches, chosen at run time among those compiled in:
// none, gzip (zlib), snappy (xerial framing, as the Java client writes it), lz4 (LZ4 frame with
// independent 64 KB blocks) and zstd. Each library is used only when KCORO_HAS_<CODEC> is 1.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"

#include <cstdint>
#include <cstring>
#include <optional>

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

KCORO_NAMESPACE_BEGIN

// Values are Kafka's attribute ids.
enum class compression_codec : std::uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

constexpr bool codec_available(compression_codec c) noexcept {
    switch (c) {
        case compression_codec::none: return true;
        case compression_codec::gzip: return KCORO_HAS_ZLIB != 0;
        case compression_codec::snappy: return KCORO_HAS_SNAPPY != 0;
        case compression_codec::lz4: return KCORO_HAS_LZ4 != 0;
        case compression_codec::zstd: return KCORO_HAS_ZSTD != 0;
    }
    return false;
}

constexpr const char* codec_name(compression_codec c) noexcept {
    switch (c) {
        case compression_codec::none: return "none";
        case compression_codec::gzip: return "gzip";
        case compression_codec::snappy: return "snappy";
        case compression_codec::lz4: return "lz4";
        case compression_codec::zstd: return "zstd";
    }
    return "?";
}

// The levels a codec takes; none for a codec without levels (none, snappy) or not compiled in.
// gzip and zstd take zlib's and libzstd's whole ranges, as the Java client does (KIP-390); lz4
// takes liblz4's 1 to 12, since liblz4 compresses any higher level as 12 (the Java client's lz4
// allows up to 17).
struct compression_level_range {
    int min = 0;
    int max = 0;
};

inline std::optional<compression_level_range> compression_levels(compression_codec c) noexcept {
    switch (c) {
        case compression_codec::gzip:
#if KCORO_HAS_ZLIB
            return compression_level_range{Z_BEST_SPEED, Z_BEST_COMPRESSION};
#else
            return std::nullopt;
#endif
        case compression_codec::lz4:
#if KCORO_HAS_LZ4
            return compression_level_range{1, LZ4F_compressionLevel_max()};
#else
            return std::nullopt;
#endif
        case compression_codec::zstd:
#if KCORO_HAS_ZSTD
            return compression_level_range{ZSTD_minCLevel(), ZSTD_maxCLevel()};
#else
            return std::nullopt;
#endif
        case compression_codec::none:
        case compression_codec::snappy: return std::nullopt;
    }
    return std::nullopt;
}

namespace detail {
inline error codec_missing(compression_codec c) {
    return error(errc::unsupported_compression, std::string(codec_name(c)) + " was not compiled in");
}
inline void put_be32(byte* p, std::uint32_t v) {
    p[0] = static_cast<byte>(v >> 24);
    p[1] = static_cast<byte>(v >> 16);
    p[2] = static_cast<byte>(v >> 8);
    p[3] = static_cast<byte>(v);
}
inline std::uint32_t get_be32(const byte* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}
inline constexpr byte xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
// Decompressed output larger than this is refused: a hostile or corrupt batch cannot make a
// reader allocate without bound.
inline constexpr std::size_t max_decompressed = 256u * 1024 * 1024;

#if KCORO_HAS_ZSTD
// One context per thread, reused: no allocation per batch in steady state.
struct zstd_contexts {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    ZSTD_DCtx* d = ZSTD_createDCtx();
    ~zstd_contexts() {
        ZSTD_freeCCtx(c);
        ZSTD_freeDCtx(d);
    }
};
inline zstd_contexts& zstd_ctx() {
    thread_local zstd_contexts ctx;
    return ctx;
}
#endif
#if KCORO_HAS_LZ4
// A frame compression context per thread, reused: LZ4F_compressFrame would set one up per call
// (and allocate for the HC levels).
struct lz4_compression_context {
    LZ4F_cctx* c = nullptr;
    lz4_compression_context() {
        if (LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION))) c = nullptr;
    }
    ~lz4_compression_context() { LZ4F_freeCompressionContext(c); }
};
inline LZ4F_cctx* lz4_cctx() {
    thread_local lz4_compression_context ctx;
    return ctx.c;
}
#endif
#if KCORO_HAS_ZLIB
// deflateInit2 allocates about 256 KiB; one stream per thread is reset between batches instead,
// and set up again only when the level changes.
struct zlib_deflate_stream {
    z_stream z;
    bool ready = false;
    int level = 0;
    ~zlib_deflate_stream() {
        if (ready) deflateEnd(&z);
    }
    z_stream* get(int lvl) {
        if (ready && level == lvl && deflateReset(&z) == Z_OK) return &z;
        if (ready) deflateEnd(&z);
        ready = false;
        std::memset(&z, 0, sizeof z);
        // windowBits 15 + 16: a gzip header and trailer, as Kafka's GZIPOutputStream writes.
        if (deflateInit2(&z, lvl, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return nullptr;
        ready = true;
        level = lvl;
        return &z;
    }
};
inline z_stream* zlib_deflater(int level) {
    thread_local zlib_deflate_stream stream;
    return stream.get(level);
}
#endif
}  // namespace detail

// Appends the compressed form of `in` to `out`. `level` unset: the codec's default.
inline result<void> compress(compression_codec codec, bytes_view in, byte_buffer& out, std::optional<int> level = {}) {
    (void)level;  // unused when no codec that takes a level is compiled in
    switch (codec) {
        case compression_codec::none:
            out.append(in);
            return ok();
        case compression_codec::zstd: {
#if KCORO_HAS_ZSTD
            const std::size_t bound = ZSTD_compressBound(in.size());
            const std::size_t start = out.size();
            out.resize(start + bound);
            const std::size_t n = ZSTD_compressCCtx(detail::zstd_ctx().c, out.data() + start, bound, in.data(), in.size(),
                                                    level.value_or(3));
            if (ZSTD_isError(n)) {
                out.resize(start);
                return error(errc::compression_failed, ZSTD_getErrorName(n));
            }
            out.resize(start + n);
            return ok();
#else
            return detail::codec_missing(codec);
#endif
        }
        case compression_codec::lz4: {
#if KCORO_HAS_LZ4
            LZ4F_preferences_t prefs;
            std::memset(&prefs, 0, sizeof prefs);
            prefs.frameInfo.blockSizeID = LZ4F_max64KB;
            prefs.frameInfo.blockMode = LZ4F_blockIndependent;  // Kafka readers expect independent blocks
            prefs.compressionLevel = level.value_or(0);
            prefs.autoFlush = 1;  // nothing held back in the context between calls
            LZ4F_cctx* cctx = detail::lz4_cctx();
            if (cctx == nullptr) return error(errc::compression_failed, "lz4: no compression context");
            const std::size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
            const std::size_t start = out.size();
            out.resize(start + bound);
            byte* dst = out.data() + start;
            std::size_t n = LZ4F_compressBegin(cctx, dst, bound, &prefs);
            if (!LZ4F_isError(n)) {
                std::size_t at = n;
                n = LZ4F_compressUpdate(cctx, dst + at, bound - at, in.data(), in.size(), nullptr);
                if (!LZ4F_isError(n)) {
                    at += n;
                    n = LZ4F_compressEnd(cctx, dst + at, bound - at, nullptr);
                    if (!LZ4F_isError(n)) n += at;
                }
            }
            if (LZ4F_isError(n)) {
                out.resize(start);
                return error(errc::compression_failed, LZ4F_getErrorName(n));
            }
            out.resize(start + n);
            return ok();
#else
            return detail::codec_missing(codec);
#endif
        }
        case compression_codec::gzip: {
#if KCORO_HAS_ZLIB
            z_stream* z = detail::zlib_deflater(level.value_or(Z_DEFAULT_COMPRESSION));
            if (z == nullptr) return error(errc::compression_failed, "gzip: deflateInit2 (bad level?)");
            const std::size_t bound = deflateBound(z, static_cast<uLong>(in.size()));
            const std::size_t start = out.size();
            out.resize(start + bound);
            z->next_in = const_cast<Bytef*>(in.data());
            z->avail_in = static_cast<uInt>(in.size());
            z->next_out = out.data() + start;
            z->avail_out = static_cast<uInt>(bound);
            const int rc = deflate(z, Z_FINISH);
            const std::size_t n = bound - z->avail_out;
            if (rc != Z_STREAM_END) {
                out.resize(start);
                return error(errc::compression_failed, "deflate");
            }
            out.resize(start + n);
            return ok();
#else
            return detail::codec_missing(codec);
#endif
        }
        case compression_codec::snappy: {
#if KCORO_HAS_SNAPPY
            // xerial framing: magic, version 1, compatible 1, then [be32 length][snappy block] of
            // at most 32 KiB of input each (the block size the Java client uses).
            const std::size_t start = out.size();
            out.append(detail::xerial_magic, 8);
            byte v[8];
            detail::put_be32(v, 1);
            detail::put_be32(v + 4, 1);
            out.append(v, 8);
            std::size_t pos = 0;
            do {
                const std::size_t chunk = std::min<std::size_t>(32 * 1024, in.size() - pos);
                std::size_t max = snappy_max_compressed_length(chunk);
                const std::size_t at = out.size();
                out.resize(at + 4 + max);
                if (snappy_compress(reinterpret_cast<const char*>(in.data() + pos), chunk,
                                    reinterpret_cast<char*>(out.data() + at + 4), &max) != SNAPPY_OK) {
                    out.resize(start);
                    return error(errc::compression_failed, "snappy_compress");
                }
                detail::put_be32(out.data() + at, static_cast<std::uint32_t>(max));
                out.resize(at + 4 + max);
                pos += chunk;
            } while (pos < in.size());
            return ok();
#else
            return detail::codec_missing(codec);
#endif
        }
    }
    return error(errc::unsupported_compression, "unknown codec");
}

// Appends the decompressed form of `in` to `out`.
inline result<void> decompress(compression_codec codec, bytes_view in, byte_buffer& out) {
    switch (codec) {
        case compression_codec::none:
            out.append(in);
            return ok();
        case compression_codec::zstd: {
#if KCORO_HAS_ZSTD
            ZSTD_inBuffer zin{in.data(), in.size(), 0};
            ZSTD_DCtx* d = detail::zstd_ctx().d;
            ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
            for (;;) {
                const std::size_t at = out.size();
                if (at > detail::max_decompressed) return error(errc::compression_failed, "zstd: too large");
                out.resize(at + 64 * 1024);
                ZSTD_outBuffer zout{out.data() + at, 64 * 1024, 0};
                const std::size_t rc = ZSTD_decompressStream(d, &zout, &zin);
                out.resize(at + zout.pos);
                if (ZSTD_isError(rc)) return error(errc::compression_failed, ZSTD_getErrorName(rc));
                if (rc == 0) return ok();
                if (zin.pos == zin.size && zout.pos < zout.size) return error(errc::compression_failed, "zstd: truncated");
            }
#else
            return detail::codec_missing(codec);
#endif
        }
        case compression_codec::lz4: {
#if KCORO_HAS_LZ4
            LZ4F_dctx* d = nullptr;
            if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) return error(errc::compression_failed, "lz4 ctx");
            std::size_t pos = 0;
            std::size_t hint = 1;
            while (pos < in.size() && hint != 0) {
                const std::size_t at = out.size();
                if (at > detail::max_decompressed) {
                    LZ4F_freeDecompressionContext(d);
                    return error(errc::compression_failed, "lz4: too large");
                }
                out.resize(at + 64 * 1024);
                std::size_t dst = 64 * 1024, src = in.size() - pos;
                hint = LZ4F_decompress(d, out.data() + at, &dst, in.data() + pos, &src, nullptr);
                out.resize(at + dst);
                pos += src;
                if (LZ4F_isError(hint)) {
                    LZ4F_freeDecompressionContext(d);
                    return error(errc::compression_failed, LZ4F_getErrorName(hint));
                }
                if (src == 0 && dst == 0) break;
            }
            LZ4F_freeDecompressionContext(d);
            if (hint != 0) return error(errc::compression_failed, "lz4: truncated frame");
            return ok();
#else
            return detail::codec_missing(codec);
#endif
        }
        case compression_codec::gzip: {
#if KCORO_HAS_ZLIB
            z_stream z;
            std::memset(&z, 0, sizeof z);
            if (inflateInit2(&z, 15 + 32) != Z_OK) return error(errc::compression_failed, "inflateInit2");
            z.next_in = const_cast<Bytef*>(in.data());
            z.avail_in = static_cast<uInt>(in.size());
            int rc = Z_OK;
            while (rc != Z_STREAM_END) {
                const std::size_t at = out.size();
                if (at > detail::max_decompressed) break;
                out.resize(at + 64 * 1024);
                z.next_out = out.data() + at;
                z.avail_out = 64 * 1024;
                rc = inflate(&z, Z_NO_FLUSH);
                out.resize(at + 64 * 1024 - z.avail_out);
                if (rc != Z_OK && rc != Z_STREAM_END) break;
                if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;
            }
            inflateEnd(&z);
            if (rc != Z_STREAM_END) return error(errc::compression_failed, "gzip: corrupt or truncated");
            return ok();
#else
            return detail::codec_missing(codec);
#endif
        }
        case compression_codec::snappy: {
#if KCORO_HAS_SNAPPY
            auto raw = [&](const byte* p, std::size_t n) -> result<void> {
                std::size_t len = 0;
                if (snappy_uncompressed_length(reinterpret_cast<const char*>(p), n, &len) != SNAPPY_OK ||
                    len > detail::max_decompressed)
                    return error(errc::compression_failed, "snappy: bad block");
                const std::size_t at = out.size();
                out.resize(at + len);
                if (snappy_uncompress(reinterpret_cast<const char*>(p), n, reinterpret_cast<char*>(out.data() + at), &len) !=
                    SNAPPY_OK)
                    return error(errc::compression_failed, "snappy: corrupt block");
                out.resize(at + len);
                return ok();
            };
            if (in.size() >= 16 && std::memcmp(in.data(), detail::xerial_magic, 8) == 0) {
                std::size_t pos = 16;
                while (pos < in.size()) {
                    if (in.size() - pos < 4) return error(errc::compression_failed, "snappy: truncated chunk");
                    const std::uint32_t n = detail::get_be32(in.data() + pos);
                    pos += 4;
                    if (n > in.size() - pos) return error(errc::compression_failed, "snappy: truncated chunk");
                    KCORO_TRY(raw(in.data() + pos, n));
                    pos += n;
                }
                return ok();
            }
            return raw(in.data(), in.size());
#else
            return detail::codec_missing(codec);
#endif
        }
    }
    return error(errc::unsupported_compression, "unknown codec");
}

KCORO_NAMESPACE_END
