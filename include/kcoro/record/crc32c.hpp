// CRC-32C (Castagnoli), the checksum of RecordBatch v2. On x86-64 CPUs with SSE4.2 the crc32
// instruction does the work (chosen once at run time, three lanes at a time on long inputs);
// elsewhere a slicing-by-8 table.
#pragma once

#include "../detail/prelude.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define KCORO_CRC32C_X86 1
#else
#define KCORO_CRC32C_X86 0
#endif

KCORO_NAMESPACE_BEGIN

namespace detail {

struct crc32c_tables {
    std::array<std::array<std::uint32_t, 256>, 8> t{};
    constexpr crc32c_tables() {
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            t[0][i] = c;
        }
        for (std::uint32_t i = 0; i < 256; ++i)
            for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
};
inline constexpr crc32c_tables crc32c_table{};

// Continues a CRC (pre-inverted state in, pre-inverted state out).
inline std::uint32_t crc32c_update_portable(std::uint32_t crc, const unsigned char* p, std::size_t n) noexcept {
    const auto& t = crc32c_table.t;
    while (n >= 8) {
        std::uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + 4, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        lo = __builtin_bswap32(lo);
        hi = __builtin_bswap32(hi);
#endif
        lo ^= crc;
        crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^ t[3][hi & 0xff] ^
              t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
    return crc;
}

#if KCORO_CRC32C_X86
// The crc32 instruction has a latency of three cycles and a throughput of one, so one dependency
// chain uses a third of it. Long inputs are cut into three lanes CRC'd side by side; the lanes
// are then joined by "shifting" a CRC over a lane's length of zero bytes, a linear map on the
// 32-bit state that four 256-entry tables apply.
struct crc32c_shift_table {
    std::array<std::array<std::uint32_t, 256>, 4> t{};
    explicit crc32c_shift_table(std::size_t zero_bytes) noexcept {
        static constexpr unsigned char zeros[256] = {};
        std::uint32_t basis[32];
        for (int bit = 0; bit < 32; ++bit) {
            std::uint32_t c = 1u << bit;
            for (std::size_t left = zero_bytes; left > 0; left -= std::min<std::size_t>(left, sizeof zeros))
                c = crc32c_update_portable(c, zeros, std::min<std::size_t>(left, sizeof zeros));
            basis[bit] = c;
        }
        for (std::size_t k = 0; k < 4; ++k)
            for (std::uint32_t b = 0; b < 256; ++b) {
                std::uint32_t v = 0;
                for (int bit = 0; bit < 8; ++bit)
                    if (b & (1u << bit)) v ^= basis[8 * k + static_cast<std::size_t>(bit)];
                t[k][b] = v;
            }
    }
    std::uint32_t operator()(std::uint32_t c) const noexcept {
        return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
    }
};

inline constexpr std::size_t crc32c_long_lane = 2048;
inline constexpr std::size_t crc32c_short_lane = 256;

inline const crc32c_shift_table& crc32c_long_shift() noexcept {
    static const crc32c_shift_table table(crc32c_long_lane);
    return table;
}
inline const crc32c_shift_table& crc32c_short_shift() noexcept {
    static const crc32c_shift_table table(crc32c_short_lane);
    return table;
}

template <std::size_t Lane>
__attribute__((target("sse4.2"))) inline std::uint32_t crc32c_three_lanes(std::uint32_t crc, const unsigned char*& p,
                                                                          std::size_t& n,
                                                                          const crc32c_shift_table& shift) noexcept {
    while (n >= 3 * Lane) {
        std::uint64_t a = crc, b = 0, c = 0;
        for (std::size_t i = 0; i < Lane; i += 8) {
            std::uint64_t va, vb, vc;
            std::memcpy(&va, p + i, 8);
            std::memcpy(&vb, p + Lane + i, 8);
            std::memcpy(&vc, p + 2 * Lane + i, 8);
            a = _mm_crc32_u64(a, va);
            b = _mm_crc32_u64(b, vb);
            c = _mm_crc32_u64(c, vc);
        }
        crc = shift(static_cast<std::uint32_t>(a)) ^ static_cast<std::uint32_t>(b);
        crc = shift(crc) ^ static_cast<std::uint32_t>(c);
        p += 3 * Lane;
        n -= 3 * Lane;
    }
    return crc;
}

__attribute__((target("sse4.2"))) inline std::uint32_t crc32c_update_sse42(std::uint32_t crc, const unsigned char* p,
                                                                           std::size_t n) noexcept {
    if (n >= 3 * crc32c_long_lane) crc = crc32c_three_lanes<crc32c_long_lane>(crc, p, n, crc32c_long_shift());
    if (n >= 3 * crc32c_short_lane) crc = crc32c_three_lanes<crc32c_short_lane>(crc, p, n, crc32c_short_shift());
    std::uint64_t c = crc;
    while (n >= 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    auto c32 = static_cast<std::uint32_t>(c);
    while (n--) c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}
inline bool cpu_has_sse42() noexcept {
    static const bool has = __builtin_cpu_supports("sse4.2");
    return has;
}
#endif

}  // namespace detail

inline bool crc32c_hardware_accelerated() noexcept {
#if KCORO_CRC32C_X86
    return detail::cpu_has_sse42();
#else
    return false;
#endif
}

inline std::uint32_t crc32c_portable(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept {
    return ~detail::crc32c_update_portable(~crc, static_cast<const unsigned char*>(data), n);
}

// crc32c(data) or, with a previous result as `crc`, the CRC of the concatenation.
inline std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept {
#if KCORO_CRC32C_X86
    if (detail::cpu_has_sse42()) return ~detail::crc32c_update_sse42(~crc, static_cast<const unsigned char*>(data), n);
#endif
    return crc32c_portable(data, n, crc);
}

KCORO_NAMESPACE_END
