// Base64 (RFC 4648): the standard alphabet, padded, for SCRAM's messages and HTTP Basic
// credentials; the URL alphabet, unpadded, for the segments of a JSON Web Token (RFC 7515).
#pragma once

#include "../error.hpp"
#include "../result.hpp"
#include "prelude.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN
namespace detail {

inline void base64_encode_with(std::string& out, const unsigned char* p, std::size_t n, const char* alphabet, bool pad) {
    out.reserve(out.size() + (n + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (n - i == 1) {
        const std::uint32_t v = std::uint32_t{p[i]} << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (n - i == 2) {
        const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        if (pad) out += '=';
    }
}

inline void base64_encode_into(std::string& out, const unsigned char* p, std::size_t n) {
    base64_encode_with(out, p, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

inline void base64url_encode_into(std::string& out, const unsigned char* p, std::size_t n) {
    base64_encode_with(out, p, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false);
}

constexpr int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Strict: padded, canonical (unused low bits zero), no whitespace. A SCRAM server that sends
// anything else is not speaking SCRAM, and leniency here would only widen what a fuzzer can reach.
inline result<std::string> base64_decode(std::string_view in) {
    if (in.size() % 4 != 0) return error(errc::malformed_response, "base64: length is not a multiple of 4");
    std::string out;
    out.reserve(in.size() / 4 * 3);
    for (std::size_t i = 0; i < in.size(); i += 4) {
        const bool last = i + 4 == in.size();
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = in[i + static_cast<std::size_t>(k)];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            if (pad != 0) return error(errc::malformed_response, "base64: data after padding");
            v[k] = base64_value(c);
            if (v[k] < 0) return error(errc::malformed_response, "base64: invalid character");
        }
        const std::uint32_t w = (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
                                (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
        if ((pad == 1 && (w & 0xffu) != 0) || (pad == 2 && (w & 0xffffu) != 0))
            return error(errc::malformed_response, "base64: non-canonical padding bits");
        out += static_cast<char>((w >> 16) & 0xff);
        if (pad < 2) out += static_cast<char>((w >> 8) & 0xff);
        if (pad < 1) out += static_cast<char>(w & 0xff);
    }
    return out;
}

}  // namespace detail
KCORO_NAMESPACE_END
