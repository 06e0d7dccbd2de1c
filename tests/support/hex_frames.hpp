// Frames written out as hex in tests: the expected bytes of an encoder, and frames fed to decoders.
#pragma once

#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace kcoro_test {

inline kcoro::byte_buffer unhex(std::string_view hex) {
    kcoro::byte_buffer out;
    auto nibble = [](char c) { return static_cast<kcoro::byte>(c <= '9' ? c - '0' : c - 'a' + 10); };
    REQUIRE(hex.size() % 2 == 0);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<kcoro::byte>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    return out;
}

inline std::string hex(kcoro::bytes_view b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += digits[c >> 4];
        s += digits[c & 15];
    }
    return s;
}

// A request's body at `version`, as hex.
template <class Request>
std::string encoded(const Request& req, std::int16_t version) {
    kcoro::byte_buffer buf;
    kcoro::wire_writer w(buf);
    req.encode(w, version);
    return hex(buf.view());
}

}  // namespace kcoro_test
