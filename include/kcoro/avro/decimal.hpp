// avro::decimal: an exact decimal number (unscaled integer x 10^-scale) of any precision, the value
// of Avro's decimal logical type. Values that fit 64 bits (18 digits and more) need no allocation.
//
//   avro::decimal price(999, 2);                       // 9.99
//   auto p = avro::decimal::from_string("-1234.5678");  // std::optional<decimal>
//
// Written into a schema whose scale is larger, the value is scaled exactly (9.99 into scale 4 is
// 99900 x 10^-4); a value with more fraction digits than the schema's scale, or more digits than
// its precision, does not fit and fails to encode.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro {

namespace detail {
// An unsigned integer of any size: 32-bit limbs, least significant first, no leading zero limbs.
struct magnitude {
    std::vector<std::uint32_t> limbs;

    static magnitude of(std::uint64_t v) {
        magnitude m;
        if (v) m.limbs.push_back(static_cast<std::uint32_t>(v));
        if (v >> 32) m.limbs.push_back(static_cast<std::uint32_t>(v >> 32));
        return m;
    }
    bool zero() const noexcept { return limbs.empty(); }
    void mul_add(std::uint32_t mul, std::uint32_t add) {
        std::uint64_t carry = add;
        for (auto& l : limbs) {
            const std::uint64_t t = static_cast<std::uint64_t>(l) * mul + carry;
            l = static_cast<std::uint32_t>(t);
            carry = t >> 32;
        }
        if (carry) limbs.push_back(static_cast<std::uint32_t>(carry));
    }
    // Divides in place; returns the remainder.
    std::uint32_t divmod(std::uint32_t d) noexcept {
        std::uint64_t rem = 0;
        for (std::size_t i = limbs.size(); i-- > 0;) {
            const std::uint64_t cur = (rem << 32) | limbs[i];
            limbs[i] = static_cast<std::uint32_t>(cur / d);
            rem = cur % d;
        }
        while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
        return static_cast<std::uint32_t>(rem);
    }
    std::size_t bit_width() const noexcept {
        if (limbs.empty()) return 0;
        return 32 * (limbs.size() - 1) + static_cast<std::size_t>(std::bit_width(limbs.back()));
    }
    // Byte i, least significant first (zero beyond the top).
    byte byte_at(std::size_t i) const noexcept {
        const std::size_t l = i / 4;
        return l < limbs.size() ? static_cast<byte>(limbs[l] >> (8 * (i % 4))) : byte{0};
    }
    std::size_t decimal_digits() const {
        if (limbs.empty()) return 1;
        magnitude m = *this;
        std::size_t digits = 0;
        for (;;) {
            const std::uint32_t r = m.divmod(1000000000u);
            if (m.zero()) {
                std::uint32_t v = r;
                std::size_t n = 0;
                do {
                    ++n;
                    v /= 10;
                } while (v);
                return digits + n;
            }
            digits += 9;
        }
    }
};

inline constexpr std::uint64_t pow10_u64[20] = {1ULL,
                                                10ULL,
                                                100ULL,
                                                1000ULL,
                                                10000ULL,
                                                100000ULL,
                                                1000000ULL,
                                                10000000ULL,
                                                100000000ULL,
                                                1000000000ULL,
                                                10000000000ULL,
                                                100000000000ULL,
                                                1000000000000ULL,
                                                10000000000000ULL,
                                                100000000000000ULL,
                                                1000000000000000ULL,
                                                10000000000000000ULL,
                                                100000000000000000ULL,
                                                1000000000000000000ULL,
                                                10000000000000000000ULL};

inline std::size_t decimal_digits(std::uint64_t v) noexcept {
    std::size_t n = 1;
    while (n < 20 && v >= pow10_u64[n]) ++n;
    return n;
}
}  // namespace detail

class decimal {
public:
    decimal() = default;
    // unscaled x 10^-scale: decimal(-1999, 2) is -19.99.
    decimal(std::int64_t unscaled, std::int32_t scale = 0) noexcept  // NOLINT: a plain integer is a decimal
        : negative_(unscaled < 0),
          scale_(scale),
          small_(unscaled < 0 ? 0 - static_cast<std::uint64_t>(unscaled) : static_cast<std::uint64_t>(unscaled)) {}

    // "-1234.5678", "42", "+0.5": an optional sign, digits, optionally a point and more digits.
    static std::optional<decimal> from_string(std::string_view s) {
        decimal d;
        std::size_t i = 0;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) d.negative_ = s[i++] == '-';
        std::size_t digits = 0, fraction = 0;
        bool point = false;
        for (; i < s.size(); ++i) {
            const char c = s[i];
            if (c == '.' && !point && digits > 0) {
                point = true;
                continue;
            }
            if (c < '0' || c > '9') return std::nullopt;
            d.push_digit(static_cast<std::uint32_t>(c - '0'));
            ++digits;
            if (point) ++fraction;
        }
        if (digits == 0 || (point && fraction == 0)) return std::nullopt;
        d.scale_ = static_cast<std::int32_t>(fraction);
        d.normalize_sign();
        return d;
    }

    // From the unscaled value as two's complement, big-endian (what Avro writes; Java's
    // BigInteger.toByteArray()).
    static decimal from_unscaled_bytes(bytes_view twos_complement, std::int32_t scale) {
        decimal d;
        d.scale_ = scale;
        if (twos_complement.empty()) return d;
        d.negative_ = (twos_complement[0] & 0x80) != 0;
        // The magnitude: the bytes themselves, or their two's complement negation.
        std::vector<byte> mag(twos_complement.begin(), twos_complement.end());
        if (d.negative_) {
            unsigned carry = 1;
            for (std::size_t i = mag.size(); i-- > 0;) {
                const unsigned v = static_cast<unsigned>(static_cast<byte>(~mag[i])) + carry;
                mag[i] = static_cast<byte>(v);
                carry = v >> 8;
            }
        }
        for (const byte b : mag) d.push_byte(b);
        d.normalize_sign();
        return d;
    }

    bool negative() const noexcept { return negative_; }
    std::int32_t scale() const noexcept { return scale_; }

    // "-19.99"; a negative scale multiplies ("12" with scale -2 is "1200").
    std::string to_string() const {
        detail::magnitude m = wide();
        std::string digits;
        if (m.zero()) digits = "0";
        while (!m.zero()) {
            std::uint32_t r = m.divmod(1000000000u);
            for (int k = 0; k < 9; ++k) {
                digits.push_back(static_cast<char>('0' + r % 10));
                r /= 10;
                if (m.zero() && r == 0) break;
            }
        }
        std::reverse(digits.begin(), digits.end());
        if (scale_ < 0) {
            digits.append(static_cast<std::size_t>(-static_cast<std::int64_t>(scale_)), '0');
        } else if (scale_ > 0) {
            const auto sc = static_cast<std::size_t>(scale_);
            if (digits.size() <= sc) digits.insert(0, sc + 1 - digits.size(), '0');
            digits.insert(digits.size() - sc, 1, '.');
        }
        if (negative_) digits.insert(0, 1, '-');
        return digits;
    }

    // For the encoder: the magnitude when it fits 64 bits.
    bool fits_u64() const noexcept { return big_.limbs.empty(); }
    std::uint64_t small_magnitude() const noexcept { return small_; }
    detail::magnitude wide() const { return fits_u64() ? detail::magnitude::of(small_) : big_; }

    friend bool operator==(const decimal& a, const decimal& b) noexcept {
        return a.negative_ == b.negative_ && a.scale_ == b.scale_ && a.small_ == b.small_ && a.big_.limbs == b.big_.limbs;
    }

private:
    void push(std::uint32_t mul, std::uint32_t add) {
        if (fits_u64()) {
            if (small_ <= (~std::uint64_t{0} - add) / mul) {
                small_ = small_ * mul + add;
                return;
            }
            big_ = detail::magnitude::of(small_);
            small_ = 0;
        }
        big_.mul_add(mul, add);
    }
    void push_digit(std::uint32_t d) { push(10, d); }
    void push_byte(byte b) { push(256, b); }
    void normalize_sign() noexcept {
        if (fits_u64() && small_ == 0) negative_ = false;
    }

    bool negative_ = false;
    std::int32_t scale_ = 0;
    std::uint64_t small_ = 0;  // the magnitude while it fits, with big_ empty
    detail::magnitude big_;    // the magnitude once it does not
};

}  // namespace avro
KCORO_NAMESPACE_END
