// CRC-32 (IEEE, zlib's) for librdkafka's "consistent" partitioners.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"

#include <array>
#include <cstdint>

KCORO_NAMESPACE_BEGIN

namespace detail {
struct crc32_table_t {
    std::array<std::uint32_t, 256> t{};
    constexpr crc32_table_t() {
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
            t[i] = c;
        }
    }
};
inline constexpr crc32_table_t crc32_table{};
}  // namespace detail

inline std::uint32_t crc32_ieee(bytes_view b) noexcept {
    std::uint32_t c = 0xffffffffu;
    for (byte x : b) c = (c >> 8) ^ detail::crc32_table.t[(c ^ x) & 0xff];
    return ~c;
}

KCORO_NAMESPACE_END
