// An IPv4 or IPv6 socket address, and the resolution that needs no network: numeric literals and
// the hosts file.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct ip_endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;

    int family() const noexcept { return addr.ss_family; }
    std::uint16_t port() const noexcept {
        if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
        if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
        return 0;
    }
    // "127.0.0.1:9092" or "[::1]:9092", for messages.
    std::string to_string() const {
        char text[INET6_ADDRSTRLEN] = {};
        if (family() == AF_INET) {
            ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text, sizeof text);
            return std::string(text) + ":" + std::to_string(port());
        }
        if (family() == AF_INET6) {
            ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, text, sizeof text);
            return "[" + std::string(text) + "]:" + std::to_string(port());
        }
        return "?";
    }

    static ip_endpoint v4(const in_addr& a, std::uint16_t port) noexcept {
        ip_endpoint ep;
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr = a;
        std::memcpy(&ep.addr, &sa, sizeof sa);
        ep.len = sizeof sa;
        return ep;
    }
    static ip_endpoint v6(const in6_addr& a, std::uint16_t port) noexcept {
        ip_endpoint ep;
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        sa.sin6_addr = a;
        std::memcpy(&ep.addr, &sa, sizeof sa);
        ep.len = sizeof sa;
        return ep;
    }
};

// Parses "10.0.0.1", "::1" or "[::1]"; nullopt for anything that is not a numeric address.
inline std::optional<ip_endpoint> parse_ip_literal(std::string_view host, std::uint16_t port) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char text[INET6_ADDRSTRLEN] = {};
    std::memcpy(text, host.data(), host.size());
    in_addr a4{};
    if (::inet_pton(AF_INET, text, &a4) == 1) return ip_endpoint::v4(a4, port);
    in6_addr a6{};
    if (::inet_pton(AF_INET6, text, &a6) == 1) return ip_endpoint::v6(a6, port);
    return std::nullopt;
}

namespace detail {
inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}
// Host names compare without case and without a trailing dot ("Broker1." is "broker1").
inline std::string_view strip_root_dot(std::string_view s) noexcept {
    return !s.empty() && s.back() == '.' ? s.substr(0, s.size() - 1) : s;
}
}  // namespace detail

// Every address the hosts file gives `host`, in file order (a local file, read each time: it is
// small and may change). An empty result means "not listed".
inline std::vector<ip_endpoint> resolve_from_hosts_file(std::string_view host, std::uint16_t port,
                                                        const char* path = "/etc/hosts") {
    std::vector<ip_endpoint> out;
    host = detail::strip_root_dot(host);
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        std::string_view rest(line);
        if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
        auto next_field = [&rest]() -> std::string_view {
            const auto start = rest.find_first_not_of(" \t\r");
            if (start == std::string_view::npos) {
                rest = {};
                return {};
            }
            rest = rest.substr(start);
            const auto end = std::min(rest.find_first_of(" \t\r"), rest.size());
            std::string_view field = rest.substr(0, end);
            rest = rest.substr(end);
            return field;
        };
        const std::string_view addr = next_field();
        if (addr.empty()) continue;
        for (std::string_view name = next_field(); !name.empty(); name = next_field()) {
            if (!detail::iequals(detail::strip_root_dot(name), host)) continue;
            if (auto ep = parse_ip_literal(addr, port)) out.push_back(*ep);
            break;
        }
    }
    return out;
}

// Resolution without the network: a literal, then the hosts file, then "localhost" as the loopback
// addresses (127.0.0.1, then ::1) when the file does not list it. errc::resolve_failed otherwise.
inline result<std::vector<ip_endpoint>> resolve_without_dns(std::string_view host, std::uint16_t port) {
    std::vector<ip_endpoint> out;
    if (auto ep = parse_ip_literal(host, port)) {
        out.push_back(*ep);
        return out;
    }
    out = resolve_from_hosts_file(host, port);
    if (out.empty() && detail::iequals(detail::strip_root_dot(host), "localhost")) {
        out.push_back(*parse_ip_literal("127.0.0.1", port));
        out.push_back(*parse_ip_literal("::1", port));
    }
    if (out.empty())
        return error(errc::resolve_failed, "'" + std::string(host) +
                                               "' is not an IP literal or in /etc/hosts, and this resolver has no DNS "
                                               "(use dns_resolver, or pass a tcp_resolver)");
    return out;
}

KCORO_NAMESPACE_END
