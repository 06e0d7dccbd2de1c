// Writing the values of Avro's logical types, shared by the generic and the typed encoder:
// decimals (exactly rescaled to the schema's scale, checked against its precision), uuids, dates,
// times of day and timestamps (converted to the schema's unit: floored when it is coarser,
// checked for overflow when it is finer).
#pragma once

#include "../../bytes.hpp"
#include "../../detail/prelude.hpp"
#include "../../byte_sink.hpp"
#include "../datum.hpp"
#include "../decimal.hpp"
#include "../node.hpp"
#include "../type.hpp"
#include "../uuid.hpp"
#include "binary.hpp"
#include "encode_error.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro::detail {

inline constexpr std::int64_t int_min = std::numeric_limits<std::int32_t>::min();
inline constexpr std::int64_t int_max = std::numeric_limits<std::int32_t>::max();

// Bytes of a bytes-decimal: enough for the magnitude and a sign bit, as fastavro and the Python
// avro package write it (Java's BigInteger writes -2^(8k-1) one byte shorter; both read the same).
inline std::size_t decimal_bytes_length(std::size_t magnitude_bits) noexcept { return magnitude_bits / 8 + 1; }

template <byte_sink Sink>
bool write_decimal(node n, const avro::decimal& d, Sink& out, encode_error& e) {
    const std::int64_t diff = static_cast<std::int64_t>(n.scale()) - d.scale();
    if (diff < 0)
        return e.fail("the decimal " + d.to_string() + " has scale " + std::to_string(d.scale()) +
                      ", more than the schema's scale " + std::to_string(n.scale()));
    const auto precision = static_cast<std::size_t>(n.precision());
    const auto too_precise = [&] {
        return e.fail("the decimal " + d.to_string() + " at scale " + std::to_string(n.scale()) + " has more than " +
                      std::to_string(precision) + " digits (the schema's precision)");
    };
    const bool negative = d.negative();
    if (d.fits_u64() && diff < 20 && d.small_magnitude() <= std::numeric_limits<std::uint64_t>::max() / pow10_u64[diff]) {
        const std::uint64_t m = d.small_magnitude() * pow10_u64[diff];
        if (decimal_digits(m) > precision) return too_precise();
        const std::size_t len = n.type() == avro::type::fixed ? n.size() : decimal_bytes_length(static_cast<std::size_t>(std::bit_width(m)));
        const std::uint64_t v = negative ? 0 - m : m;
        const byte ext = negative ? 0xff : 0x00;
        byte buf[32];
        if (n.type() == avro::type::bytes) write_long(out, static_cast<std::int64_t>(len));
        if (len <= sizeof buf) {
            for (std::size_t i = 0; i < len; ++i) {
                const std::size_t j = len - 1 - i;  // byte j from the least significant
                buf[i] = j < 8 ? static_cast<byte>(v >> (8 * j)) : ext;
            }
            out.write(buf, len);
        } else {
            for (std::size_t i = 0; i < len; ++i) {
                const std::size_t j = len - 1 - i;
                out.put(j < 8 ? static_cast<byte>(v >> (8 * j)) : ext);
            }
        }
        return true;
    }
    magnitude m = d.wide();
    if (!m.zero()) {
        // Every power of ten past the precision makes the value too long, however small it was.
        if (static_cast<std::uint64_t>(diff) >= precision) return too_precise();
        for (std::int64_t k = 0; k < diff; ++k) m.mul_add(10, 0);
        if (m.decimal_digits() > precision) return too_precise();
    }
    const std::size_t len = n.type() == avro::type::fixed ? n.size() : decimal_bytes_length(m.bit_width());
    std::vector<byte> le(len);  // two's complement, least significant byte first
    unsigned carry = 1;
    for (std::size_t j = 0; j < len; ++j) {
        const byte b = m.byte_at(j);
        if (negative) {
            const unsigned t = static_cast<unsigned>(static_cast<byte>(~b)) + carry;
            le[j] = static_cast<byte>(t);
            carry = t >> 8;
        } else {
            le[j] = b;
        }
    }
    if (n.type() == avro::type::bytes) write_long(out, static_cast<std::int64_t>(len));
    for (std::size_t j = len; j-- > 0;) out.put(le[j]);
    return true;
}

template <byte_sink Sink>
void write_uuid(node n, const avro::uuid& u, Sink& out) {
    if (n.type() == avro::type::fixed) {
        out.write(u.bytes.data(), u.bytes.size());
    } else {
        const auto text = u.text();
        write_bytes(out, text.data(), text.size());
    }
}

inline int unit_rank(time_unit u) noexcept { return static_cast<int>(u); }

inline time_unit unit_of(logical_type t) noexcept {
    switch (t) {
    case logical_type::time_millis:
    case logical_type::timestamp_millis:
    case logical_type::local_timestamp_millis: return time_unit::millis;
    case logical_type::time_micros:
    case logical_type::timestamp_micros:
    case logical_type::local_timestamp_micros: return time_unit::micros;
    default: return time_unit::nanos;
    }
}

inline std::string_view unit_name(time_unit u) noexcept {
    return u == time_unit::millis ? "milliseconds" : u == time_unit::micros ? "microseconds" : "nanoseconds";
}

// count in `from` as a count in `to`: floored when `to` is coarser; false on overflow.
inline bool convert_time(std::int64_t count, time_unit from, time_unit to, std::int64_t& out) noexcept {
    int steps = unit_rank(to) - unit_rank(from);
    std::int64_t v = count;
    for (; steps > 0; --steps)
        if (__builtin_mul_overflow(v, std::int64_t{1000}, &v)) return false;
    for (; steps < 0; ++steps) {
        const std::int64_t q = v / 1000, r = v % 1000;
        v = (r < 0) ? q - 1 : q;
    }
    out = v;
    return true;
}

inline bool is_timestamp(logical_type t) noexcept {
    return t == logical_type::timestamp_millis || t == logical_type::timestamp_micros || t == logical_type::timestamp_nanos;
}
inline bool is_local_timestamp(logical_type t) noexcept {
    return t == logical_type::local_timestamp_millis || t == logical_type::local_timestamp_micros ||
           t == logical_type::local_timestamp_nanos;
}
inline bool is_time_of_day(logical_type t) noexcept { return t == logical_type::time_millis || t == logical_type::time_micros; }

// A time point written into a (local-)timestamp node.
template <byte_sink Sink>
bool write_time_point(node n, std::int64_t count, time_unit unit, Sink& out, encode_error& e) {
    std::int64_t v = 0;
    if (!convert_time(count, unit, unit_of(n.logical()), v))
        return e.fail("the time point does not fit " + std::string(logical_type_name(n.logical())) + " (a long of " +
                      std::string(unit_name(unit_of(n.logical()))) + ")");
    write_long(out, v);
    return true;
}

// A time of day in nanoseconds after midnight, written into a time-millis (int) or time-micros (long) node.
template <byte_sink Sink>
bool write_time_of_day(node n, std::int64_t nanos, Sink& out, encode_error& e) {
    std::int64_t v = 0;
    convert_time(nanos, time_unit::nanos, unit_of(n.logical()), v);
    if (n.type() == avro::type::int_ && (v < int_min || v > int_max)) return e.fail("the time of day does not fit time-millis (an int)");
    write_long(out, v);
    return true;
}

template <byte_sink Sink>
bool write_date(std::int64_t days, Sink& out, encode_error& e) {
    if (days < int_min || days > int_max) return e.fail("the date is out of the range of date (an int of days)");
    write_long(out, days);
    return true;
}

// A string into a string node: a uuid node takes only the 36-character form.
template <byte_sink Sink>
bool write_string(node n, std::string_view s, Sink& out, encode_error& e) {
    if (n.logical() == logical_type::uuid && !avro::uuid::is_text_form(s))
        return e.fail("\"" + std::string(s.substr(0, 64)) + "\" is not a uuid (8-4-4-4-12 hex digits)");
    write_bytes(out, s.data(), s.size());
    return true;
}

// A string naming one of an enum node's symbols.
template <byte_sink Sink>
bool write_symbol(node n, std::string_view symbol, Sink& out, encode_error& e) {
    const auto i = n.symbol_index(symbol);
    if (!i) return e.fail("\"" + std::string(symbol.substr(0, 64)) + "\" is not a symbol of the enum " + std::string(n.name()));
    write_long(out, static_cast<std::int64_t>(*i));
    return true;
}

// Bytes into a bytes or fixed node (a fixed takes exactly its size).
template <byte_sink Sink>
bool write_byte_string(node n, const void* p, std::size_t size, Sink& out, encode_error& e) {
    if (n.type() == avro::type::fixed) {
        if (size != n.size())
            return e.fail(std::to_string(size) + " bytes for the fixed " + std::string(n.name()) + " of " + std::to_string(n.size()));
        if (size) out.write(p, size);
        return true;
    }
    write_bytes(out, p, size);
    return true;
}

}  // namespace avro::detail
KCORO_NAMESPACE_END
