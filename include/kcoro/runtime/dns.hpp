// DNS on the event loop, without threads and without blocking it: A and AAAA questions over UDP
// to the nameservers of /etc/resolv.conf (its `search` domains and `ndots` honoured), answered
// while the loop keeps running other work. Used by tcp_connect for names that are neither IP
// literals nor in /etc/hosts, unless the application installs a tcp_resolver of its own.
//
// The socket is waited on as tcp_connect waits on a pending connect (poll_fd_until): lookups
// happen once per connection, and a timer is all the loop needs to know about.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "event_loop.hpp"
#include "fd_wait.hpp"
#include "ip_endpoint.hpp"
#include "task.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct dns_config {
    std::vector<ip_endpoint> nameservers;  // port 53 unless given otherwise
    std::vector<std::string> search;       // domains tried for names with fewer than `ndots` dots
    int ndots = 1;
};

// The parts of resolv.conf(5) a stub resolver needs: nameserver, search/domain, options ndots.
inline dns_config parse_resolv_conf(std::string_view text) {
    dns_config c;
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        if (auto hash = line.find_first_of("#;"); hash != std::string::npos) line.resize(hash);
        std::istringstream fields(line);
        std::string key;
        if (!(fields >> key)) continue;
        if (key == "nameserver") {
            std::string addr;
            ip_endpoint ep;
            if (fields >> addr && detail::parse_literal(addr, 53, ep)) c.nameservers.push_back(ep);
        } else if (key == "search" || key == "domain") {
            c.search.clear();
            std::string d;
            while (fields >> d) c.search.push_back(d);
        } else if (key == "options") {
            std::string opt;
            while (fields >> opt)
                if (opt.rfind("ndots:", 0) == 0) c.ndots = std::clamp(std::atoi(opt.c_str() + 6), 0, 15);
        }
    }
    return c;
}

inline dns_config system_dns_config() {
    std::ifstream f("/etc/resolv.conf");
    std::stringstream text;
    text << f.rdbuf();
    dns_config c = parse_resolv_conf(text.str());
    if (c.nameservers.empty()) {  // what the C library assumes too
        ip_endpoint ep;
        detail::parse_literal("127.0.0.1", 53, ep);
        c.nameservers.push_back(ep);
    }
    return c;
}

namespace detail {

// A query for one name and type, with recursion desired. False if the name cannot be encoded.
inline bool dns_query(std::vector<std::uint8_t>& out, std::uint16_t id, std::string_view name, std::uint16_t qtype) {
    // assign, not clear() then insert(end(), ...): g++ 12 at -O3 takes the latter for a write past
    // the end (GCC bug 100366), and a diagnostic pragma around it does not hold once the header is
    // precompiled.
    const std::uint8_t header[12] = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    out.assign(header, header + 12);
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > 253) return false;
    while (!name.empty()) {
        const std::size_t dot = name.find('.');
        const std::string_view label = name.substr(0, dot);
        if (label.empty() || label.size() > 63) return false;
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        if (dot == std::string_view::npos) break;
        name.remove_prefix(dot + 1);
    }
    out.push_back(0);
    const std::uint8_t tail[4] = {static_cast<std::uint8_t>(qtype >> 8), static_cast<std::uint8_t>(qtype), 0, 1};
    out.insert(out.end(), tail, tail + 4);
    return true;
}

// Skips an encoded name (labels, ending in a zero byte or a compression pointer); false if it
// runs past the message.
inline bool dns_skip_name(const std::uint8_t* p, std::size_t n, std::size_t& at) {
    for (int labels = 0; labels < 128; ++labels) {
        if (at >= n) return false;
        const std::uint8_t len = p[at];
        if (len == 0) {
            ++at;
            return true;
        }
        if ((len & 0xc0) == 0xc0) {
            if (at + 2 > n) return false;
            at += 2;
            return true;
        }
        if ((len & 0xc0) != 0) return false;
        at += 1 + len;
    }
    return false;
}

struct dns_reply {
    std::uint16_t id = 0;
    int rcode = 0;
    std::vector<ip_endpoint> addresses;
};

// Reads a response: its id, its rcode and the A/AAAA records of its answer section (a CNAME chain
// is followed by the server, whose answer lists the addresses after it). False when malformed.
inline bool dns_parse(const std::uint8_t* p, std::size_t n, std::uint16_t port, dns_reply& out) {
    if (n < 12 || (p[2] & 0x80) == 0) return false;  // too short, or not a response
    out.id = static_cast<std::uint16_t>((p[0] << 8) | p[1]);
    out.rcode = p[3] & 0x0f;
    const unsigned qd = static_cast<unsigned>((p[4] << 8) | p[5]);
    const unsigned an = static_cast<unsigned>((p[6] << 8) | p[7]);
    std::size_t at = 12;
    for (unsigned i = 0; i < qd; ++i) {
        if (!dns_skip_name(p, n, at) || at + 4 > n) return false;
        at += 4;
    }
    for (unsigned i = 0; i < an; ++i) {
        if (!dns_skip_name(p, n, at) || at + 10 > n) return false;
        const unsigned type = static_cast<unsigned>((p[at] << 8) | p[at + 1]);
        const unsigned cls = static_cast<unsigned>((p[at + 2] << 8) | p[at + 3]);
        const std::size_t rdlen = static_cast<std::size_t>((p[at + 8] << 8) | p[at + 9]);
        at += 10;
        if (at + rdlen > n) return false;
        if (cls == 1 && type == 1 && rdlen == 4) out.addresses.push_back(endpoint_from(AF_INET, p + at, port));
        if (cls == 1 && type == 28 && rdlen == 16) out.addresses.push_back(endpoint_from(AF_INET6, p + at, port));
        at += rdlen;
    }
    return true;
}

inline std::uint16_t dns_next_id() noexcept {
    // Per thread: loops on several threads may look names up at once.
    thread_local std::uint32_t state = static_cast<std::uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1u;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return static_cast<std::uint16_t>(state);
}

// Closes the query socket however dns_ask ends. At namespace scope: g++ 12 fails with an internal
// error (in write_encoding) mangling a class local to a coroutine once the header is precompiled
// and debug information is on.
struct dns_socket_closer {
    int fd;
    ~dns_socket_closer() { ::close(fd); }
};

// Asks one server for A and AAAA of one name within `deadline`, sending the questions again once
// halfway through. Addresses (IPv4 first) or an error saying what the server said.
inline task<result<std::vector<ip_endpoint>>> dns_ask(event_loop& loop, const ip_endpoint& server, std::string name,
                                                      std::uint16_t port, std::chrono::steady_clock::time_point deadline) {
    const int fd = ::socket(server.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) co_return error(errc::resolve_failed, std::string("DNS socket: ") + std::strerror(errno));
    const dns_socket_closer close_fd{fd};
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&server.addr), server.len) != 0)
        co_return error(errc::resolve_failed, std::string("DNS connect: ") + std::strerror(errno));
    const std::uint16_t ids[2] = {dns_next_id(), dns_next_id()};
    const std::uint16_t types[2] = {1, 28};
    std::vector<std::uint8_t> queries[2];
    for (int q = 0; q < 2; ++q)
        if (!dns_query(queries[q], ids[q], name, types[q]))
            co_return error(errc::resolve_failed, "'" + name + "' is not a valid DNS name");
    auto send_all = [&] {
        for (int q = 0; q < 2; ++q) (void)::send(fd, queries[q].data(), queries[q].size(), 0);
    };
    send_all();
    const auto resend_at = loop.now() + (deadline - loop.now()) / 2;
    bool resent = false, answered[2] = {false, false};
    int rcode = 0;
    std::vector<ip_endpoint> v4, v6;
    std::uint8_t buf[1500];
    while (!(answered[0] && answered[1]) && loop.now() < deadline) {
        const bool readable = co_await poll_fd_until(loop, fd, POLLIN, resent ? deadline : std::min(deadline, resend_at));
        if (!readable) {
            if (!resent && loop.now() >= resend_at) {
                send_all();
                resent = true;
            }
            continue;
        }
        for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            dns_reply reply;
            if (!dns_parse(buf, static_cast<std::size_t>(n), port, reply)) continue;  // garbage: keep waiting
            for (int q = 0; q < 2; ++q) {
                if (answered[q] || reply.id != ids[q]) continue;
                answered[q] = true;
                if (reply.rcode != 0) rcode = reply.rcode;
                auto& into = q == 0 ? v4 : v6;
                into.insert(into.end(), reply.addresses.begin(), reply.addresses.end());
            }
        }
    }
    v4.insert(v4.end(), v6.begin(), v6.end());
    if (!v4.empty()) co_return v4;
    if (!answered[0] && !answered[1]) co_return error(errc::timed_out, "DNS: no answer for '" + name + "' in time");
    if (rcode == 3) co_return error(errc::resolve_failed, "DNS: '" + name + "' does not exist (NXDOMAIN)");
    if (rcode != 0) co_return error(errc::resolve_failed, "DNS: the server answered '" + name + "' with rcode " + std::to_string(rcode));
    co_return error(errc::resolve_failed, "DNS: '" + name + "' has no A or AAAA record");
}

}  // namespace detail

// Resolves `host` with DNS on the loop: the name as given and with each search domain (in the
// order resolv.conf's ndots rule gives), each nameserver in turn, all within `timeout`.
inline task<result<std::vector<ip_endpoint>>> dns_resolve(event_loop& loop, std::string host, std::uint16_t port,
                                                          std::chrono::milliseconds timeout, dns_config config = system_dns_config()) {
    const auto deadline = loop.now() + timeout;
    std::vector<std::string> names;
    const bool absolute = !host.empty() && host.back() == '.';
    const auto dots = std::count(host.begin(), host.end(), '.');
    if (absolute || dots >= config.ndots) names.push_back(host);
    if (!absolute)
        for (const auto& d : config.search) names.push_back(host + "." + d);
    if (!absolute && dots < config.ndots) names.push_back(host);
    if (config.nameservers.empty()) co_return error(errc::resolve_failed, "DNS: no nameserver configured");
    error last(errc::resolve_failed, "DNS: no address for '" + host + "'");
    for (const auto& name : names) {
        for (std::size_t i = 0; i < config.nameservers.size(); ++i) {
            // Each server gets an equal share of what is left, so a dead first server cannot use it all.
            const auto left = deadline - loop.now();
            if (left <= std::chrono::steady_clock::duration::zero()) co_return last;
            const auto share = left / static_cast<long>(config.nameservers.size() - i);
            auto r = co_await detail::dns_ask(loop, config.nameservers[i], name, port, loop.now() + share);
            if (r) co_return r;
            last = r.err();
            // An answer (the name does not exist, or has no address) ends this name; silence tries
            // the next server.
            if (last.kind() != errc::timed_out) break;
        }
    }
    co_return last;
}

KCORO_NAMESPACE_END
