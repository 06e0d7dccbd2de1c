// avro-c (Apache Avro's C implementation, Debian's libavro-dev) as a third reference, in process:
// every corpus schema is parsed by avro-c and every value written through its generic value
// interface must give the bytes fastavro and avro gave (expected.json), which kcoro's encoders
// must give too. avro-c has no logical types, so it is handed their underlying values (days,
// counts of the unit, a decimal's unscaled two's complement, computed by the test).
#include <kcoro/avro.hpp>

#include "../unit/avro_corpus.hpp"

#include <avro.h>

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace {

namespace avro = kcoro::avro;
using kcoro::json_value;

std::string avro_c_error() { return avro_strerror(); }

// The unscaled two's complement bytes of a decimal as a schema node writes them (without the
// length of a bytes decimal).
std::vector<kcoro::byte> decimal_bytes(avro::node n, const avro::decimal& d) {
    kcoro::byte_buffer buf;
    kcoro::buffer_sink sink{buf};
    avro::detail::encode_error e;
    REQUIRE(avro::detail::write_decimal(n, d, sink, e));
    std::vector<kcoro::byte> out(buf.begin(), buf.end());
    if (n.type() == avro::type::bytes) {  // drop the length's varint
        std::size_t k = 0;
        while (out[k] & 0x80) ++k;
        out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k + 1));
    }
    return out;
}

template <class D>
std::int64_t time_point_count(std::string_view text) {
    const auto [day, time] = avro_corpus::parse_time_point<D>(text);
    return (std::chrono::sys_time<D>(day) + time).time_since_epoch().count();
}

// Fills an avro-c value with a corpus value, by kcoro's view of the schema (for logical types).
bool fill(avro_value_t* out, avro::node n, const json_value& v) {
    using avro::logical_type;
    const logical_type lt = n.logical();
    switch (n.type()) {
    case avro::type::null: return avro_value_set_null(out) == 0;
    case avro::type::boolean: return avro_value_set_boolean(out, v.as_bool() ? 1 : 0) == 0;
    case avro::type::int_: {
        std::int64_t i = 0;
        if (lt == logical_type::date) i = avro_corpus::parse_date(v.as_string()).time_since_epoch().count();
        else if (lt == logical_type::time_millis)
            i = std::chrono::floor<std::chrono::milliseconds>(avro_corpus::parse_time(v.as_string())).count();
        else i = *v.as_int64();
        return avro_value_set_int(out, static_cast<std::int32_t>(i)) == 0;
    }
    case avro::type::long_: {
        std::int64_t i = 0;
        switch (lt) {
        case logical_type::time_micros:
            i = std::chrono::floor<std::chrono::microseconds>(avro_corpus::parse_time(v.as_string())).count();
            break;
        case logical_type::timestamp_millis:
        case logical_type::local_timestamp_millis: i = time_point_count<std::chrono::milliseconds>(v.as_string()); break;
        case logical_type::timestamp_micros:
        case logical_type::local_timestamp_micros: i = time_point_count<std::chrono::microseconds>(v.as_string()); break;
        case logical_type::timestamp_nanos:
        case logical_type::local_timestamp_nanos: i = time_point_count<std::chrono::nanoseconds>(v.as_string()); break;
        default: i = *v.as_int64();
        }
        return avro_value_set_long(out, i) == 0;
    }
    case avro::type::float_: return avro_value_set_float(out, static_cast<float>(avro_corpus::to_double(v))) == 0;
    case avro::type::double_: return avro_value_set_double(out, avro_corpus::to_double(v)) == 0;
    case avro::type::bytes:
    case avro::type::fixed: {
        std::vector<kcoro::byte> b = lt == logical_type::decimal ? decimal_bytes(n, *avro::decimal::from_string(v.as_string()))
                                                                 : avro_corpus::from_hex(v.as_string());
        b.reserve(1);  // avro-c refuses a null pointer, even for no bytes
        if (n.type() == avro::type::fixed) return avro_value_set_fixed(out, b.data(), b.size()) == 0;
        return avro_value_set_bytes(out, b.data(), b.size()) == 0;
    }
    case avro::type::string: {
        std::string s(v.as_string());
        return avro_value_set_string_len(out, s.c_str(), s.size() + 1) == 0;  // the size counts the terminator
    }
    case avro::type::enum_: return avro_value_set_enum(out, static_cast<int>(*n.symbol_index(v.as_string()))) == 0;
    case avro::type::array:
        for (const json_value& item : v.items()) {
            avro_value_t child;
            if (avro_value_append(out, &child, nullptr) != 0 || !fill(&child, n.items(), item)) return false;
        }
        return true;
    case avro::type::map:
        for (const kcoro::json_member& m : v.members()) {
            avro_value_t child;
            if (avro_value_add(out, m.key.c_str(), &child, nullptr, nullptr) != 0 || !fill(&child, n.values(), m.value)) return false;
        }
        return true;
    case avro::type::union_: {
        const auto branch = static_cast<int>(*v.items()[0].as_int64());
        avro_value_t child;
        return avro_value_set_branch(out, branch, &child) == 0 && fill(&child, n.branch(static_cast<std::size_t>(branch)), v.items()[1]);
    }
    case avro::type::record:
        for (std::size_t i = 0; i < n.field_count(); ++i) {
            const json_value* f = v.find(n.field_name(i));
            if (f == nullptr) return false;  // avro-c writes no defaults; such values are left out below
            avro_value_t child;
            if (avro_value_get_by_index(out, i, &child, nullptr) != 0 || !fill(&child, n.field_type(i), *f)) return false;
        }
        return true;
    }
    return false;
}

// Whether every record in the value gives every field (avro-c cannot write a default).
bool complete(avro::node n, const json_value& v) {
    switch (n.type()) {
    case avro::type::record:
        for (std::size_t i = 0; i < n.field_count(); ++i) {
            const json_value* f = v.find(n.field_name(i));
            if (f == nullptr || !complete(n.field_type(i), *f)) return false;
        }
        return true;
    case avro::type::array:
        for (const json_value& x : v.items())
            if (!complete(n.items(), x)) return false;
        return true;
    case avro::type::map:
        for (const kcoro::json_member& m : v.members())
            if (!complete(n.values(), m.value)) return false;
        return true;
    case avro::type::union_: return complete(n.branch(static_cast<std::size_t>(*v.items()[0].as_int64())), v.items()[1]);
    default: return true;
    }
}

}  // namespace

TEST_CASE("avro_c_xcheck: avro-c writes the bytes fastavro, avro and kcoro write, for every corpus value") {
    std::size_t checked = 0, without_defaults = 0, schemas = 0;
    for (const json_value& e : avro_corpus::expected().find("schemas")->items()) {
        const std::string_view text = e.find("schema")->as_string();
        CAPTURE(e.find("name")->as_string());
        auto ks = avro::schema::parse(text);
        REQUIRE(ks);
        auto kenc = avro::encoder<avro::datum>::make(*ks);
        REQUIRE(kenc);
        avro_schema_t schema = nullptr;
        REQUIRE_MESSAGE(avro_schema_from_json_length(text.data(), text.size(), &schema) == 0, avro_c_error());
        avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
        REQUIRE_MESSAGE(iface != nullptr, avro_c_error());
        ++schemas;
        for (const json_value& v : e.find("values")->items()) {
            const json_value& value = *v.find("value");
            const std::string want(v.find("hex")->as_string());
            CAPTURE(want);
            if (!complete(ks->root(), value)) {
                ++without_defaults;
                continue;
            }
            avro_value_t av;
            REQUIRE(avro_generic_value_new(iface, &av) == 0);
            REQUIRE_MESSAGE(fill(&av, ks->root(), value), avro_c_error());
            std::vector<char> buf(1 << 16);
            avro_writer_t w = avro_writer_memory(buf.data(), static_cast<int64_t>(buf.size()));
            REQUIRE_MESSAGE(avro_value_write(w, &av) == 0, avro_c_error());
            const auto n = static_cast<std::size_t>(avro_writer_tell(w));
            avro_writer_free(w);
            avro_value_decref(&av);
            const std::string got = avro_corpus::to_hex({reinterpret_cast<const kcoro::byte*>(buf.data()), n});
            CHECK(got == want);

            kcoro::byte_buffer kb;
            kcoro::buffer_sink sink{kb};
            REQUIRE(kenc->encode(avro_corpus::to_datum(*ks, ks->root(), value), sink));
            CHECK(avro_corpus::to_hex(kb.view()) == got);
            ++checked;
        }
        avro_value_iface_decref(iface);
        avro_schema_decref(schema);
    }
    MESSAGE("avro-c: ", schemas, " schemas, ", checked, " values equal; ", without_defaults, " values left out (they rely on defaults)");
    CHECK(checked >= 170);
}
