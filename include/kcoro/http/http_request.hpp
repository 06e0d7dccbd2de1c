// An HTTP/1.1 request written into a buffer, for the Schema Registry client (sans-I/O: whoever owns
// the connection sends the bytes). The writer owns the framing: it writes Host and, when there is a
// body or the method carries one, Content-Length; it refuses those (and Transfer-Encoding) from the
// caller, and refuses any name or value that would break the message apart (a CR or LF in a value,
// a space in a name), so that no input can smuggle a second request.
//
//   const kcoro::http_header h[] = {{"Accept", "application/vnd.schemaregistry.v1+json"}};
//   kcoro::byte_buffer out;
//   auto r = kcoro::write_http_request({.method = "POST", .target = "/subjects/orders-value/versions",
//                                       .host = "registry:8081", .headers = h, .body = json}, out);
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

struct http_header {
    std::string_view name;
    std::string_view value;
};

struct http_request {
    std::string_view method = "GET";
    std::string_view target = "/";  // origin form: the path and query, already percent-encoded
    std::string_view host;          // the Host header: name, and :port when not the scheme's default
    std::span<const http_header> headers{};
    std::optional<std::string_view> body{};  // sent with its Content-Length
};

namespace detail {
// RFC 9110 tchar.
constexpr bool http_token_char(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
    }
}
constexpr bool http_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!http_token_char(c)) return false;
    return true;
}
// A field value: visible characters, obs-text, spaces and tabs (no CR, LF, NUL or other controls).
constexpr bool http_field_value(std::string_view s) noexcept {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
    }
    return true;
}
constexpr char http_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr bool http_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (http_lower(a[i]) != http_lower(b[i])) return false;
    return true;
}
}  // namespace detail

// Appends the request to `out`; on error nothing is appended.
inline result<void> write_http_request(const http_request& req, byte_buffer& out) {
    const auto bad = [](std::string what) { return error(errc::bad_config, "http: " + std::move(what)); };
    if (!detail::http_token(req.method)) return bad("the method \"" + std::string(req.method) + "\" is not a token");
    if (req.target.empty() || req.target[0] != '/') return bad("the request target must start with '/'");
    for (char c : req.target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return bad("the request target holds a space, a control or a non-ASCII character");
    }
    if (req.host.empty() || !detail::http_field_value(req.host) || req.host.find_first_of(" \t/") != std::string_view::npos)
        return bad("the host \"" + std::string(req.host) + "\" is empty or not a host[:port]");
    for (const http_header& h : req.headers) {
        if (!detail::http_token(h.name)) return bad("the header name \"" + std::string(h.name) + "\" is not a token");
        if (!detail::http_field_value(h.value)) return bad("the value of header " + std::string(h.name) + " holds a control character");
        for (std::string_view own : {"host", "content-length", "transfer-encoding"})
            if (detail::http_iequals(h.name, own)) return bad("the header " + std::string(h.name) + " is written by the request writer");
    }
    const bool length = req.body.has_value() || detail::http_iequals(req.method, "POST") || detail::http_iequals(req.method, "PUT") ||
                        detail::http_iequals(req.method, "PATCH");
    out.append(req.method);
    out.push_back(' ');
    out.append(req.target);
    out.append(std::string_view(" HTTP/1.1\r\nHost: "));
    out.append(req.host);
    out.append(std::string_view("\r\n"));
    for (const http_header& h : req.headers) {
        out.append(h.name);
        out.append(std::string_view(": "));
        out.append(h.value);
        out.append(std::string_view("\r\n"));
    }
    if (length) {
        out.append(std::string_view("Content-Length: "));
        out.append(std::to_string(req.body ? req.body->size() : 0));
        out.append(std::string_view("\r\n"));
    }
    out.append(std::string_view("\r\n"));
    if (req.body) out.append(*req.body);
    return ok();
}

KCORO_NAMESPACE_END
