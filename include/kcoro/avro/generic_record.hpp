// avro::generic_record: a record of a given schema whose fields are set by name at run time, the
// way Java's GenericData.Record is used:
//
//   auto order = kcoro::avro::generic_record::make(schema);  // the schema's root record
//   order->set("id", std::int64_t{42}).set("item", "widget").set("price", avro::decimal(999, 2));
//
// A field never set is written as its default, or fails to encode when it has none. Setting a
// field the record does not have is remembered and reported when the record is encoded, so that
// set() can be chained.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "datum.hpp"
#include "node.hpp"
#include "schema.hpp"
#include "type.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN
namespace avro {

class generic_record {
public:
    // A record of the schema's root type, which must be a record.
    static result<generic_record> make(const avro::schema& s) { return make_of(s, s.root()); }
    // A record of the named record type `full_name` in the schema (a nested record).
    static result<generic_record> make(const avro::schema& s, std::string_view full_name) {
        const auto n = s.find(full_name);
        if (!n) return error(errc::bad_config, "avro: the schema defines no type named \"" + std::string(full_name) + "\"");
        return make_of(s, *n);
    }

    generic_record& set(std::string_view field, datum value) {
        if (const auto i = type().field_index(field)) {
            fields_[*i] = std::move(value);
        } else if (misuse_.empty()) {
            misuse_ = "set(\"" + std::string(field) + "\"): the record " + std::string(type().name()) + " has no such field";
        }
        return *this;
    }
    // By position in the schema's field list (see node::field_index): no look-up by name.
    generic_record& set(std::size_t index, datum value) {
        if (index < fields_.size()) fields_[index] = std::move(value);
        else if (misuse_.empty()) misuse_ = "set(" + std::to_string(index) + "): the record has fewer fields";
        return *this;
    }
    // The value of a field, or nullptr for a field the record does not have.
    const datum* get(std::string_view field) const noexcept {
        const auto i = type().field_index(field);
        return i ? &fields_[*i] : nullptr;
    }
    const datum& at(std::size_t index) const noexcept { return fields_[index]; }
    std::size_t size() const noexcept { return fields_.size(); }

    // Unsets every field (keeping their memory), to fill the record again for the next value.
    void clear() noexcept {
        for (datum& f : fields_) f = datum();
        misuse_.clear();
    }

    node type() const noexcept { return node(data_, node_); }
    // The first set() of a field the record does not have, or empty.
    const std::string& misuse() const noexcept { return misuse_; }

private:
    static result<generic_record> make_of(const avro::schema& s, node n) {
        if (n.type() != avro::type::record)
            return error(errc::bad_config, "avro: a generic_record needs a record type, not " + std::string(type_name(n.type())));
        generic_record r;
        r.owner_ = s;
        r.data_ = n.schema_data();
        r.node_ = n.index();
        r.fields_.resize(n.field_count());
        return r;
    }

    generic_record() = default;

    std::optional<avro::schema> owner_;  // keeps the nodes alive
    const detail::schema_data* data_ = nullptr;
    std::uint32_t node_ = 0;
    std::vector<datum> fields_;
    std::string misuse_;
};

inline datum::datum(generic_record r) : v_(detail::record_box(std::move(r))) {}

namespace detail {
inline record_box::record_box(generic_record&& r) : p(std::make_unique<generic_record>(std::move(r))) {}
inline record_box::record_box(const record_box& o) : p(std::make_unique<generic_record>(*o.p)) {}
inline record_box& record_box::operator=(const record_box& o) {
    if (this != &o) p = std::make_unique<generic_record>(*o.p);
    return *this;
}
inline record_box::~record_box() = default;
}  // namespace detail

}  // namespace avro
KCORO_NAMESPACE_END
