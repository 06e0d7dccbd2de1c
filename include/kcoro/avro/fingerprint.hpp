// CRC-64-AVRO, the 64-bit Rabin fingerprint the Avro specification defines for schemas: taken of
// a schema's Parsing Canonical Form, it is the same for every writing of the same schema, and is
// what Avro's single-object encoding and schema caches key on.
#pragma once

#include "../detail/prelude.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN
namespace avro {

namespace detail {
inline constexpr std::uint64_t fingerprint64_empty = 0xc15d213aa4d7a795ULL;

constexpr std::array<std::uint64_t, 256> make_fingerprint64_table() noexcept {
    std::array<std::uint64_t, 256> t{};
    for (std::uint64_t i = 0; i < 256; ++i) {
        std::uint64_t fp = i;
        for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (fingerprint64_empty & (0 - (fp & 1)));
        t[i] = fp;
    }
    return t;
}
inline constexpr std::array<std::uint64_t, 256> fingerprint64_table = make_fingerprint64_table();
}  // namespace detail

// The CRC-64-AVRO fingerprint of the bytes of `text` (a schema's canonical form).
constexpr std::uint64_t fingerprint64(std::string_view text) noexcept {
    std::uint64_t fp = detail::fingerprint64_empty;
    for (const char c : text) fp = (fp >> 8) ^ detail::fingerprint64_table[(fp ^ static_cast<unsigned char>(c)) & 0xff];
    return fp;
}

}  // namespace avro
KCORO_NAMESPACE_END
