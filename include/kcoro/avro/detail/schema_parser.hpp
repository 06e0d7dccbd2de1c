// Turns a schema's JSON into nodes (avro::detail::schema_data), as the Avro specification 1.12
// says: names and namespaces, references to named types defined earlier (a record may refer to
// itself), aliases, defaults (checked against their field's type and kept in Avro binary),
// logical types (an invalid one is ignored, as the specification asks), then the Parsing
// Canonical Form and its fingerprint. Every rejection says where: a line and column in the text,
// and the record and field it is in.
#pragma once

#include "../../bytes.hpp"
#include "../../detail/prelude.hpp"
#include "../../error.hpp"
#include "../../json/json_reader.hpp"
#include "../../json/json_value.hpp"
#include "../../result.hpp"
#include "../../byte_sink.hpp"
#include "../fingerprint.hpp"
#include "../node.hpp"
#include "../type.hpp"
#include "binary.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro::detail {

inline bool is_name_start(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
inline bool is_name_char(char c) noexcept { return is_name_start(c) || (c >= '0' && c <= '9'); }

// [A-Za-z_][A-Za-z0-9_]*
inline bool valid_name(std::string_view s) noexcept {
    if (s.empty() || !is_name_start(s[0])) return false;
    for (char c : s)
        if (!is_name_char(c)) return false;
    return true;
}
// Names joined by dots (a namespace, or a full name when non-empty is required).
inline bool valid_dotted(std::string_view s) noexcept {
    for (;;) {
        const std::size_t dot = s.find('.');
        if (!valid_name(s.substr(0, dot))) return false;
        if (dot == std::string_view::npos) return true;
        s.remove_prefix(dot + 1);
    }
}

inline std::optional<avro::type> primitive_type(std::string_view s) noexcept {
    if (s == "null") return avro::type::null;
    if (s == "boolean") return avro::type::boolean;
    if (s == "int") return avro::type::int_;
    if (s == "long") return avro::type::long_;
    if (s == "float") return avro::type::float_;
    if (s == "double") return avro::type::double_;
    if (s == "bytes") return avro::type::bytes;
    if (s == "string") return avro::type::string;
    return std::nullopt;
}

// The most decimal digits a fixed of `size` bytes holds in two's complement:
// floor(log10(2^(8 size - 1) - 1)), which is floor((8 size - 1) log10 2) as no power of two is a power of ten.
inline std::int64_t max_fixed_decimal_precision(std::int64_t size) noexcept {
    if (size <= 0) return 0;
    return static_cast<std::int64_t>(std::floor(static_cast<long double>(8 * size - 1) * 0.30102999566398119521373889472449L));
}

class schema_parser {
public:
    explicit schema_parser(schema_data& out) : d_(out) {}

    result<void> run(const json_limits& limits) {
        auto doc = parse_json(d_.text, limits);
        if (!doc) return error(errc::invalid_schema, "avro schema: " + doc.err().detail());
        std::uint32_t root = 0;
        if (!parse(*doc, "", root)) return std::move(err_);
        d_.root = root;
        default_state_.resize(pending_.size(), 0);
        for (std::size_t i = 0; i < pending_.size(); ++i)
            if (!resolve_default(i)) return std::move(err_);
        std::vector<bool> emitted(d_.nodes.size(), false);
        canonical(d_.root, emitted);
        d_.fingerprint = fingerprint64(d_.canonical);
        return ok();
    }

private:
    // A field's default, checked and encoded once the whole schema is known (a default may hold
    // a value of a record whose fields come later in the text).
    struct pending_default {
        std::uint32_t record;
        std::size_t field;
        const json_value* value;
        std::vector<std::string> context;
    };

    // Messages name where they are: "record com.example.Order, field \"price\"".
    struct context_entry {
        schema_parser& p;
        context_entry(schema_parser& parser, std::string what) : p(parser) { p.context_.push_back(std::move(what)); }
        ~context_entry() { p.context_.pop_back(); }
        context_entry(const context_entry&) = delete;
        context_entry& operator=(const context_entry&) = delete;
    };

    bool fail(std::size_t offset, const std::string& what) {
        std::string m = "avro schema: " + describe_position(d_.text, offset) + ": ";
        for (std::size_t i = 0; i < context_.size(); ++i) {
            m += context_[i];
            m += i + 1 < context_.size() ? ", " : ": ";
        }
        m += what;
        err_ = error(errc::invalid_schema, std::move(m));
        return false;
    }

    static std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

    std::uint32_t add_node(avro::type kind, std::size_t offset) {
        node_data n;
        n.kind = kind;
        n.offset = static_cast<std::uint32_t>(offset);
        d_.nodes.push_back(std::move(n));
        return static_cast<std::uint32_t>(d_.nodes.size() - 1);
    }

    const std::uint32_t* find_named(std::string_view full) const noexcept {
        for (const auto& [name, index] : d_.named)
            if (name == full) return &index;
        return nullptr;
    }

    static std::string join_name(std::string_view ns, std::string_view name) {
        if (ns.empty()) return std::string(name);
        std::string s(ns);
        s += '.';
        s += name;
        return s;
    }

    // A type written as a name: a primitive, or a named type defined before this point. A name
    // without a dot is looked up in the enclosing namespace, then, as the Java implementation
    // does, in the null namespace.
    bool reference(const json_value& v, std::string_view ns, std::uint32_t& out) {
        const std::string_view name = v.as_string();
        if (const auto t = primitive_type(name)) {
            out = add_node(*t, v.offset());
            return true;
        }
        const bool dotted = name.find('.') != std::string_view::npos;
        if (const std::uint32_t* idx = find_named(dotted ? std::string(name) : join_name(ns, name))) {
            out = *idx;
            return true;
        }
        if (!dotted && !ns.empty())
            if (const std::uint32_t* idx = find_named(name)) {
                out = *idx;
                return true;
            }
        if (name.empty()) return fail(v.offset(), "a type name is empty");
        return fail(v.offset(), "unknown type " + quoted(name) +
                                    (dotted || ns.empty() ? std::string() : " (looked up as " + quoted(join_name(ns, name)) + ")") +
                                    ": named types must be defined before they are referred to");
    }

    bool parse(const json_value& v, std::string_view ns, std::uint32_t& out) {
        switch (v.type()) {
        case json_value::kind::string: return reference(v, ns, out);
        case json_value::kind::array: return union_of(v, ns, out);
        case json_value::kind::object: return object(v, ns, out);
        default: return fail(v.offset(), "a schema must be a type name, an object or an array (a union)");
        }
    }

    bool union_of(const json_value& v, std::string_view ns, std::uint32_t& out) {
        std::vector<std::uint32_t> branches;
        const auto items = v.items();
        for (std::size_t i = 0; i < items.size(); ++i) {
            context_entry ctx(*this, "union branch " + std::to_string(i));
            std::uint32_t b = 0;
            if (!parse(items[i], ns, b)) return false;
            const node_data& bn = d_.nodes[b];
            if (bn.kind == avro::type::union_)
                return fail(items[i].offset(), "a union may not contain a union directly");
            for (std::size_t j = 0; j < branches.size(); ++j) {
                const node_data& other = d_.nodes[branches[j]];
                if (other.kind != bn.kind) continue;
                if (!is_named(bn.kind))
                    return fail(items[i].offset(), "the union already has a branch of type " + quoted(type_name(bn.kind)) +
                                                       " (branch " + std::to_string(j) + ")");
                if (other.name == bn.name)
                    return fail(items[i].offset(), "the union already has the branch " + quoted(bn.name) + " (branch " +
                                                       std::to_string(j) + ")");
            }
            branches.push_back(b);
        }
        out = add_node(avro::type::union_, v.offset());
        d_.nodes[out].branches = std::move(branches);
        return true;
    }

    // Documentation has no bearing on the data: a "doc" that is not a string is ignored, as Java does.
    static std::string doc_of(const json_value& v) {
        const json_value* d = v.find("doc");
        return d ? std::string(d->as_string()) : std::string();
    }

    bool object(const json_value& v, std::string_view ns, std::uint32_t& out) {
        const json_value* t = v.find("type");
        if (t == nullptr) return fail(v.offset(), "the schema object has no \"type\"");
        if (!t->is_string())
            return fail(t->offset(), "\"type\" must be a type name here (a nested schema belongs in a field's \"type\")");
        const std::string_view tn = t->as_string();
        if (const auto p = primitive_type(tn)) {
            out = add_node(*p, v.offset());
            logical(v, out);
            return true;
        }
        // "error" is a record too (a protocol's error type); its canonical form says "record", as Java's does.
        if (tn == "record" || tn == "error") return named(v, ns, avro::type::record, out);
        if (tn == "enum") return named(v, ns, avro::type::enum_, out);
        if (tn == "fixed") return named(v, ns, avro::type::fixed, out);
        if (tn == "array" || tn == "map") {
            const bool is_array = tn == "array";
            const char* key = is_array ? "items" : "values";
            const json_value* c = v.find(key);
            if (c == nullptr) return fail(v.offset(), std::string("the ") + (is_array ? "array" : "map") + " has no \"" + key + "\"");
            std::uint32_t child = 0;
            {
                context_entry ctx(*this, is_array ? "array items" : "map values");
                if (!parse(*c, ns, child)) return false;
            }
            out = add_node(is_array ? avro::type::array : avro::type::map, v.offset());
            d_.nodes[out].child = child;
            return true;
        }
        // {"type": "com.example.Money"}: a reference written as an object.
        return reference(*t, ns, out);
    }

    static std::optional<std::int64_t> json_int(const json_value* v) noexcept { return v ? v->as_int64() : std::nullopt; }

    // Applies a "logicalType" when it is valid for the node; otherwise the node stays its plain type.
    void logical(const json_value& v, std::uint32_t idx) {
        const json_value* lt = v.find("logicalType");
        if (lt == nullptr || !lt->is_string()) return;
        const std::string_view name = lt->as_string();
        node_data& n = d_.nodes[idx];
        const avro::type k = n.kind;
        logical_type result = logical_type::none;
        if (name == "decimal" && (k == avro::type::bytes || k == avro::type::fixed)) {
            const auto precision = json_int(v.find("precision"));
            const json_value* scale_v = v.find("scale");
            const auto scale = scale_v ? scale_v->as_int64() : std::optional<std::int64_t>(0);
            if (!precision || *precision <= 0 || *precision > std::numeric_limits<std::int32_t>::max() || !scale || *scale < 0 ||
                *scale > *precision)
                return;
            if (k == avro::type::fixed && *precision > max_fixed_decimal_precision(n.size)) return;
            n.precision = static_cast<std::int32_t>(*precision);
            n.scale = static_cast<std::int32_t>(*scale);
            result = logical_type::decimal;
        } else if (name == "uuid") {
            if (k == avro::type::string || (k == avro::type::fixed && n.size == 16)) result = logical_type::uuid;
        } else if (k == avro::type::int_) {
            if (name == "date") result = logical_type::date;
            else if (name == "time-millis") result = logical_type::time_millis;
        } else if (k == avro::type::long_) {
            if (name == "time-micros") result = logical_type::time_micros;
            else if (name == "timestamp-millis") result = logical_type::timestamp_millis;
            else if (name == "timestamp-micros") result = logical_type::timestamp_micros;
            else if (name == "timestamp-nanos") result = logical_type::timestamp_nanos;
            else if (name == "local-timestamp-millis") result = logical_type::local_timestamp_millis;
            else if (name == "local-timestamp-micros") result = logical_type::local_timestamp_micros;
            else if (name == "local-timestamp-nanos") result = logical_type::local_timestamp_nanos;
        }
        n.logical = result;
    }

    bool aliases(const json_value& v, std::string_view ns, bool dotted_allowed, std::vector<std::string>& out) {
        const json_value* a = v.find("aliases");
        if (a == nullptr) return true;
        if (!a->is_array()) return fail(a->offset(), "\"aliases\" must be an array of names");
        for (const json_value& item : a->items()) {
            const std::string_view s = item.as_string();
            if (!item.is_string() || !(dotted_allowed ? valid_dotted(s) : valid_name(s)))
                return fail(item.offset(), "an alias must be a name ([A-Za-z_][A-Za-z0-9_]*" +
                                               std::string(dotted_allowed ? ", dotted for a full name" : "") + ")");
            out.push_back(dotted_allowed && s.find('.') == std::string_view::npos ? join_name(ns, s) : std::string(s));
        }
        return true;
    }

    bool named(const json_value& v, std::string_view enclosing_ns, avro::type kind, std::uint32_t& out) {
        const json_value* name_v = v.find("name");
        if (name_v == nullptr) return fail(v.offset(), "the " + std::string(type_name(kind)) + " has no \"name\"");
        if (!name_v->is_string()) return fail(name_v->offset(), "\"name\" must be a string");
        const std::string_view name = name_v->as_string();
        std::string ns(enclosing_ns);
        std::string full;
        if (name.find('.') != std::string_view::npos) {
            if (!valid_dotted(name))
                return fail(name_v->offset(), "invalid name " + quoted(name) + ": each part must match [A-Za-z_][A-Za-z0-9_]*");
            full = std::string(name);
            ns = full.substr(0, full.rfind('.'));
        } else {
            if (!valid_name(name))
                return fail(name_v->offset(), "invalid name " + quoted(name) + ": a name must match [A-Za-z_][A-Za-z0-9_]*");
            if (const json_value* ns_v = v.find("namespace")) {
                if (!ns_v->is_null()) {
                    if (!ns_v->is_string()) return fail(ns_v->offset(), "\"namespace\" must be a string");
                    const std::string_view s = ns_v->as_string();
                    if (!s.empty() && !valid_dotted(s))
                        return fail(ns_v->offset(), "invalid namespace " + quoted(s) + ": names joined by dots expected");
                    ns = std::string(s);
                }
            }
            full = join_name(ns, name);
        }
        if (primitive_type(full)) return fail(name_v->offset(), quoted(full) + " is a primitive type's name and cannot be defined");
        if (find_named(full)) return fail(name_v->offset(), "the name " + quoted(full) + " is already defined");

        out = add_node(kind, v.offset());
        d_.nodes[out].name = full;
        d_.named.emplace_back(full, out);
        context_entry ctx(*this, std::string(type_name(kind)) + " " + full);

        std::vector<std::string> alias_list;
        if (!aliases(v, ns, true, alias_list)) return false;
        d_.nodes[out].aliases = std::move(alias_list);
        d_.nodes[out].doc = doc_of(v);

        switch (kind) {
        case avro::type::record: return record_fields(v, ns, out);
        case avro::type::enum_: return enum_symbols(v, out);
        default: return fixed_size(v, out);
        }
    }

    bool record_fields(const json_value& v, const std::string& ns, std::uint32_t idx) {
        const json_value* fields = v.find("fields");
        if (fields == nullptr) return fail(v.offset(), "the record has no \"fields\"");
        if (!fields->is_array()) return fail(fields->offset(), "\"fields\" must be an array");
        for (const json_value& f : fields->items()) {
            if (!f.is_object()) return fail(f.offset(), "a field must be an object with a \"name\" and a \"type\"");
            const json_value* fname = f.find("name");
            if (fname == nullptr) return fail(f.offset(), "the field has no \"name\"");
            if (!fname->is_string() || !valid_name(fname->as_string()))
                return fail(fname->offset(), "invalid field name: a name must match [A-Za-z_][A-Za-z0-9_]*");
            const std::string name(fname->as_string());
            for (const field_data& other : d_.nodes[idx].fields)
                if (other.name == name) return fail(fname->offset(), "the field " + quoted(name) + " is already defined");
            context_entry ctx(*this, "field " + quoted(name));
            field_data fd;
            fd.name = name;
            fd.offset = static_cast<std::uint32_t>(f.offset());
            const json_value* ftype = f.find("type");
            if (ftype == nullptr) return fail(f.offset(), "the field has no \"type\"");
            if (!parse(*ftype, ns, fd.type)) return false;
            if (!aliases(f, ns, false, fd.aliases)) return false;
            fd.doc = doc_of(f);
            if (const json_value* order = f.find("order")) {
                const std::string_view o = order->as_string();
                if (o == "ascending") fd.order = field_order::ascending;
                else if (o == "descending") fd.order = field_order::descending;
                else if (o == "ignore") fd.order = field_order::ignore;
                else return fail(order->offset(), "\"order\" must be \"ascending\", \"descending\" or \"ignore\"");
            }
            if (const json_value* def = f.find("default")) {
                fd.has_default = true;
                pending_.push_back({idx, d_.nodes[idx].fields.size(), def, context_});
            }
            d_.nodes[idx].fields.push_back(std::move(fd));
        }
        return true;
    }

    bool enum_symbols(const json_value& v, std::uint32_t idx) {
        const json_value* symbols = v.find("symbols");
        if (symbols == nullptr) return fail(v.offset(), "the enum has no \"symbols\"");
        if (!symbols->is_array()) return fail(symbols->offset(), "\"symbols\" must be an array of names");
        std::vector<std::string> list;
        for (const json_value& s : symbols->items()) {
            if (!s.is_string() || !valid_name(s.as_string()))
                return fail(s.offset(), "invalid symbol: a symbol must match [A-Za-z_][A-Za-z0-9_]*");
            for (const std::string& other : list)
                if (other == s.as_string()) return fail(s.offset(), "the symbol " + quoted(other) + " is already listed");
            list.emplace_back(s.as_string());
        }
        if (const json_value* def = v.find("default")) {
            std::int32_t found = -1;
            for (std::size_t i = 0; i < list.size(); ++i)
                if (def->is_string() && list[i] == def->as_string()) found = static_cast<std::int32_t>(i);
            if (found < 0) return fail(def->offset(), "the enum's default must be one of its symbols");
            d_.nodes[idx].enum_default = found;
        }
        d_.nodes[idx].symbols = std::move(list);
        return true;
    }

    bool fixed_size(const json_value& v, std::uint32_t idx) {
        const json_value* size = v.find("size");
        if (size == nullptr) return fail(v.offset(), "the fixed has no \"size\"");
        const auto n = size->as_int64();
        if (!n || *n < 0 || *n > std::numeric_limits<std::int32_t>::max())
            return fail(size->offset(), "\"size\" must be an integer from 0 to 2147483647");
        d_.nodes[idx].size = *n;
        logical(v, idx);
        return true;
    }

    // ---- defaults ----

    bool resolve_default(std::size_t i) {
        if (default_state_[i] == 2) return true;
        const pending_default& p = pending_[i];
        if (default_state_[i] == 1) {
            context_ = p.context;
            return fail(p.value->offset(), "the default needs itself (a field left out of a record default falls back to this same default)");
        }
        default_state_[i] = 1;
        byte_buffer bytes;
        std::string why;
        const std::uint32_t type = d_.nodes[p.record].fields[p.field].type;
        if (!encode_default(type, *p.value, bytes, why)) {
            if (!err_) {
                context_ = p.context;
                fail(p.value->offset(), "invalid default: " + why);
            }
            return false;
        }
        d_.nodes[p.record].fields[p.field].default_bytes = std::move(bytes);
        default_state_[i] = 2;
        return true;
    }

    // A field's default bytes, resolving it first when it is still pending.
    const byte_buffer* field_default(std::uint32_t record, std::size_t field) {
        for (std::size_t i = 0; i < pending_.size(); ++i)
            if (pending_[i].record == record && pending_[i].field == field) {
                if (!resolve_default(i)) return nullptr;
                return &d_.nodes[record].fields[field].default_bytes;
            }
        return nullptr;
    }

    static bool json_float(const json_value& v, double& out) {
        if (v.is_number()) {
            const auto d = v.as_double();
            if (!d) return false;
            out = *d;
            return true;
        }
        if (!v.is_string()) return false;
        const std::string_view s = v.as_string();
        if (s == "NaN") out = std::numeric_limits<double>::quiet_NaN();
        else if (s == "Infinity") out = std::numeric_limits<double>::infinity();
        else if (s == "-Infinity") out = -std::numeric_limits<double>::infinity();
        else return false;
        return true;
    }

    // Bytes and fixed defaults are strings whose code points 0-255 are the bytes.
    static bool latin1_bytes(std::string_view utf8, byte_buffer& out) {
        for (std::size_t i = 0; i < utf8.size();) {
            const auto c = static_cast<unsigned char>(utf8[i]);
            if (c < 0x80) {
                out.push_back(c);
                ++i;
            } else if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size()) {
                out.push_back(static_cast<byte>(((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F)));
                i += 2;
            } else {
                return false;
            }
        }
        return true;
    }

    // Writes `v` as a value of node `idx`; false with `why` when it is not one. Errors of the
    // schema itself (a default that needs itself) are set in err_ directly.
    bool encode_default(std::uint32_t idx, const json_value& v, byte_buffer& out, std::string& why) {
        buffer_sink sink{out};
        const node_data& n = d_.nodes[idx];
        switch (n.kind) {
        case avro::type::null:
            if (!v.is_null()) return why = "expected null", false;
            return true;
        case avro::type::boolean:
            if (!v.is_bool()) return why = "expected true or false", false;
            write_bool(sink, v.as_bool());
            return true;
        case avro::type::int_: {
            const auto i = v.as_int64();
            if (!i || *i < std::numeric_limits<std::int32_t>::min() || *i > std::numeric_limits<std::int32_t>::max())
                return why = "expected an integer in the range of an int", false;
            write_long(sink, *i);
            return true;
        }
        case avro::type::long_: {
            const auto i = v.as_int64();
            if (!i) return why = "expected an integer in the range of a long", false;
            write_long(sink, *i);
            return true;
        }
        case avro::type::float_:
        case avro::type::double_: {
            double d = 0;
            if (!json_float(v, d)) return why = "expected a number (or \"NaN\", \"Infinity\", \"-Infinity\")", false;
            if (n.kind == avro::type::float_) write_float(sink, static_cast<float>(d));
            else write_double(sink, d);
            return true;
        }
        case avro::type::bytes:
        case avro::type::fixed: {
            byte_buffer b;
            if (!v.is_string() || !latin1_bytes(v.as_string(), b))
                return why = "expected a string of code points 0 to 255, one per byte", false;
            if (n.kind == avro::type::fixed) {
                if (b.size() != static_cast<std::size_t>(n.size))
                    return why = "expected " + std::to_string(n.size) + " bytes for the fixed, found " + std::to_string(b.size()), false;
                out.append(b.view());
            } else {
                write_bytes(sink, b.data(), b.size());
            }
            return true;
        }
        case avro::type::string:
            if (!v.is_string()) return why = "expected a string", false;
            write_bytes(sink, v.as_string().data(), v.as_string().size());
            return true;
        case avro::type::enum_:
            for (std::size_t i = 0; i < n.symbols.size(); ++i)
                if (v.is_string() && n.symbols[i] == v.as_string()) {
                    write_long(sink, static_cast<std::int64_t>(i));
                    return true;
                }
            return why = "expected one of the enum's symbols", false;
        case avro::type::array: {
            if (!v.is_array()) return why = "expected an array", false;
            const std::uint32_t child = n.child;
            if (!v.items().empty()) write_long(sink, static_cast<std::int64_t>(v.items().size()));
            for (std::size_t i = 0; i < v.items().size(); ++i) {
                if (!encode_default(child, v.items()[i], out, why)) return why = "item " + std::to_string(i) + ": " + why, false;
            }
            write_long(sink, 0);
            return true;
        }
        case avro::type::map: {
            if (!v.is_object()) return why = "expected an object", false;
            const std::uint32_t child = n.child;
            if (!v.members().empty()) write_long(sink, static_cast<std::int64_t>(v.members().size()));
            for (const json_member& m : v.members()) {
                write_bytes(sink, m.key.data(), m.key.size());
                if (!encode_default(child, m.value, out, why)) return why = "key " + quoted(m.key) + ": " + why, false;
            }
            write_long(sink, 0);
            return true;
        }
        case avro::type::union_: {
            // Avro 1.12: a union's default may be a value of any branch; the first that fits is used.
            const std::vector<std::uint32_t> branches = n.branches;
            for (std::size_t b = 0; b < branches.size(); ++b) {
                byte_buffer tmp;
                std::string ignored;
                if (encode_default(branches[b], v, tmp, ignored)) {
                    write_long(sink, static_cast<std::int64_t>(b));
                    out.append(tmp.view());
                    return true;
                }
                if (err_) return false;
            }
            return why = "the value fits none of the union's branches", false;
        }
        case avro::type::record: {
            if (!v.is_object()) return why = "expected an object with the record's fields", false;
            const std::size_t count = n.fields.size();
            for (std::size_t f = 0; f < count; ++f) {
                const field_data& fd = d_.nodes[idx].fields[f];
                const std::string fname = fd.name;
                const std::uint32_t ftype = fd.type;
                if (const json_value* fv = v.find(fname)) {
                    if (!encode_default(ftype, *fv, out, why)) return why = "field " + quoted(fname) + ": " + why, false;
                } else if (d_.nodes[idx].fields[f].has_default) {
                    const byte_buffer* def = field_default(idx, f);
                    if (def == nullptr) return false;
                    out.append(def->view());
                } else {
                    return why = "field " + quoted(fname) + " is missing and has no default", false;
                }
            }
            return true;
        }
        }
        return why = "unknown type", false;
    }

    // ---- Parsing Canonical Form ----

    void canonical(std::uint32_t idx, std::vector<bool>& emitted) {
        std::string& o = d_.canonical;
        const node_data& n = d_.nodes[idx];
        if (is_named(n.kind) && emitted[idx]) {
            o += quoted(n.name);
            return;
        }
        switch (n.kind) {
        case avro::type::record:
            emitted[idx] = true;
            o += "{\"name\":" + quoted(n.name) + ",\"type\":\"record\",\"fields\":[";
            for (std::size_t f = 0; f < n.fields.size(); ++f) {
                if (f) o += ',';
                o += "{\"name\":" + quoted(d_.nodes[idx].fields[f].name) + ",\"type\":";
                canonical(d_.nodes[idx].fields[f].type, emitted);
                o += '}';
            }
            o += "]}";
            return;
        case avro::type::enum_:
            emitted[idx] = true;
            o += "{\"name\":" + quoted(n.name) + ",\"type\":\"enum\",\"symbols\":[";
            for (std::size_t s = 0; s < n.symbols.size(); ++s) {
                if (s) o += ',';
                o += quoted(n.symbols[s]);
            }
            o += "]}";
            return;
        case avro::type::fixed:
            emitted[idx] = true;
            o += "{\"name\":" + quoted(n.name) + ",\"type\":\"fixed\",\"size\":" + std::to_string(n.size) + "}";
            return;
        case avro::type::array:
        case avro::type::map: {
            const bool is_array = n.kind == avro::type::array;
            const std::uint32_t child = n.child;
            o += is_array ? "{\"type\":\"array\",\"items\":" : "{\"type\":\"map\",\"values\":";
            canonical(child, emitted);
            o += '}';
            return;
        }
        case avro::type::union_: {
            o += '[';
            const std::vector<std::uint32_t> branches = n.branches;
            for (std::size_t b = 0; b < branches.size(); ++b) {
                if (b) o += ',';
                canonical(branches[b], emitted);
            }
            o += ']';
            return;
        }
        default: o += quoted(type_name(n.kind)); return;
        }
    }

    schema_data& d_;
    error err_;
    std::vector<std::string> context_;
    std::vector<pending_default> pending_;
    std::vector<int> default_state_;  // per pending default: 0 pending, 1 being resolved, 2 done
};

}  // namespace avro::detail
KCORO_NAMESPACE_END
