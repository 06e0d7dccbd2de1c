// The text of a Java properties file (java.util.Properties.load) as key/value entries: the format
// of the client.properties files Kafka's tools and users already have.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct property_entry {
    std::string key;
    std::string value;
    int line = 0;  // where the entry starts, from 1
};

namespace detail {
inline void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

constexpr bool properties_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\f'; }

// Undoes the escapes of one logical line's key or value: \t \n \r \f, \uXXXX (as UTF-8, surrogate
// pairs joined), and a backslash before any other character stands for that character.
inline result<std::string> unescape_properties(std::string_view s, int line) {
    std::string out;
    out.reserve(s.size());
    std::uint32_t high = 0;  // a pending high surrogate
    // A high surrogate with no low one after it stands for U+FFFD.
    auto lone_high = [&] {
        if (high) detail::append_utf8(out, 0xfffd);
        high = 0;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c != '\\' || i + 1 == s.size()) {
            lone_high();
            out += c;
            continue;
        }
        c = s[++i];
        if (c == 'u') {
            if (s.size() - i - 1 < 4)
                return error(errc::bad_config, "line " + std::to_string(line) + ": malformed \\uXXXX escape");
            std::uint32_t cp = 0;
            for (int k = 0; k < 4; ++k) {
                const char h = s[i + 1 + static_cast<std::size_t>(k)];
                cp <<= 4;
                if (h >= '0' && h <= '9') cp |= static_cast<std::uint32_t>(h - '0');
                else if (h >= 'a' && h <= 'f') cp |= static_cast<std::uint32_t>(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F') cp |= static_cast<std::uint32_t>(h - 'A' + 10);
                else return error(errc::bad_config, "line " + std::to_string(line) + ": malformed \\uXXXX escape");
            }
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00) {
                lone_high();
                high = cp;
                continue;
            }
            if (cp >= 0xdc00 && cp < 0xe000) {
                if (high) {
                    detail::append_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (cp - 0xdc00));
                    high = 0;
                } else {
                    detail::append_utf8(out, 0xfffd);
                }
                continue;
            }
            lone_high();
            detail::append_utf8(out, cp);
            continue;
        }
        lone_high();
        switch (c) {
            case 't': out += '\t'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 'f': out += '\f'; break;
            default: out += c; break;
        }
    }
    lone_high();
    return out;
}
}  // namespace detail

// Parses properties text as java.util.Properties.load does: lines end at \n, \r or \r\n; a line
// ending in an odd number of backslashes continues on the next (whose leading blanks are dropped);
// blank lines and lines starting with # or ! are comments; the key ends at the first unescaped
// '=', ':' or blank, and blanks around the separator are dropped. Bytes above 0x7f are kept as
// they are (so UTF-8 files read as UTF-8). A malformed \u escape is an error naming the line.
inline result<std::vector<property_entry>> parse_properties(std::string_view text) {
    std::vector<property_entry> out;
    std::size_t pos = 0;
    int line_no = 0;
    // Reads one natural line (without its terminator) and counts it.
    auto next_line = [&](std::string_view& line) {
        if (pos >= text.size()) return false;
        std::size_t end = text.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) end = text.size();
        line = text.substr(pos, end - pos);
        pos = end;
        if (pos < text.size()) {
            if (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
            ++pos;
        }
        ++line_no;
        return true;
    };
    auto ends_continued = [](std::string_view l) {
        std::size_t n = 0;
        while (n < l.size() && l[l.size() - 1 - n] == '\\') ++n;
        return n % 2 == 1;
    };
    std::string_view natural;
    while (next_line(natural)) {
        std::size_t i = 0;
        while (i < natural.size() && detail::properties_space(natural[i])) ++i;
        if (i == natural.size() || natural[i] == '#' || natural[i] == '!') continue;
        const int start_line = line_no;
        std::string logical(natural.substr(i));
        while (ends_continued(logical)) {
            logical.pop_back();
            std::string_view more;
            if (!next_line(more)) break;
            std::size_t j = 0;
            while (j < more.size() && detail::properties_space(more[j])) ++j;
            logical.append(more.substr(j));
        }
        // The key runs to the first unescaped separator.
        std::size_t k = 0;
        bool escaped = false;
        for (; k < logical.size(); ++k) {
            const char c = logical[k];
            if (escaped) {
                escaped = false;
                continue;
            }
            if (c == '\\') escaped = true;
            else if (c == '=' || c == ':' || detail::properties_space(c)) break;
        }
        std::size_t v = k;
        while (v < logical.size() && detail::properties_space(logical[v])) ++v;
        if (v < logical.size() && (logical[v] == '=' || logical[v] == ':')) ++v;
        while (v < logical.size() && detail::properties_space(logical[v])) ++v;
        auto key = detail::unescape_properties(std::string_view(logical).substr(0, k), start_line);
        if (!key) return std::move(key).err();
        auto value = detail::unescape_properties(std::string_view(logical).substr(v), start_line);
        if (!value) return std::move(value).err();
        out.push_back({std::move(*key), std::move(*value), start_line});
    }
    return out;
}

KCORO_NAMESPACE_END
