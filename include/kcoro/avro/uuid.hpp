// avro::uuid: the 16 bytes of a UUID (RFC 9562), the value of Avro's uuid logical type, written
// as its 36-character text ("123e4567-e89b-12d3-a456-426614174000", lower case) into a string
// and as the bytes into a fixed of 16.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN
namespace avro {

struct uuid {
    std::array<byte, 16> bytes{};

    // The 8-4-4-4-12 hex form, either case.
    static std::optional<uuid> from_string(std::string_view s) noexcept {
        if (!is_text_form(s)) return std::nullopt;
        uuid u;
        std::size_t k = 0;
        for (std::size_t i = 0; i < s.size(); i += (s[i] == '-') ? 1 : 2) {
            if (s[i] == '-') continue;
            u.bytes[k++] = static_cast<byte>((hex_value(s[i]) << 4) | hex_value(s[i + 1]));
        }
        return u;
    }

    // True for the 8-4-4-4-12 hex form, either case.
    static constexpr bool is_text_form(std::string_view s) noexcept {
        if (s.size() != 36) return false;
        for (std::size_t i = 0; i < 36; ++i) {
            const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash != (s[i] == '-')) return false;
            if (!dash && hex_value(s[i]) < 0) return false;
        }
        return true;
    }

    // Lower case, as Java's UUID.toString() writes it.
    std::array<char, 36> text() const noexcept {
        constexpr char digits[] = "0123456789abcdef";
        std::array<char, 36> out{};
        std::size_t o = 0;
        for (std::size_t i = 0; i < 16; ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
            out[o++] = digits[bytes[i] >> 4];
            out[o++] = digits[bytes[i] & 0xf];
        }
        return out;
    }
    std::string to_string() const {
        const auto t = text();
        return std::string(t.data(), t.size());
    }

    friend bool operator==(const uuid&, const uuid&) = default;

private:
    static constexpr int hex_value(char c) noexcept {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
};

}  // namespace avro
KCORO_NAMESPACE_END
