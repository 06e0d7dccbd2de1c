// Writes an avro::datum as a value of a schema node, checking as it goes: a datum that does not
// fit fails with the path to it, after the bytes of what came before it were written.
//
// Conversions: integers go into int and long where the value fits, and into float and double
// (Avro's promotions); a double goes into a float; a string goes into an enum (as the symbol it
// names) and into a uuid (in its text form); bytes go into a fixed of their size; the raw
// underlying value of a logical type (an int for a date, a long for a timestamp, bytes for a
// decimal) is written as it is.
#pragma once

#include "../../detail/prelude.hpp"
#include "../../byte_sink.hpp"
#include "../datum.hpp"
#include "../generic_record.hpp"
#include "../node.hpp"
#include "../type.hpp"
#include "binary.hpp"
#include "encode_error.hpp"
#include "logical_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN
namespace avro::detail {

// How well a datum fits a union branch: 2 it is of the branch's own type, 1 it converts, 0 not at all.
inline int branch_fit(node b, const datum& v) noexcept {
    using k = datum::kind;
    const avro::type t = b.type();
    const logical_type lt = b.logical();
    switch (v.type()) {
    case k::null: return t == avro::type::null ? 2 : 0;
    case k::boolean: return t == avro::type::boolean ? 2 : 0;
    case k::int_:
        if (t == avro::type::int_) return lt == logical_type::none ? 2 : 1;
        return t == avro::type::long_ || t == avro::type::float_ || t == avro::type::double_ ? 1 : 0;
    case k::long_: {
        if (t == avro::type::long_) return lt == logical_type::none ? 2 : 1;
        const std::int64_t i = *v.get_if<std::int64_t>();
        if (t == avro::type::int_) return i >= int_min && i <= int_max ? 1 : 0;
        return t == avro::type::float_ || t == avro::type::double_ ? 1 : 0;
    }
    case k::float_: return t == avro::type::float_ ? 2 : t == avro::type::double_ ? 1 : 0;
    case k::double_: return t == avro::type::double_ ? 2 : t == avro::type::float_ ? 1 : 0;
    case k::bytes:
        if (t == avro::type::bytes) return lt == logical_type::none ? 2 : 1;
        if (t == avro::type::fixed) return v.get_if<bytes_value>()->data.size() == b.size() ? (lt == logical_type::none ? 2 : 1) : 0;
        return 0;
    case k::string: {
        const std::string& s = *v.get_if<std::string>();
        if (t == avro::type::string) return lt == logical_type::none ? 2 : (avro::uuid::is_text_form(s) ? 1 : 0);
        return t == avro::type::enum_ && b.symbol_index(s) ? 1 : 0;
    }
    case k::enum_symbol: return t == avro::type::enum_ && b.symbol_index(v.get_if<enum_value>()->symbol) ? 2 : 0;
    case k::array: return t == avro::type::array ? 2 : 0;
    case k::map: return t == avro::type::map ? 2 : 0;
    case k::record: return t == avro::type::record && b.name() == v.record()->type().name() ? 2 : 0;
    case k::decimal: return lt == logical_type::decimal ? 2 : 0;
    case k::uuid:
        if (lt == logical_type::uuid) return 2;
        return t == avro::type::string || (t == avro::type::fixed && b.size() == 16) ? 1 : 0;
    case k::date: return lt == logical_type::date ? 2 : 0;
    case k::time_of_day: return is_time_of_day(lt) ? 2 : 0;
    case k::timestamp: return is_timestamp(lt) ? 2 : 0;
    case k::local_timestamp: return is_local_timestamp(lt) ? 2 : 0;
    case k::empty:
    case k::branch: return 0;
    }
    return 0;
}

template <byte_sink Sink>
bool write_datum(node n, const datum& v, Sink& out, encode_error& e);

inline bool mismatch(node n, const datum& v, encode_error& e) {
    std::string expected(type_name(n.type()));
    if (n.logical() != logical_type::none) expected += " (" + std::string(logical_type_name(n.logical())) + ")";
    if (!n.name().empty()) expected += " " + std::string(n.name());
    return e.fail("expected " + expected + ", got " + std::string(describe(v.type())));
}

template <byte_sink Sink>
bool write_record(node n, const generic_record& r, Sink& out, encode_error& e) {
    if (!r.misuse().empty()) return e.fail(r.misuse());
    const node rt = r.type();
    const bool same = rt == n;
    if (!same && rt.name() != n.name())
        return e.fail("expected a record " + std::string(n.name()) + ", got a record " + std::string(rt.name()));
    const std::size_t count = n.field_count();
    for (std::size_t i = 0; i < count; ++i) {
        const datum* f = nullptr;
        if (same) {
            f = &r.at(i);
        } else if (const auto j = rt.field_index(n.field_name(i))) {
            f = &r.at(*j);  // the same record from another parse of its schema: fields by name
        }
        if (f == nullptr || f->empty()) {
            if (!n.field_has_default(i)) {
                e.fail("no value, and the field has no default");
                return e.in_field(n.field_name(i));
            }
            const bytes_view d = n.field_default(i);
            if (!d.empty()) out.write(d.data(), d.size());
            continue;
        }
        if (!write_datum(n.field_type(i), *f, out, e)) return e.in_field(n.field_name(i));
    }
    return true;
}

template <byte_sink Sink>
bool write_union(node n, const datum& v, Sink& out, encode_error& e) {
    std::size_t chosen = n.branch_count();
    if (const auto* b = v.get_if<branch_value>()) {
        if (b->index >= n.branch_count())
            return e.fail("branch " + std::to_string(b->index) + " of a union of " + std::to_string(n.branch_count()));
        write_long(out, static_cast<std::int64_t>(b->index));
        return write_datum(n.branch(b->index), *b->value, out, e);
    }
    int best = 0;
    for (std::size_t i = 0; i < n.branch_count() && best < 2; ++i) {
        const int fit = branch_fit(n.branch(i), v);
        if (fit > best) {
            best = fit;
            chosen = i;
        }
    }
    if (best == 0) {
        std::string branches;
        for (std::size_t i = 0; i < n.branch_count(); ++i) {
            if (i) branches += ", ";
            const node b = n.branch(i);
            branches += b.name().empty() ? std::string(type_name(b.type())) : std::string(b.name());
        }
        return e.fail(std::string(describe(v.type())) + " fits no branch of the union [" + branches + "]");
    }
    write_long(out, static_cast<std::int64_t>(chosen));
    return write_datum(n.branch(chosen), v, out, e);
}

template <byte_sink Sink>
bool write_datum(node n, const datum& v, Sink& out, encode_error& e) {
    using k = datum::kind;
    const k vk = v.type();
    if (vk == k::empty) return e.fail("no value");
    switch (n.type()) {
    case avro::type::null:
        if (vk != k::null) return mismatch(n, v, e);
        return true;
    case avro::type::boolean:
        if (vk != k::boolean) return mismatch(n, v, e);
        write_bool(out, *v.get_if<bool>());
        return true;
    case avro::type::int_:
    case avro::type::long_: {
        const bool is_int = n.type() == avro::type::int_;
        const logical_type lt = n.logical();
        std::int64_t i = 0;
        if (vk == k::int_) i = *v.get_if<std::int32_t>();
        else if (vk == k::long_) i = *v.get_if<std::int64_t>();
        else if (vk == k::date && lt == logical_type::date) return write_date(v.get_if<date_value>()->days, out, e);
        else if (vk == k::time_of_day && is_time_of_day(lt)) return write_time_of_day(n, v.get_if<time_value>()->nanos, out, e);
        else if (vk == k::timestamp && is_timestamp(lt))
            return write_time_point(n, v.get_if<timestamp_value>()->count, v.get_if<timestamp_value>()->unit, out, e);
        else if (vk == k::local_timestamp && is_local_timestamp(lt))
            return write_time_point(n, v.get_if<local_timestamp_value>()->count, v.get_if<local_timestamp_value>()->unit, out, e);
        else return mismatch(n, v, e);
        if (is_int && (i < int_min || i > int_max)) return e.fail(std::to_string(i) + " is out of the range of an int");
        write_long(out, i);
        return true;
    }
    case avro::type::float_:
    case avro::type::double_: {
        double d = 0;
        switch (vk) {
        case k::int_: d = *v.get_if<std::int32_t>(); break;
        case k::long_: d = static_cast<double>(*v.get_if<std::int64_t>()); break;
        case k::float_:
            if (n.type() == avro::type::float_) {
                write_float(out, *v.get_if<float>());
                return true;
            }
            d = *v.get_if<float>();
            break;
        case k::double_: d = *v.get_if<double>(); break;
        default: return mismatch(n, v, e);
        }
        if (n.type() == avro::type::float_) write_float(out, static_cast<float>(d));
        else write_double(out, d);
        return true;
    }
    case avro::type::bytes:
    case avro::type::fixed:
        if (vk == k::bytes) {
            const auto& b = v.get_if<bytes_value>()->data;
            return write_byte_string(n, b.data(), b.size(), out, e);
        }
        if (vk == k::decimal && n.logical() == logical_type::decimal) return write_decimal(n, *v.get_if<avro::decimal>(), out, e);
        if (vk == k::uuid && n.type() == avro::type::fixed && n.size() == 16) {
            write_uuid(n, *v.get_if<avro::uuid>(), out);
            return true;
        }
        return mismatch(n, v, e);
    case avro::type::string:
        if (vk == k::string) return write_string(n, *v.get_if<std::string>(), out, e);
        if (vk == k::uuid) {
            write_uuid(n, *v.get_if<avro::uuid>(), out);
            return true;
        }
        return mismatch(n, v, e);
    case avro::type::enum_:
        if (vk == k::enum_symbol) return write_symbol(n, v.get_if<enum_value>()->symbol, out, e);
        if (vk == k::string) return write_symbol(n, *v.get_if<std::string>(), out, e);
        return mismatch(n, v, e);
    case avro::type::array: {
        const auto* a = v.get_if<array_value>();
        if (a == nullptr) return mismatch(n, v, e);
        const node items = n.items();
        if (!a->items.empty()) write_long(out, static_cast<std::int64_t>(a->items.size()));
        for (std::size_t i = 0; i < a->items.size(); ++i)
            if (!write_datum(items, a->items[i], out, e)) return e.in_item(i);
        write_long(out, 0);
        return true;
    }
    case avro::type::map: {
        const auto* m = v.get_if<map_value>();
        if (m == nullptr) return mismatch(n, v, e);
        const node values = n.values();
        if (!m->entries.empty()) write_long(out, static_cast<std::int64_t>(m->entries.size()));
        for (const auto& [key, value] : m->entries) {
            write_bytes(out, key.data(), key.size());
            if (!write_datum(values, value, out, e)) return e.in_key(key);
        }
        write_long(out, 0);
        return true;
    }
    case avro::type::union_: return write_union(n, v, out, e);
    case avro::type::record:
        if (const generic_record* r = v.record()) return write_record(n, *r, out, e);
        return mismatch(n, v, e);
    }
    return mismatch(n, v, e);
}

}  // namespace avro::detail
KCORO_NAMESPACE_END
