// The Avro types and logical types a schema node can have (Avro specification 1.12).
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN
namespace avro {

// C++ keywords among the names get a trailing underscore.
enum class type : std::uint8_t {
    null,
    boolean,
    int_,
    long_,
    float_,
    double_,
    bytes,
    string,
    record,
    enum_,
    array,
    map,
    union_,
    fixed,
};

// A logical type annotates an underlying type; an invalid or unknown annotation is ignored, as
// the specification says, and the node is then of its underlying type alone.
enum class logical_type : std::uint8_t {
    none,
    decimal,                 // bytes or fixed: unscaled two's complement, big-endian
    uuid,                    // string: the 36-character text form
    date,                    // int: days since 1970-01-01
    time_millis,             // int: milliseconds after midnight
    time_micros,             // long: microseconds after midnight
    timestamp_millis,        // long: milliseconds since the epoch, UTC
    timestamp_micros,        // long
    timestamp_nanos,         // long
    local_timestamp_millis,  // long: milliseconds since 1970-01-01T00:00 in an unstated time zone
    local_timestamp_micros,  // long
    local_timestamp_nanos,   // long
};

// The name the specification gives a type ("int", "record", ...).
constexpr std::string_view type_name(type t) noexcept {
    switch (t) {
    case type::null: return "null";
    case type::boolean: return "boolean";
    case type::int_: return "int";
    case type::long_: return "long";
    case type::float_: return "float";
    case type::double_: return "double";
    case type::bytes: return "bytes";
    case type::string: return "string";
    case type::record: return "record";
    case type::enum_: return "enum";
    case type::array: return "array";
    case type::map: return "map";
    case type::union_: return "union";
    case type::fixed: return "fixed";
    }
    return "?";
}

// The name of a logical type as written in a schema's "logicalType" ("" for none).
constexpr std::string_view logical_type_name(logical_type t) noexcept {
    switch (t) {
    case logical_type::none: return "";
    case logical_type::decimal: return "decimal";
    case logical_type::uuid: return "uuid";
    case logical_type::date: return "date";
    case logical_type::time_millis: return "time-millis";
    case logical_type::time_micros: return "time-micros";
    case logical_type::timestamp_millis: return "timestamp-millis";
    case logical_type::timestamp_micros: return "timestamp-micros";
    case logical_type::timestamp_nanos: return "timestamp-nanos";
    case logical_type::local_timestamp_millis: return "local-timestamp-millis";
    case logical_type::local_timestamp_micros: return "local-timestamp-micros";
    case logical_type::local_timestamp_nanos: return "local-timestamp-nanos";
    }
    return "";
}

constexpr bool is_named(type t) noexcept { return t == type::record || t == type::enum_ || t == type::fixed; }

}  // namespace avro
KCORO_NAMESPACE_END
