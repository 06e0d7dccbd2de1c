// The Avro corpus (tests/data/avro/expected.json, written by tools/python/avro_vectors.py from
// fastavro and avro): loading it, and turning its JSON values into kcoro datums and typed values
// by their schema. Shared by the unit tests and the avro-c cross-check.
#pragma once

#include <kcoro/avro.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#ifndef KCORO_TEST_DATA_DIR
#error "KCORO_TEST_DATA_DIR must name tests/data"
#endif

namespace avro_corpus {

namespace avro = kcoro::avro;
using kcoro::json_value;

[[noreturn]] inline void broken(const std::string& what) {
    std::fprintf(stderr, "avro corpus: %s\n", what.c_str());
    std::abort();
}

inline std::string read_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) broken("cannot open " + path);
    std::string s;
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
}

// The parsed expected.json, read once.
inline const json_value& expected() {
    static const json_value doc = [] {
        auto r = kcoro::parse_json(read_file(KCORO_TEST_DATA_DIR "/avro/expected.json"));
        if (!r) broken(r.err().message());
        return std::move(r).value();
    }();
    return doc;
}

// The corpus entry of that name.
inline const json_value& entry(std::string_view name) {
    for (const json_value& s : expected().find("schemas")->items())
        if (s.find("name")->as_string() == name) return s;
    broken("no corpus entry named " + std::string(name));
}

inline std::vector<kcoro::byte> from_hex(std::string_view h) {
    std::vector<kcoro::byte> out;
    const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<kcoro::byte>(nibble(h[i]) * 16 + nibble(h[i + 1])));
    return out;
}

inline std::string to_hex(kcoro::bytes_view b) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (kcoro::byte x : b) {
        s.push_back(digits[x >> 4]);
        s.push_back(digits[x & 15]);
    }
    return s;
}

inline int digits_at(std::string_view s, std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v * 10 + (s[at + i] - '0');
    return v;
}

// "YYYY-MM-DD"
inline std::chrono::sys_days parse_date(std::string_view s) {
    using namespace std::chrono;
    return sys_days(year(digits_at(s, 0, 4)) / month(static_cast<unsigned>(digits_at(s, 5, 2))) /
                    day(static_cast<unsigned>(digits_at(s, 8, 2))));
}

// "HH:MM:SS[.fraction]" as nanoseconds after midnight.
inline std::chrono::nanoseconds parse_time(std::string_view s) {
    std::int64_t ns = ((digits_at(s, 0, 2) * 60LL + digits_at(s, 3, 2)) * 60 + digits_at(s, 6, 2)) * 1000000000LL;
    if (s.size() > 8 && s[8] == '.') {
        std::string frac;
        for (std::size_t i = 9; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) frac.push_back(s[i]);
        frac.resize(9, '0');
        ns += std::stoll(frac);
    }
    return std::chrono::nanoseconds(ns);
}

// "YYYY-MM-DDTHH:MM:SS[.fraction][+00:00]" as a day and a time in D.
template <class D>
std::pair<std::chrono::sys_days, D> parse_time_point(std::string_view s) {
    return {parse_date(s.substr(0, 10)), std::chrono::floor<D>(parse_time(s.substr(11)))};
}

inline double to_double(const json_value& v) {
    if (v.is_string()) {
        const auto s = v.as_string();
        if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
        return s == "Infinity" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    }
    return *v.as_double();
}

template <class D>
avro::datum time_point_datum(std::string_view text, bool local) {
    const auto [day, time] = parse_time_point<D>(text);
    if (local) return avro::datum(std::chrono::local_time<D>(day.time_since_epoch()) + time);
    return avro::datum(std::chrono::sys_time<D>(day) + time);
}

// A corpus value as a datum, by its schema: unions take the branch the corpus names.
inline avro::datum to_datum(const avro::schema& s, avro::node n, const json_value& v) {
    using avro::logical_type;
    using avro::type;
    const logical_type lt = n.logical();
    switch (n.type()) {
    case type::null: return avro::datum(nullptr);
    case type::boolean: return avro::datum(v.as_bool());
    case type::int_:
        if (lt == logical_type::date) return avro::datum(parse_date(v.as_string()));
        if (lt == logical_type::time_millis) return avro::datum(std::chrono::floor<std::chrono::milliseconds>(parse_time(v.as_string())));
        return avro::datum(static_cast<std::int32_t>(*v.as_int64()));
    case type::long_:
        switch (lt) {
        case logical_type::time_micros: return avro::datum(std::chrono::floor<std::chrono::microseconds>(parse_time(v.as_string())));
        case logical_type::timestamp_millis: return time_point_datum<std::chrono::milliseconds>(v.as_string(), false);
        case logical_type::timestamp_micros: return time_point_datum<std::chrono::microseconds>(v.as_string(), false);
        case logical_type::timestamp_nanos: return time_point_datum<std::chrono::nanoseconds>(v.as_string(), false);
        case logical_type::local_timestamp_millis: return time_point_datum<std::chrono::milliseconds>(v.as_string(), true);
        case logical_type::local_timestamp_micros: return time_point_datum<std::chrono::microseconds>(v.as_string(), true);
        case logical_type::local_timestamp_nanos: return time_point_datum<std::chrono::nanoseconds>(v.as_string(), true);
        default: return avro::datum(*v.as_int64());
        }
    case type::float_: return avro::datum(static_cast<float>(to_double(v)));
    case type::double_: return avro::datum(to_double(v));
    case type::bytes:
    case type::fixed:
        if (lt == logical_type::decimal) return avro::datum(*avro::decimal::from_string(v.as_string()));
        return avro::datum(from_hex(v.as_string()));
    case type::string: return avro::datum(v.as_string());
    case type::enum_: return avro::datum::enumeration(v.as_string());
    case type::array: {
        std::vector<avro::datum> items;
        for (const json_value& x : v.items()) items.push_back(to_datum(s, n.items(), x));
        return avro::datum::array(std::move(items));
    }
    case type::map: {
        std::vector<std::pair<std::string, avro::datum>> entries;
        for (const kcoro::json_member& m : v.members()) entries.emplace_back(m.key, to_datum(s, n.values(), m.value));
        return avro::datum::map(std::move(entries));
    }
    case type::union_: {
        const auto branch = static_cast<std::size_t>(*v.items()[0].as_int64());
        return avro::datum::branch(branch, to_datum(s, n.branch(branch), v.items()[1]));
    }
    case type::record: {
        auto r = avro::generic_record::make(s, n.name());
        if (!r) broken(r.err().message());
        for (const kcoro::json_member& m : v.members()) {
            const auto i = n.field_index(m.key);
            if (!i) broken("no field " + m.key);
            r->set(*i, to_datum(s, n.field_type(*i), m.value));
        }
        return avro::datum(std::move(r).value());
    }
    }
    broken("unknown type");
}

// ---- typed values ----

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_array : std::false_type {};
template <class T, std::size_t N>
struct is_array<std::array<T, N>> : std::true_type {};
template <class T>
struct is_byte_array : std::false_type {};
template <std::size_t N>
struct is_byte_array<std::array<kcoro::byte, N>> : std::true_type {};
template <class T>
struct is_map : std::false_type {};
template <class T>
struct is_map<std::map<std::string, T>> : std::true_type {};
template <class T>
struct is_variant : std::false_type {};
template <class... T>
struct is_variant<std::variant<T...>> : std::true_type {};
template <class T>
struct is_duration : std::false_type {};
template <class R, class P>
struct is_duration<std::chrono::duration<R, P>> : std::true_type {};
template <class T>
struct sys_time_of : std::false_type {};
template <class D>
struct sys_time_of<std::chrono::sys_time<D>> : std::true_type {
    using duration = D;
};
template <class T>
struct local_time_of : std::false_type {};
template <class D>
struct local_time_of<std::chrono::local_time<D>> : std::true_type {
    using duration = D;
};

template <class M>
M to_typed(avro::node n, const json_value& v);

// The variant alternative the corpus's branch is, by the branch's type.
template <class V, std::size_t I = 0>
V to_variant(avro::node b, const json_value& v) {
    if constexpr (I == std::variant_size_v<V>) {
        broken("no alternative for the branch");
    } else {
        using A = std::variant_alternative_t<I, V>;
        const avro::type t = b.type();
        bool fits = false;
        if constexpr (std::is_same_v<A, std::monostate>) fits = t == avro::type::null;
        else if constexpr (std::is_same_v<A, std::string>) fits = t == avro::type::string;
        else if constexpr (is_array<A>::value) fits = t == avro::type::fixed;
        else if constexpr (kcoro::avro::mapped_record<A>) fits = t == avro::type::record && b.name().ends_with(A::avro_name);
        if (fits) return V(std::in_place_index<I>, to_typed<A>(b, v));
        return to_variant<V, I + 1>(b, v);
    }
}

template <class M>
M to_typed(avro::node n, const json_value& v) {
    using namespace std::chrono;
    if constexpr (!is_optional<M>::value && !is_variant<M>::value) {
        if (n.type() == avro::type::union_)  // a plain member written into one branch
            return to_typed<M>(n.branch(static_cast<std::size_t>(*v.items()[0].as_int64())), v.items()[1]);
    }
    if constexpr (std::is_same_v<M, std::monostate>) {
        return {};
    } else if constexpr (std::is_same_v<M, bool>) {
        return v.as_bool();
    } else if constexpr (std::is_integral_v<M>) {
        return static_cast<M>(*v.as_int64());
    } else if constexpr (std::is_floating_point_v<M>) {
        return static_cast<M>(to_double(v));
    } else if constexpr (std::is_same_v<M, std::string>) {
        return std::string(v.as_string());
    } else if constexpr (std::is_same_v<M, std::vector<kcoro::byte>>) {
        return from_hex(v.as_string());
    } else if constexpr (is_byte_array<M>::value) {
        M out{};
        const auto b = from_hex(v.as_string());
        for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = b[i];
        return out;
    } else if constexpr (std::is_same_v<M, avro::decimal>) {
        return *avro::decimal::from_string(v.as_string());
    } else if constexpr (std::is_same_v<M, avro::uuid>) {
        return *avro::uuid::from_string(v.as_string());
    } else if constexpr (std::is_same_v<M, sys_days>) {
        return parse_date(v.as_string());
    } else if constexpr (is_duration<M>::value) {
        return floor<M>(parse_time(v.as_string()));
    } else if constexpr (sys_time_of<M>::value) {
        const auto [d, t] = parse_time_point<typename sys_time_of<M>::duration>(v.as_string());
        return M(d) + t;
    } else if constexpr (local_time_of<M>::value) {
        const auto [d, t] = parse_time_point<typename local_time_of<M>::duration>(v.as_string());
        return M(d.time_since_epoch()) + t;
    } else if constexpr (kcoro::avro::mapped_enum<M>) {
        for (const auto& s : kcoro_avro_symbols(avro::type_tag<M>{}))
            if (s.name == v.as_string()) return s.value;
        broken("no enumerator " + std::string(v.as_string()));
    } else if constexpr (is_optional<M>::value) {
        const json_value& value = n.type() == avro::type::union_ ? v.items()[1] : v;
        const avro::node b = n.type() == avro::type::union_ ? n.branch(static_cast<std::size_t>(*v.items()[0].as_int64())) : n;
        if (b.type() == avro::type::null) return std::nullopt;
        return to_typed<typename M::value_type>(b, value);
    } else if constexpr (is_variant<M>::value) {
        return to_variant<M>(n.branch(static_cast<std::size_t>(*v.items()[0].as_int64())), v.items()[1]);
    } else if constexpr (is_vector<M>::value || is_array<M>::value) {
        M out{};
        std::size_t i = 0;
        for (const json_value& x : v.items()) {
            if constexpr (is_vector<M>::value) out.push_back(to_typed<typename M::value_type>(n.items(), x));
            else out[i++] = to_typed<typename M::value_type>(n.items(), x);
        }
        return out;
    } else if constexpr (is_map<M>::value) {
        M out;
        for (const kcoro::json_member& m : v.members()) out.emplace(m.key, to_typed<typename M::mapped_type>(n.values(), m.value));
        return out;
    } else if constexpr (kcoro::avro::mapped_record<M>) {
        M out{};
        std::apply(
            [&](const auto&... m) {
                const auto field = [&](std::string_view name) -> const json_value& {
                    const json_value* f = v.find(name);
                    if (f == nullptr || !n.field_index(name)) broken("the value has no field " + std::string(name));
                    return *f;
                };
                ((out.*(m.pointer) = to_typed<typename std::remove_cvref_t<decltype(m)>::member_type>(
                      n.field_type(*n.field_index(m.name)), field(m.name))),
                 ...);
            },
            kcoro_avro_members(avro::type_tag<M>{}));
        return out;
    } else {
        static_assert(!sizeof(M*), "no conversion for this type");
    }
}

}  // namespace avro_corpus
