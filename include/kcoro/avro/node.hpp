// avro::node: a read-only view of one type in a parsed schema (the whole schema, a field's type,
// an array's items, a union's branch...). A node is a pointer and an index: cheap to copy, valid
// while the avro::schema it came from (or a copy of it) lives. Named types are one node however
// often they are referred to, so a recursive schema is a graph, not an infinite tree.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "type.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro {

enum class field_order : std::uint8_t { ascending, descending, ignore };

namespace detail {
struct field_data {
    std::string name;
    std::vector<std::string> aliases;
    std::string doc;
    std::uint32_t type = 0;  // node index
    field_order order = field_order::ascending;
    bool has_default = false;
    // The default already in Avro binary: a value that is left out is written as these bytes.
    byte_buffer default_bytes;
    std::uint32_t offset = 0;  // where the field is defined in the schema's text
};

struct node_data {
    avro::type kind = avro::type::null;
    logical_type logical = logical_type::none;
    std::string name;                  // the full name of a named type
    std::string doc;
    std::vector<std::string> aliases;  // full names (named types)
    std::vector<field_data> fields;    // record
    std::vector<std::string> symbols;  // enum
    std::int32_t enum_default = -1;    // enum: index of the default symbol, or -1
    std::uint32_t child = 0;           // array items, map values
    std::vector<std::uint32_t> branches;  // union
    std::int64_t size = 0;             // fixed
    std::int32_t precision = 0;        // decimal
    std::int32_t scale = 0;            // decimal
    std::uint32_t offset = 0;          // where the type is written in the schema's text
};

struct schema_data {
    std::string text;  // as given to schema::parse
    std::vector<node_data> nodes;
    std::uint32_t root = 0;
    std::vector<std::pair<std::string, std::uint32_t>> named;  // full name -> node, in definition order
    std::string canonical;
    std::uint64_t fingerprint = 0;
};
}  // namespace detail

class node {
public:
    node() = default;
    node(const detail::schema_data* schema, std::uint32_t index) noexcept : s_(schema), i_(index) {}

    avro::type type() const noexcept { return d().kind; }
    logical_type logical() const noexcept { return d().logical; }
    // The full name of a record, enum or fixed ("com.example.Order"); empty for other types.
    std::string_view name() const noexcept { return d().name; }
    std::string_view doc() const noexcept { return d().doc; }
    std::span<const std::string> aliases() const noexcept { return d().aliases; }

    // Records.
    std::size_t field_count() const noexcept { return d().fields.size(); }
    std::string_view field_name(std::size_t i) const noexcept { return d().fields[i].name; }
    node field_type(std::size_t i) const noexcept { return {s_, d().fields[i].type}; }
    bool field_has_default(std::size_t i) const noexcept { return d().fields[i].has_default; }
    // The default in Avro binary, as it is written for a field left out.
    bytes_view field_default(std::size_t i) const noexcept { return d().fields[i].default_bytes.view(); }
    std::span<const std::string> field_aliases(std::size_t i) const noexcept { return d().fields[i].aliases; }
    field_order field_sort_order(std::size_t i) const noexcept { return d().fields[i].order; }
    std::optional<std::size_t> field_index(std::string_view name) const noexcept {
        const auto& f = d().fields;
        for (std::size_t i = 0; i < f.size(); ++i)
            if (f[i].name == name) return i;
        return std::nullopt;
    }

    // Enums.
    std::span<const std::string> symbols() const noexcept { return d().symbols; }
    std::optional<std::size_t> symbol_index(std::string_view symbol) const noexcept {
        const auto& s = d().symbols;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s[i] == symbol) return i;
        return std::nullopt;
    }
    std::optional<std::size_t> enum_default() const noexcept {
        if (d().enum_default < 0) return std::nullopt;
        return static_cast<std::size_t>(d().enum_default);
    }

    // Arrays and maps.
    node items() const noexcept { return {s_, d().child}; }
    node values() const noexcept { return {s_, d().child}; }

    // Unions.
    std::size_t branch_count() const noexcept { return d().branches.size(); }
    node branch(std::size_t i) const noexcept { return {s_, d().branches[i]}; }

    // Fixed.
    std::size_t size() const noexcept { return static_cast<std::size_t>(d().size); }

    // Decimals.
    int precision() const noexcept { return d().precision; }
    int scale() const noexcept { return d().scale; }

    std::uint32_t index() const noexcept { return i_; }
    const detail::schema_data* schema_data() const noexcept { return s_; }
    // Where the type is written in the schema's text, in bytes.
    std::size_t offset() const noexcept { return d().offset; }

    friend bool operator==(const node& a, const node& b) noexcept { return a.s_ == b.s_ && a.i_ == b.i_; }

private:
    const detail::node_data& d() const noexcept { return s_->nodes[i_]; }

    const detail::schema_data* s_ = nullptr;
    std::uint32_t i_ = 0;
};

}  // namespace avro
KCORO_NAMESPACE_END
