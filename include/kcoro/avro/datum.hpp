// avro::datum: one Avro value of any type, built at run time (the generic way in, like Java's
// GenericData): scalars, strings, bytes, arrays, maps, records (avro::generic_record), enum
// symbols, an explicit union branch, and the values of the logical types — avro::decimal,
// avro::uuid, std::chrono::sys_days (date), a std::chrono::duration (time of day),
// std::chrono::sys_time (timestamp) and std::chrono::local_time (local timestamp).
//
// A datum carries no schema: the encoder checks it against the schema it is written with, and a
// value that does not fit is an error naming where it is. Union branches are chosen by the
// datum's type (a null goes to "null", a string to "string", a record to the record of its
// name), or set explicitly with datum::branch(i, v).
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "decimal.hpp"
#include "uuid.hpp"

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro {

class datum;
class generic_record;

enum class time_unit : std::uint8_t { millis, micros, nanos };

namespace detail {
struct null_value {
    friend bool operator==(null_value, null_value) noexcept { return true; }
};
struct bytes_value {
    std::vector<byte> data;
};
struct enum_value {
    std::string symbol;
};
struct array_value {
    std::vector<datum> items;
};
struct map_value {
    std::vector<std::pair<std::string, datum>> entries;
};
// Records and explicit branches own their content through a pointer (a datum holds them, and
// they hold datums); copies are deep. Defined in generic_record.hpp, once both types are known.
struct record_box {
    std::unique_ptr<generic_record> p;
    explicit record_box(generic_record&& r);
    record_box(const record_box& o);
    record_box(record_box&&) noexcept = default;
    record_box& operator=(const record_box& o);
    record_box& operator=(record_box&&) noexcept = default;
    ~record_box();
};
struct branch_value {
    std::size_t index = 0;
    std::unique_ptr<datum> value;
    branch_value(std::size_t i, datum&& v);
    branch_value(const branch_value& o);
    branch_value(branch_value&&) noexcept = default;
    branch_value& operator=(const branch_value& o);
    branch_value& operator=(branch_value&&) noexcept = default;
    ~branch_value();
};
struct date_value {
    std::int64_t days = 0;  // since 1970-01-01 (checked against an int's range when written)
};
struct time_value {
    std::int64_t nanos = 0;  // after midnight
};
struct timestamp_value {
    std::int64_t count = 0;  // since the epoch, in `unit`
    time_unit unit = time_unit::millis;
};
struct local_timestamp_value {
    std::int64_t count = 0;  // since 1970-01-01T00:00, in `unit`
    time_unit unit = time_unit::millis;
};

// A time point or duration as a count in the coarsest of millis, micros and nanos that holds it
// exactly (floored to nanos when none does), so no precision is lost before the schema decides.
template <class D>
constexpr std::pair<std::int64_t, time_unit> time_count(D d) noexcept {
    using namespace std::chrono;
    if constexpr (std::is_convertible_v<D, milliseconds>) return {milliseconds(d).count(), time_unit::millis};
    else if constexpr (std::is_convertible_v<D, microseconds>) return {microseconds(d).count(), time_unit::micros};
    else return {floor<nanoseconds>(d).count(), time_unit::nanos};
}
}  // namespace detail

class datum {
public:
    // The alternatives, in the order of the storage below.
    enum class kind : std::uint8_t {
        empty,  // no value (a record field never set)
        null,
        boolean,
        int_,
        long_,
        float_,
        double_,
        bytes,
        string,
        enum_symbol,
        array,
        map,
        record,
        branch,
        decimal,
        uuid,
        date,
        time_of_day,
        timestamp,
        local_timestamp,
    };

    datum() noexcept = default;
    datum(std::nullptr_t) noexcept : v_(detail::null_value{}) {}  // NOLINT: implicit by design, like the rest
    datum(bool b) noexcept : v_(b) {}                            // NOLINT
    // Integers up to 32 bits (signed) are ints, wider ones longs; the schema may widen or narrow
    // them where the value fits.
    template <std::integral I>
        requires(!std::same_as<I, bool>)
    datum(I i) noexcept {  // NOLINT
        static_assert(!(std::is_unsigned_v<I> && sizeof(I) == 8),
                      "kcoro::avro::datum: a 64-bit unsigned integer may not fit an Avro long; cast it to std::int64_t");
        if constexpr (sizeof(I) < 4 || (std::is_signed_v<I> && sizeof(I) == 4)) v_ = static_cast<std::int32_t>(i);
        else v_ = static_cast<std::int64_t>(i);
    }
    datum(float f) noexcept : v_(f) {}                                                      // NOLINT
    datum(double d) noexcept : v_(d) {}                                                     // NOLINT
    datum(const char* s) : v_(std::string(s)) {}                                            // NOLINT
    datum(std::string_view s) : v_(std::string(s)) {}                                       // NOLINT
    datum(std::string s) noexcept : v_(std::move(s)) {}                                     // NOLINT
    datum(bytes_view b) : v_(detail::bytes_value{{b.begin(), b.end()}}) {}                  // NOLINT
    datum(std::vector<byte> b) noexcept : v_(detail::bytes_value{std::move(b)}) {}          // NOLINT
    datum(avro::decimal d) noexcept : v_(std::move(d)) {}                                   // NOLINT
    datum(avro::uuid u) noexcept : v_(u) {}                                                 // NOLINT
    datum(std::chrono::sys_days d) noexcept                                                 // NOLINT
        : v_(detail::date_value{static_cast<std::int64_t>(d.time_since_epoch().count())}) {}
    template <class Rep, class Period>
    datum(std::chrono::duration<Rep, Period> time_of_day) noexcept  // NOLINT
        : v_(detail::time_value{std::chrono::floor<std::chrono::nanoseconds>(time_of_day).count()}) {}
    template <class D>
    datum(std::chrono::sys_time<D> t) noexcept {  // NOLINT
        const auto [count, unit] = detail::time_count(t.time_since_epoch());
        v_ = detail::timestamp_value{count, unit};
    }
    template <class D>
    datum(std::chrono::local_time<D> t) noexcept {  // NOLINT
        const auto [count, unit] = detail::time_count(t.time_since_epoch());
        v_ = detail::local_timestamp_value{count, unit};
    }
    datum(generic_record r);  // NOLINT; defined in generic_record.hpp

    static datum bytes(bytes_view b) { return datum(b); }
    static datum array(std::vector<datum> items) { return datum(from_storage{}, detail::array_value{std::move(items)}); }
    static datum array(std::initializer_list<datum> items) { return datum(from_storage{}, detail::array_value{std::vector<datum>(items)}); }
    static datum map(std::vector<std::pair<std::string, datum>> entries) { return datum(from_storage{}, detail::map_value{std::move(entries)}); }
    static datum enumeration(std::string_view symbol) { return datum(from_storage{}, detail::enum_value{std::string(symbol)}); }
    // The value of union branch `index`, whatever its type.
    static datum branch(std::size_t index, datum value) { return datum(from_storage{}, detail::branch_value(index, std::move(value))); }
    // Time points in a unit of their own (count since the epoch).
    static datum timestamp(std::int64_t count, time_unit unit) noexcept { return datum(from_storage{}, detail::timestamp_value{count, unit}); }
    static datum local_timestamp(std::int64_t count, time_unit unit) noexcept {
        return datum(from_storage{}, detail::local_timestamp_value{count, unit});
    }
    static datum date(std::int64_t days_since_epoch) noexcept { return datum(from_storage{}, detail::date_value{days_since_epoch}); }

    kind type() const noexcept { return static_cast<kind>(v_.index()); }
    bool empty() const noexcept { return v_.index() == 0; }

    // The alternative of type T (bool, std::int32_t, std::int64_t, float, double, std::string,
    // avro::decimal, avro::uuid, or one of the detail:: values), or nullptr.
    template <class T>
    const T* get_if() const noexcept {
        return std::get_if<T>(&v_);
    }
    // A record's value, or nullptr.
    const generic_record* record() const noexcept {
        const auto* b = std::get_if<detail::record_box>(&v_);
        return b ? b->p.get() : nullptr;
    }

private:
    struct from_storage {};
    template <class V>
    datum(from_storage, V&& v) : v_(std::forward<V>(v)) {}

    using storage = std::variant<std::monostate, detail::null_value, bool, std::int32_t, std::int64_t, float, double,
                                 detail::bytes_value, std::string, detail::enum_value, detail::array_value, detail::map_value,
                                 detail::record_box, detail::branch_value, avro::decimal, avro::uuid, detail::date_value,
                                 detail::time_value, detail::timestamp_value, detail::local_timestamp_value>;
    storage v_;
};

// What a datum's kind is called in messages ("a string", "a record").
constexpr std::string_view describe(datum::kind k) noexcept {
    switch (k) {
    case datum::kind::empty: return "no value";
    case datum::kind::null: return "a null";
    case datum::kind::boolean: return "a boolean";
    case datum::kind::int_: return "an int";
    case datum::kind::long_: return "a long";
    case datum::kind::float_: return "a float";
    case datum::kind::double_: return "a double";
    case datum::kind::bytes: return "bytes";
    case datum::kind::string: return "a string";
    case datum::kind::enum_symbol: return "an enum symbol";
    case datum::kind::array: return "an array";
    case datum::kind::map: return "a map";
    case datum::kind::record: return "a record";
    case datum::kind::branch: return "a union branch";
    case datum::kind::decimal: return "a decimal";
    case datum::kind::uuid: return "a uuid";
    case datum::kind::date: return "a date";
    case datum::kind::time_of_day: return "a time of day";
    case datum::kind::timestamp: return "a timestamp";
    case datum::kind::local_timestamp: return "a local timestamp";
    }
    return "a value";
}

namespace detail {
inline branch_value::branch_value(std::size_t i, datum&& v) : index(i), value(std::make_unique<datum>(std::move(v))) {}
inline branch_value::branch_value(const branch_value& o) : index(o.index), value(std::make_unique<datum>(*o.value)) {}
inline branch_value& branch_value::operator=(const branch_value& o) {
    if (this != &o) {
        index = o.index;
        value = std::make_unique<datum>(*o.value);
    }
    return *this;
}
inline branch_value::~branch_value() = default;
}  // namespace detail

}  // namespace avro
KCORO_NAMESPACE_END

// Records are datums and hold datums: their definitions complete each other.
#include "generic_record.hpp"
