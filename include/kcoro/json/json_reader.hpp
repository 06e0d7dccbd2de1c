// kcoro's own JSON reader, for Avro schemas and Schema Registry replies: strict RFC 8259 (no
// comments, no trailing commas, no NaN, no leading zeros, no control characters in strings, valid
// UTF-8, no lone surrogates, one value per text) plus two rules of its own: an object may not
// repeat a key (an Avro schema with two "type"s is ambiguous, and readers disagree on which
// wins), and nesting is bounded, so that no input can exhaust the stack. Errors are values that
// say where: "line 3, column 14: expected ',' or '}' after an object member".
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "json_value.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct json_limits {
    // Arrays and objects inside each other, the outermost counting as 1.
    std::size_t max_depth = 128;
    // Longest text accepted; json_value keeps offsets in 32 bits.
    std::size_t max_bytes = std::size_t{1} << 30;
};

// A 1-based line and column (in bytes) of an offset into a text.
struct text_position {
    std::size_t line = 1;
    std::size_t column = 1;
};

inline text_position position_of(std::string_view text, std::size_t offset) noexcept {
    text_position p;
    if (offset > text.size()) offset = text.size();
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

// "line L, column C", the prefix of every message about a place in a text.
inline std::string describe_position(std::string_view text, std::size_t offset) {
    const text_position p = position_of(text, offset);
    return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column);
}

namespace detail {

class json_parser {
public:
    json_parser(std::string_view text, const json_limits& limits) : s_(text), limits_(limits) {}

    result<json_value> parse() {
        if (s_.size() > limits_.max_bytes || s_.size() > 0xffffffffu)
            return fail_at(0, "the text is longer than the limit of " + std::to_string(limits_.max_bytes) + " bytes");
        json_value v;
        skip_ws();
        if (!value(v, 0)) return std::move(err_);
        skip_ws();
        if (i_ != s_.size()) return fail_at(i_, "unexpected text after the JSON value");
        return v;
    }

private:
    bool fail(std::size_t at, std::string what) {
        err_ = error(errc::invalid_json, "json: " + describe_position(s_, at) + ": " + std::move(what));
        return false;
    }
    error fail_at(std::size_t at, std::string what) {
        fail(at, std::move(what));
        return std::move(err_);
    }

    void skip_ws() noexcept {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool at_end() const noexcept { return i_ >= s_.size(); }
    bool literal(std::string_view word) noexcept {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }

    bool value(json_value& v, std::size_t depth) {
        if (at_end()) return fail(i_, "expected a value, found the end of the text");
        v.offset_ = static_cast<std::uint32_t>(i_);
        const char c = s_[i_];
        switch (c) {
        case '{': return object(v, depth + 1);
        case '[': return array(v, depth + 1);
        case '"':
            v.kind_ = json_value::kind::string;
            return string(v.text_);
        case 't':
            if (!literal("true")) return fail(i_, "expected a value (true?)");
            v.kind_ = json_value::kind::boolean;
            v.bool_ = true;
            return true;
        case 'f':
            if (!literal("false")) return fail(i_, "expected a value (false?)");
            v.kind_ = json_value::kind::boolean;
            return true;
        case 'n':
            if (!literal("null")) return fail(i_, "expected a value (null?)");
            return true;
        default:
            if (c == '-' || (c >= '0' && c <= '9')) return number(v);
            return fail(i_, "expected a value");
        }
    }

    bool object(json_value& v, std::size_t depth) {
        if (depth > limits_.max_depth) return fail(i_, "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
        v.kind_ = json_value::kind::object;
        ++i_;
        skip_ws();
        if (!at_end() && s_[i_] == '}') {
            ++i_;
            return true;
        }
        for (;;) {
            if (at_end() || s_[i_] != '"') return fail(i_, "expected a string as the object member's name");
            json_member m;
            m.key_offset = i_;
            if (!string(m.key)) return false;
            skip_ws();
            if (at_end() || s_[i_] != ':') return fail(i_, "expected ':' after the member name");
            ++i_;
            skip_ws();
            if (!value(m.value, depth)) return false;
            v.members_.push_back(std::move(m));
            skip_ws();
            if (at_end()) return fail(i_, "the object is not closed: expected ',' or '}'");
            if (s_[i_] == '}') {
                ++i_;
                return unique_keys(v.members_);
            }
            if (s_[i_] != ',') return fail(i_, "expected ',' or '}' after an object member");
            ++i_;
            skip_ws();
        }
    }

    // Small objects are checked pairwise; large ones through a sorted copy of their keys, so that
    // an object of many members costs n log n, not n squared.
    bool unique_keys(const std::vector<json_member>& members) {
        const auto repeated = [&](const json_member& m) {
            return fail(m.key_offset, "the object repeats the member \"" + m.key + "\"");
        };
        if (members.size() <= 16) {
            for (std::size_t a = 1; a < members.size(); ++a)
                for (std::size_t b = 0; b < a; ++b)
                    if (members[a].key == members[b].key) return repeated(members[a]);
            return true;
        }
        std::vector<std::size_t> order(members.size());
        for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return members[a].key != members[b].key ? members[a].key < members[b].key : a < b;
        });
        for (std::size_t k = 1; k < order.size(); ++k)
            if (members[order[k]].key == members[order[k - 1]].key) return repeated(members[order[k]]);
        return true;
    }

    bool array(json_value& v, std::size_t depth) {
        if (depth > limits_.max_depth) return fail(i_, "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
        v.kind_ = json_value::kind::array;
        ++i_;
        skip_ws();
        if (!at_end() && s_[i_] == ']') {
            ++i_;
            return true;
        }
        for (;;) {
            v.items_.emplace_back();
            if (!value(v.items_.back(), depth)) return false;
            skip_ws();
            if (at_end()) return fail(i_, "the array is not closed: expected ',' or ']'");
            if (s_[i_] == ']') {
                ++i_;
                return true;
            }
            if (s_[i_] != ',') return fail(i_, "expected ',' or ']' after an array item");
            ++i_;
            skip_ws();
        }
    }

    bool digits() noexcept {
        const std::size_t start = i_;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
        return i_ > start;
    }

    bool number(json_value& v) {
        const std::size_t start = i_;
        bool integral = true;
        if (s_[i_] == '-') ++i_;
        if (at_end() || s_[i_] < '0' || s_[i_] > '9') return fail(i_, "expected a digit in the number");
        if (s_[i_] == '0') {
            ++i_;
            if (!at_end() && s_[i_] >= '0' && s_[i_] <= '9') return fail(start, "a number may not have a leading zero");
        } else {
            digits();
        }
        if (!at_end() && s_[i_] == '.') {
            integral = false;
            ++i_;
            if (!digits()) return fail(i_, "expected a digit after the decimal point");
        }
        if (!at_end() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            integral = false;
            ++i_;
            if (!at_end() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (!digits()) return fail(i_, "expected a digit in the exponent");
        }
        v.kind_ = json_value::kind::number;
        v.integral_ = integral;
        v.text_.assign(s_.substr(start, i_ - start));
        return true;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    bool hex4(std::uint32_t& out) noexcept {
        if (s_.size() - i_ < 4) return false;
        std::uint32_t v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_ + static_cast<std::size_t>(k)];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
            else return false;
        }
        i_ += 4;
        out = v;
        return true;
    }

    // One UTF-8 sequence starting at i_ (whose first byte is >= 0x80), checked as RFC 3629 says:
    // no overlong forms, no surrogates, nothing above U+10FFFF.
    bool utf8_sequence(std::string& out) {
        const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s_[i_ + k]); };
        const unsigned char c = b(0);
        std::size_t n = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) n = 2;
        else if (c == 0xE0) n = 3, lo = 0xA0;
        else if (c >= 0xE1 && c <= 0xEC) n = 3;
        else if (c == 0xED) n = 3, hi = 0x9F;
        else if (c >= 0xEE && c <= 0xEF) n = 3;
        else if (c == 0xF0) n = 4, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3) n = 4;
        else if (c == 0xF4) n = 4, hi = 0x8F;
        else return fail(i_, "invalid UTF-8 in the string");
        if (s_.size() - i_ < n) return fail(i_, "invalid UTF-8 in the string (a truncated sequence)");
        if (b(1) < lo || b(1) > hi) return fail(i_, "invalid UTF-8 in the string");
        for (std::size_t k = 2; k < n; ++k)
            if (b(k) < 0x80 || b(k) > 0xBF) return fail(i_, "invalid UTF-8 in the string");
        out.append(s_.substr(i_, n));
        i_ += n;
        return true;
    }

    bool string(std::string& out) {
        const std::size_t open = i_;
        ++i_;  // the opening quote
        for (;;) {
            if (at_end()) return fail(open, "the string is not closed");
            const unsigned char c = static_cast<unsigned char>(s_[i_]);
            if (c == '"') {
                ++i_;
                return true;
            }
            if (c < 0x20) return fail(i_, "a control character must be escaped in a string");
            if (c >= 0x80) {
                if (!utf8_sequence(out)) return false;
                continue;
            }
            if (c != '\\') {
                // A run of plain ASCII at once.
                std::size_t j = i_ + 1;
                while (j < s_.size()) {
                    const unsigned char d = static_cast<unsigned char>(s_[j]);
                    if (d == '"' || d == '\\' || d < 0x20 || d >= 0x80) break;
                    ++j;
                }
                out.append(s_.substr(i_, j - i_));
                i_ = j;
                continue;
            }
            const std::size_t esc = i_;
            ++i_;
            if (at_end()) return fail(open, "the string is not closed");
            switch (s_[i_++]) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) return fail(esc, "expected four hex digits after \\u");
                if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(esc, "a low surrogate without a high surrogate before it");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t low = 0;
                    if (s_.substr(i_, 2) != "\\u" || (i_ += 2, !hex4(low)) || low < 0xDC00 || low > 0xDFFF)
                        return fail(esc, "a high surrogate not followed by a low surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                append_utf8(out, cp);
                break;
            }
            default: return fail(esc, "unknown escape sequence in the string");
            }
        }
    }

    std::string_view s_;
    json_limits limits_;
    std::size_t i_ = 0;
    error err_;
};

}  // namespace detail

// Parses one JSON text into a document.
inline result<json_value> parse_json(std::string_view text, const json_limits& limits = {}) {
    return detail::json_parser(text, limits).parse();
}

KCORO_NAMESPACE_END
