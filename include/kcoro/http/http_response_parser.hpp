// A sans-I/O HTTP/1.1 response parser (RFC 9112): feed it the bytes as they arrive, in pieces of
// any size, until done(); the I/O is the caller's. It reads the status line and headers, skips
// interim 1xx responses, and frames the body by Content-Length, by chunked transfer coding
// (extensions and trailers read and dropped) or by the connection's close (finish()). Sizes are
// bounded (http_limits); anything malformed, ambiguous (Content-Length with Transfer-Encoding,
// differing Content-Lengths, obsolete line folding, a space before a header's colon, a bare CR
// or LF) or cut short is an error value, never a guess.
//
//   kcoro::http_response_parser p;
//   while (!p.done()) { auto n = p.feed(bytes_from_socket); if (!n) return n.err(); ... }
//   p.response().status(); p.response().body();
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "http_request.hpp"
#include "http_response.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

struct http_limits {
    std::size_t max_head_bytes = 64 * 1024;  // status line and headers; trailers count against it too
    std::size_t max_headers = 100;
    std::size_t max_body_bytes = 16 * 1024 * 1024;
    std::size_t max_chunk_line_bytes = 4096;  // a chunk's size line, extensions included
};

class http_response_parser {
public:
    explicit http_response_parser(http_limits limits = {}) noexcept : limits_(limits) {}

    // The request was a HEAD: the response has no body whatever its headers say.
    void expect_no_body() noexcept { no_body_ = true; }

    // Reads from `data`; returns how many bytes were used. Bytes after a complete response are
    // left unused (they belong to the next response on the connection).
    result<std::size_t> feed(bytes_view data) { return feed(as_string_view(data)); }
    result<std::size_t> feed(std::string_view data) {
        std::size_t i = 0;
        while (i < data.size() && state_ != state::done && state_ != state::failed) {
            switch (state_) {
            case state::head: i = head(data, i); break;
            case state::body_length: {
                const std::size_t n = std::min(remaining_, data.size() - i);
                res_.body_.append(data.substr(i, n));
                i += n;
                remaining_ -= n;
                if (remaining_ == 0) state_ = state::done;
                break;
            }
            case state::body_close: {
                const std::size_t n = data.size() - i;
                if (res_.body_.size() + n > limits_.max_body_bytes) {
                    fail("the body is larger than the limit of " + std::to_string(limits_.max_body_bytes) + " bytes");
                    break;
                }
                res_.body_.append(data.substr(i));
                i = data.size();
                break;
            }
            case state::chunk_size:
            case state::trailers: i = chunk_line(data, i); break;
            case state::chunk_data: {
                const std::size_t n = std::min(remaining_, data.size() - i);
                res_.body_.append(data.substr(i, n));
                i += n;
                remaining_ -= n;
                if (remaining_ == 0) {
                    state_ = state::chunk_data_end;
                    crlf_ = 0;
                }
                break;
            }
            case state::chunk_data_end: {
                const char want = crlf_ == 0 ? '\r' : '\n';
                if (data[i] != want) {
                    fail("a chunk's data is not followed by CRLF");
                    break;
                }
                ++i;
                if (++crlf_ == 2) state_ = state::chunk_size;
                break;
            }
            default: break;
            }
        }
        if (state_ == state::failed) return err_;
        return i;
    }

    // The connection was closed: a body delimited by the close is complete; anything else is cut short.
    result<void> finish() {
        switch (state_) {
        case state::done: return ok();
        case state::failed: return err_;
        case state::body_close: state_ = state::done; return ok();
        case state::head:
            if (line_.empty() && !seen_interim_) return error(errc::truncated, "http: the connection closed before a response");
            return error(errc::truncated, "http: the connection closed in the response's head");
        case state::body_length:
            return error(errc::truncated, "http: the connection closed " + std::to_string(remaining_) + " bytes before the end of the body");
        default: return error(errc::truncated, "http: the connection closed in the middle of a chunked body");
        }
    }

    bool done() const noexcept { return state_ == state::done; }
    const http_response& response() const noexcept { return res_; }
    // The response, leaving the parser ready for the next one on the connection.
    http_response take() {
        http_response r = std::move(res_);
        reset();
        return r;
    }
    void reset() {
        res_ = http_response();
        state_ = state::head;
        line_.clear();
        remaining_ = 0;
        crlf_ = 0;
        no_body_ = false;
        seen_interim_ = false;
        trailer_bytes_ = 0;
        trailer_count_ = 0;
        err_ = error();
    }

private:
    enum class state { head, body_length, body_close, chunk_size, chunk_data, chunk_data_end, trailers, done, failed };

    void fail(std::string what) {
        state_ = state::failed;
        err_ = error(errc::malformed_http, "http: " + std::move(what));
    }

    static bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }
    static std::string_view trim(std::string_view s) noexcept {
        while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
        while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
        return s;
    }

    // Collects the head up to its blank line, then reads it.
    std::size_t head(std::string_view data, std::size_t i) {
        while (i < data.size()) {
            line_.push_back(data[i++]);
            const std::size_t n = line_.size();
            if (n >= 4 && line_.compare(n - 4, 4, "\r\n\r\n") == 0) {
                read_head();
                return i;
            }
            if (n > limits_.max_head_bytes) {
                fail("the response head is larger than the limit of " + std::to_string(limits_.max_head_bytes) + " bytes");
                return i;
            }
        }
        return i;
    }

    // One header line "name: value"; false (having failed) when it is not one.
    bool header_line(std::string_view line, std::string_view& name, std::string_view& value) {
        if (!line.empty() && is_ows(line[0])) return fail("obsolete line folding in a header"), false;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) return fail("a header line without ':'"), false;
        name = line.substr(0, colon);
        if (!detail::http_token(name)) return fail("the header name \"" + std::string(name.substr(0, 64)) + "\" is not a token"), false;
        value = trim(line.substr(colon + 1));
        if (!detail::http_field_value(value)) return fail("the header " + std::string(name) + " holds a control character"), false;
        return true;
    }

    void read_head() {
        std::string_view rest(line_);
        rest.remove_suffix(2);  // the blank line's CRLF; each line below ends in CRLF
        std::size_t count = 0;
        bool first = true;
        while (!rest.empty()) {
            const std::size_t end = rest.find("\r\n");
            const std::string_view line = rest.substr(0, end);
            rest.remove_prefix(end + 2);
            if (line.find_first_of("\r\n") != std::string_view::npos) return fail("a bare CR or LF in the response head");
            if (first) {
                if (!status_line(line)) return;
                first = false;
                continue;
            }
            std::string_view name, value;
            if (!header_line(line, name, value)) return;
            if (++count > limits_.max_headers) return fail("more than " + std::to_string(limits_.max_headers) + " headers");
            res_.headers_.emplace_back(std::string(name), std::string(value));
        }
        line_.clear();
        if (res_.status_ < 200) {
            if (res_.status_ == 101) return fail("101 Switching Protocols was not asked for");
            // An interim response (100 Continue, 103 Early Hints): the real one follows.
            res_ = http_response();
            seen_interim_ = true;
            return;
        }
        frame_body();
    }

    bool status_line(std::string_view line) {
        // HTTP-version SP 3DIGIT [SP reason-phrase]
        if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[5] != '1' || line[6] != '.' || line[7] < '0' || line[7] > '9' ||
            line[8] != ' ')
            return fail("the status line does not start with HTTP/1.x and a space"), false;
        res_.minor_ = line[7] - '0';
        int status = 0;
        for (std::size_t k = 9; k < 12; ++k) {
            if (line[k] < '0' || line[k] > '9') return fail("the status code is not three digits"), false;
            status = status * 10 + (line[k] - '0');
        }
        if (status < 100) return fail("the status code " + std::to_string(status) + " is below 100"), false;
        res_.status_ = status;
        if (line.size() > 12) {
            if (line[12] != ' ') return fail("the status code is not three digits"), false;
            const std::string_view reason = line.substr(13);
            if (!detail::http_field_value(reason)) return fail("a control character in the reason phrase"), false;
            res_.reason_ = std::string(reason);
        }
        return true;
    }

    static bool has_token(std::string_view list, std::string_view token) noexcept {
        while (!list.empty()) {
            const std::size_t comma = list.find(',');
            if (detail::http_iequals(trim(list.substr(0, comma)), token)) return true;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
        return false;
    }

    void frame_body() {
        bool close = false, keep_alive = false, chunked = false, has_te = false;
        std::optional<std::uint64_t> length;
        for (const auto& [name, value] : res_.headers_) {
            if (detail::http_iequals(name, "connection")) {
                close = close || has_token(value, "close");
                keep_alive = keep_alive || has_token(value, "keep-alive");
            } else if (detail::http_iequals(name, "transfer-encoding")) {
                if (has_te || !detail::http_iequals(trim(value), "chunked"))
                    return fail("the transfer coding \"" + value + "\" is not supported (only chunked is)");
                has_te = chunked = true;
            } else if (detail::http_iequals(name, "content-length")) {
                // One length, possibly repeated ("42, 42"), as RFC 9110 allows.
                std::string_view list = value;
                while (true) {
                    const std::size_t comma = list.find(',');
                    const std::string_view item = trim(list.substr(0, comma));
                    std::uint64_t v = 0;
                    if (item.empty() || item.size() > 18) return fail("the Content-Length \"" + value + "\" is not a length");
                    for (char c : item) {
                        if (c < '0' || c > '9') return fail("the Content-Length \"" + value + "\" is not a length");
                        v = v * 10 + static_cast<std::uint64_t>(c - '0');
                    }
                    if (length && *length != v) return fail("the response has differing Content-Lengths");
                    length = v;
                    if (comma == std::string_view::npos) break;
                    list.remove_prefix(comma + 1);
                }
            }
        }
        res_.keep_alive_ = res_.minor_ >= 1 ? !close : (keep_alive && !close);
        if (no_body_ || res_.status_ == 204 || res_.status_ == 304) {
            state_ = state::done;
            return;
        }
        if (chunked && length) return fail("the response has both Transfer-Encoding and Content-Length");
        if (chunked) {
            state_ = state::chunk_size;
            return;
        }
        if (length) {
            if (*length > limits_.max_body_bytes)
                return fail("the body of " + std::to_string(*length) + " bytes is larger than the limit of " +
                            std::to_string(limits_.max_body_bytes));
            remaining_ = static_cast<std::size_t>(*length);
            state_ = remaining_ == 0 ? state::done : state::body_length;
            return;
        }
        res_.keep_alive_ = false;  // the body runs to the close
        state_ = state::body_close;
    }

    // A chunk-size line or a trailer line, CRLF-terminated.
    std::size_t chunk_line(std::string_view data, std::size_t i) {
        const std::size_t limit = state_ == state::chunk_size ? limits_.max_chunk_line_bytes : limits_.max_head_bytes;
        while (i < data.size()) {
            const char c = data[i++];
            if (c == '\n') {
                if (line_.empty() || line_.back() != '\r') {
                    fail("a bare LF in a chunked body");
                    return i;
                }
                line_.pop_back();
                if (state_ == state::chunk_size) chunk_size_line();
                else trailer_line();
                line_.clear();
                return i;
            }
            if (!line_.empty() && line_.back() == '\r') {
                fail("a bare CR in a chunked body");
                return i;
            }
            line_.push_back(c);
            if (line_.size() > limit || (state_ == state::trailers && trailer_bytes_ + line_.size() > limits_.max_head_bytes)) {
                fail(state_ == state::chunk_size ? "a chunk-size line longer than the limit" : "the trailers are larger than the limit");
                return i;
            }
        }
        return i;
    }

    void chunk_size_line() {
        std::string_view line(line_);
        std::uint64_t size = 0;
        std::size_t k = 0;
        for (; k < line.size(); ++k) {
            const char c = line[k];
            int d = -1;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
            if (d < 0) break;
            if (k >= 15) return fail("a chunk size of more than 15 hex digits");
            size = size * 16 + static_cast<std::uint64_t>(d);
        }
        if (k == 0) return fail("a chunk-size line that does not start with hex digits");
        std::string_view ext = line.substr(k);
        while (!ext.empty() && is_ows(ext.front())) ext.remove_prefix(1);
        if (!ext.empty() && (ext.front() != ';' || !detail::http_field_value(ext)))
            return fail("a chunk size followed by something other than an extension");
        if (size == 0) {
            state_ = state::trailers;
            return;
        }
        if (size > limits_.max_body_bytes || res_.body_.size() + size > limits_.max_body_bytes)
            return fail("the chunked body is larger than the limit of " + std::to_string(limits_.max_body_bytes) + " bytes");
        remaining_ = static_cast<std::size_t>(size);
        state_ = state::chunk_data;
    }

    void trailer_line() {
        if (line_.empty()) {
            state_ = state::done;
            return;
        }
        trailer_bytes_ += line_.size() + 2;
        std::string_view name, value;
        if (!header_line(line_, name, value)) return;
        if (++trailer_count_ > limits_.max_headers) return fail("more than " + std::to_string(limits_.max_headers) + " trailers");
    }

    http_limits limits_;
    http_response res_;
    state state_ = state::head;
    std::string line_;  // the head so far, or the current chunk-size or trailer line
    std::size_t remaining_ = 0;
    int crlf_ = 0;
    bool no_body_ = false;
    bool seen_interim_ = false;
    std::size_t trailer_bytes_ = 0;
    std::size_t trailer_count_ = 0;
    error err_;
};

KCORO_NAMESPACE_END
