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
// An endpoint from a raw address: 4 bytes of IPv4 or 16 of IPv6, in network order.
inline ip_endpoint endpoint_from(int family, const void* address, std::uint16_t port) noexcept {
    ip_endpoint ep;
    if (family == AF_INET) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = htons(port);
        std::memcpy(&v4.sin_addr, address, 4);
        std::memcpy(&ep.addr, &v4, sizeof v4);
        ep.len = sizeof v4;
    } else {
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(port);
        std::memcpy(&v6.sin6_addr, address, 16);
        std::memcpy(&ep.addr, &v6, sizeof v6);
        ep.len = sizeof v6;
    }
    return ep;
}

inline bool parse_literal(std::string_view host, std::uint16_t port, ip_endpoint& out) {
    const std::string h(host);
    unsigned char address[16];
    for (int family : {AF_INET, AF_INET6}) {
        if (::inet_pton(family, h.c_str(), address) == 1) {
            out = endpoint_from(family, address, port);
            return true;
        }
    }
    return false;
}
}  // namespace detail

KCORO_NAMESPACE_END
