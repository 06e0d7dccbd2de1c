// A parsed JSON document: what kcoro's JSON reader (json_reader.hpp) returns, for Avro schemas
// and Schema Registry replies. Read-only once parsed. Every value remembers the byte offset where
// it starts in the text, so that whoever interprets the document (the Avro schema parser) can say
// where a value it rejects is.
#pragma once

#include "../detail/prelude.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

KCORO_NAMESPACE_BEGIN

namespace detail {
class json_parser;
}

struct json_member;

class json_value {
public:
    enum class kind : std::uint8_t { null, boolean, number, string, array, object };

    json_value() = default;

    kind type() const noexcept { return kind_; }
    bool is_null() const noexcept { return kind_ == kind::null; }
    bool is_bool() const noexcept { return kind_ == kind::boolean; }
    bool is_number() const noexcept { return kind_ == kind::number; }
    bool is_string() const noexcept { return kind_ == kind::string; }
    bool is_array() const noexcept { return kind_ == kind::array; }
    bool is_object() const noexcept { return kind_ == kind::object; }

    // False unless the value is `true`.
    bool as_bool() const noexcept { return kind_ == kind::boolean && bool_; }
    // A string's content with its escapes decoded (UTF-8); empty for other kinds.
    std::string_view as_string() const noexcept { return kind_ == kind::string ? std::string_view(text_) : std::string_view(); }
    // A number as it was written; empty for other kinds.
    std::string_view number_text() const noexcept { return kind_ == kind::number ? std::string_view(text_) : std::string_view(); }
    // A number written as an integer (no fraction, no exponent) that fits 64 bits.
    std::optional<std::int64_t> as_int64() const noexcept {
        if (kind_ != kind::number || !integral_) return std::nullopt;
        std::int64_t v = 0;
        const char* end = text_.data() + text_.size();
        auto [p, ec] = std::from_chars(text_.data(), end, v);
        if (ec != std::errc() || p != end) return std::nullopt;
        return v;
    }
    // Any number that is finite as a double.
    std::optional<double> as_double() const noexcept {
        if (kind_ != kind::number) return std::nullopt;
        double v = 0;
        const char* end = text_.data() + text_.size();
        auto [p, ec] = std::from_chars(text_.data(), end, v);
        if (ec != std::errc() || p != end) return std::nullopt;
        return v;
    }
    // True for a number written without fraction or exponent (of any size).
    bool is_integer_literal() const noexcept { return kind_ == kind::number && integral_; }

    // An array's items; empty for other kinds.
    std::span<const json_value> items() const noexcept;
    // An object's members in document order; empty for other kinds.
    std::span<const json_member> members() const noexcept;
    // The value of an object's member (keys are unique: the reader rejects duplicates).
    const json_value* find(std::string_view key) const noexcept;

    // Where the value starts in the text it was parsed from, in bytes.
    std::size_t offset() const noexcept { return offset_; }

private:
    friend class detail::json_parser;

    kind kind_ = kind::null;
    bool bool_ = false;
    bool integral_ = false;
    std::uint32_t offset_ = 0;
    std::string text_;                  // string content or number text
    std::vector<json_value> items_;     // array
    std::vector<json_member> members_;  // object
};

struct json_member {
    std::string key;
    json_value value;
    std::size_t key_offset = 0;  // where the key's opening quote is
};

inline std::span<const json_value> json_value::items() const noexcept { return items_; }
inline std::span<const json_member> json_value::members() const noexcept { return members_; }
inline const json_value* json_value::find(std::string_view key) const noexcept {
    for (const json_member& m : members_)
        if (m.key == key) return &m.value;
    return nullptr;
}

KCORO_NAMESPACE_END
