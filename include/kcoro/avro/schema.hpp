// avro::schema: a parsed, checked Avro schema (specification 1.12). Immutable and shared: copies
// are cheap and may be used from any thread. Parsing rejects what the specification forbids
// with a message that says where ("avro schema: line 4, column 17: record com.example.Order,
// field \"price\": unknown type \"Money\" ..."); it never aborts or throws.
//
//   auto s = kcoro::avro::schema::parse(R"({"type": "record", "name": "Order", "fields": [...]})");
//   if (!s) log(s.err().message());
//   s->canonical_form();   // Parsing Canonical Form
//   s->fingerprint();      // its CRC-64-AVRO fingerprint
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../json/json_reader.hpp"
#include "../result.hpp"
#include "detail/schema_parser.hpp"
#include "node.hpp"
#include "type.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN
namespace avro {

class schema {
public:
    // The JSON limits bound the schema's text (its nesting above all).
    static result<schema> parse(std::string_view json, const json_limits& limits = {}) {
        auto data = std::make_shared<detail::schema_data>();
        data->text = std::string(json);
        KCORO_TRY(detail::schema_parser(*data).run(limits));
        return schema(std::move(data));
    }

    // The type the schema is (usually a record).
    node root() const noexcept { return {d_.get(), d_->root}; }
    // A named type (record, enum, fixed) by its full name.
    std::optional<node> find(std::string_view full_name) const noexcept {
        for (const auto& [name, index] : d_->named)
            if (name == full_name) return node(d_.get(), index);
        return std::nullopt;
    }
    // The Parsing Canonical Form: only what decides how data is read, with full names, in a fixed
    // order and without whitespace. Equal for every writing of the same schema.
    std::string_view canonical_form() const noexcept { return d_->canonical; }
    // CRC-64-AVRO of the canonical form.
    std::uint64_t fingerprint() const noexcept { return d_->fingerprint; }
    // The JSON as it was given (what a Schema Registry is sent: logical types and docs included).
    std::string_view text() const noexcept { return d_->text; }

private:
    explicit schema(std::shared_ptr<const detail::schema_data> d) noexcept : d_(std::move(d)) {}

    std::shared_ptr<const detail::schema_data> d_;
};

}  // namespace avro
KCORO_NAMESPACE_END
