// Writing JSON strings: the one piece of JSON output kcoro needs (a Schema Registry request body
// carries a schema, itself JSON text, as a string). The text is taken as UTF-8 and passed through;
// quotes, backslashes and control characters are escaped, so that any input gives valid JSON.
#pragma once

#include "../detail/prelude.hpp"

#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

// Appends s to out as a quoted JSON string.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default:
            if (u < 0x20) {
                out.append("\\u00");
                out.push_back(hex[u >> 4]);
                out.push_back(hex[u & 0xf]);
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

KCORO_NAMESPACE_END
