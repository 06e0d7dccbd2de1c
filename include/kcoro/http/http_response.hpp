// An HTTP/1.1 response as http_response_parser reads it: status, headers in the order they came,
// and the whole body (de-chunked).
#pragma once

#include "../detail/prelude.hpp"
#include "http_request.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

class http_response {
public:
    int status() const noexcept { return status_; }
    std::string_view reason() const noexcept { return reason_; }
    // 0 for HTTP/1.0, 1 for HTTP/1.1.
    int minor_version() const noexcept { return minor_; }
    const std::vector<std::pair<std::string, std::string>>& headers() const noexcept { return headers_; }
    // The first header of that name (names compare without case), without surrounding whitespace.
    std::optional<std::string_view> header(std::string_view name) const noexcept {
        for (const auto& [n, v] : headers_)
            if (detail::http_iequals(n, name)) return std::string_view(v);
        return std::nullopt;
    }
    std::string_view body() const noexcept { return body_; }
    // Whether the connection may carry another request: HTTP/1.1 unless "Connection: close",
    // HTTP/1.0 only with "Connection: keep-alive", never after a body that ran to the close.
    bool keep_alive() const noexcept { return keep_alive_; }

private:
    friend class http_response_parser;

    int status_ = 0;
    int minor_ = 1;
    std::string reason_;
    std::vector<std::pair<std::string, std::string>> headers_;
    std::string body_;
    bool keep_alive_ = true;
};

KCORO_NAMESPACE_END
