// An IP endpoint (IPv4 or IPv6 address and port) and the parsing of numeric literals, shared by
// TCP connect and the DNS resolver.
#pragma once

#include "../detail/prelude.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

struct ip_endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;
};

namespace detail {
inline bool parse_literal(std::string_view host, std::uint16_t port, ip_endpoint& out) {
    std::string h(host);
    sockaddr_in v4{};
    if (::inet_pton(AF_INET, h.c_str(), &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(port);
        std::memcpy(&out.addr, &v4, sizeof v4);
        out.len = sizeof v4;
        return true;
    }
    sockaddr_in6 v6{};
    if (::inet_pton(AF_INET6, h.c_str(), &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(port);
        std::memcpy(&out.addr, &v6, sizeof v6);
        out.len = sizeof v6;
        return true;
    }
    return false;
}
}  // namespace detail

KCORO_NAMESPACE_END
