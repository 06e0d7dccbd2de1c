// dns_resolver: host names to addresses without stalling the loop and without threads (so no
// getaddrinfo on the loop thread, no getaddrinfo_a). In order: an IP literal; the hosts file;
// "localhost" as the loopback addresses; then DNS over UDP on the loop - an A and an AAAA query
// to the first nameserver of /etc/resolv.conf (or the one configured), answered within the
// timeout, retried once per attempt. IPv4 addresses come first, then IPv6, each in answer order.
//
// Deliberately small: the name is queried as given (no search domains or ndots), truncated
// answers are used as far as they go (no TCP fallback), and nothing is cached (brokers are
// resolved when a connection opens, which is rare). Applications that need more plug in their own
// resolver (see the resolver concept) or a tcp_resolver hook.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "event_loop.hpp"
#include "ip_endpoint.hpp"
#include "task.hpp"

#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct dns_options {
    // The server to ask; by default the first "nameserver" line of resolv_conf_path.
    std::optional<ip_endpoint> nameserver;
    std::chrono::milliseconds timeout{2000};  // per attempt
    int attempts = 2;
    const char* hosts_path = "/etc/hosts";
    const char* resolv_conf_path = "/etc/resolv.conf";
};

namespace detail {

inline std::optional<ip_endpoint> first_nameserver(const char* path) {
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        std::string_view rest(line);
        const auto start = rest.find_first_not_of(" \t");
        if (start == std::string_view::npos) continue;
        rest = rest.substr(start);
        if (rest.substr(0, 10) != "nameserver" || rest.size() < 11 || (rest[10] != ' ' && rest[10] != '\t')) continue;
        rest = rest.substr(11);
        const auto a = rest.find_first_not_of(" \t");
        if (a == std::string_view::npos) continue;
        rest = rest.substr(a);
        rest = rest.substr(0, std::min(rest.find_first_of(" \t\r#"), rest.size()));
        if (auto ep = parse_ip_literal(rest, 53)) return ep;
    }
    return std::nullopt;
}

constexpr std::uint16_t dns_type_a = 1;
constexpr std::uint16_t dns_type_aaaa = 28;

// A standard recursive query for one name and type; false if the name cannot be a DNS name.
inline bool encode_dns_query(std::string_view name, std::uint16_t id, std::uint16_t type, std::vector<std::uint8_t>& out) {
    name = strip_root_dot(name);
    if (name.empty() || name.size() > 253) return false;
    out.assign({static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0x01, 0x00,  // RD
                0, 1, 0, 0, 0, 0, 0, 0});
    while (!name.empty()) {
        const auto dot = std::min(name.find('.'), name.size());
        if (dot == 0 || dot > 63) return false;
        out.push_back(static_cast<std::uint8_t>(dot));
        out.insert(out.end(), name.begin(), name.begin() + static_cast<std::ptrdiff_t>(dot));
        name = dot < name.size() ? name.substr(dot + 1) : std::string_view{};
    }
    out.insert(out.end(), {0, static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
    return true;
}

struct dns_answer {
    bool matched = false;   // the response answers this query
    int rcode = 0;          // 3: the name does not exist
    std::vector<ip_endpoint> addresses;
};

// Reads a response to `query`: the id, the QR bit and the question (compared without case) must
// match, or it is not ours. Only records of the asked type are taken; a CNAME chain needs no
// following because resolvers put the target's records in the same answer.
inline dns_answer decode_dns_response(const std::uint8_t* p, std::size_t n, const std::vector<std::uint8_t>& query,
                                      std::uint16_t port) {
    dns_answer out;
    const std::size_t question_size = query.size() - 12;
    if (n < 12 + question_size || p[0] != query[0] || p[1] != query[1] || (p[2] & 0x80) == 0) return out;
    if (((p[4] << 8) | p[5]) != 1) return out;
    for (std::size_t i = 0; i < question_size; ++i) {
        std::uint8_t a = p[12 + i], b = query[12 + i];
        if (a >= 'A' && a <= 'Z') a = static_cast<std::uint8_t>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<std::uint8_t>(b - 'A' + 'a');
        if (a != b) return out;
    }
    out.matched = true;
    out.rcode = p[3] & 0x0f;
    const std::uint16_t want = static_cast<std::uint16_t>((query[query.size() - 4] << 8) | query[query.size() - 3]);
    std::size_t ancount = static_cast<std::size_t>((p[6] << 8) | p[7]);
    std::size_t pos = 12 + question_size;
    while (ancount-- > 0) {
        // The owner name: labels ending in a zero byte or a two-byte compression pointer.
        for (;;) {
            if (pos >= n) return out;
            const std::uint8_t len = p[pos];
            if ((len & 0xc0) == 0xc0) {
                pos += 2;
                break;
            }
            if (len & 0xc0) return out;
            pos += 1 + len;
            if (len == 0) break;
        }
        if (pos + 10 > n) return out;
        const std::uint16_t type = static_cast<std::uint16_t>((p[pos] << 8) | p[pos + 1]);
        const std::uint16_t cls = static_cast<std::uint16_t>((p[pos + 2] << 8) | p[pos + 3]);
        const std::size_t rdlength = static_cast<std::size_t>((p[pos + 8] << 8) | p[pos + 9]);
        pos += 10;
        if (pos + rdlength > n) return out;
        if (cls == 1 && type == want && type == dns_type_a && rdlength == 4) {
            in_addr a{};
            std::memcpy(&a, p + pos, 4);
            out.addresses.push_back(ip_endpoint::v4(a, port));
        } else if (cls == 1 && type == want && type == dns_type_aaaa && rdlength == 16) {
            in6_addr a{};
            std::memcpy(&a, p + pos, 16);
            out.addresses.push_back(ip_endpoint::v6(a, port));
        }
        pos += rdlength;
    }
    return out;
}

// Waits until a datagram socket is readable or the deadline passes; yields true when readable.
class readable_or_deadline : io_operation, timer_node {
public:
    readable_or_deadline(event_loop& loop, fd_waiters& w, steady_time deadline) noexcept
        : loop_(&loop), w_(&w), deadline_(deadline) {
        io_operation::step = &on_readable;
        timer_node::fire = &on_deadline;
    }
    readable_or_deadline(const readable_or_deadline&) = delete;
    readable_or_deadline& operator=(const readable_or_deadline&) = delete;
    ~readable_or_deadline() {
        loop_->disarm(*this);
        if (registered) loop_->cancel_io(w_->reader);
    }
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        loop_->wait_io(w_->reader, *this, h);
        loop_->arm(*this, deadline_);
    }
    bool await_resume() const noexcept { return readable_; }

private:
    static bool on_readable(io_operation& op, int) noexcept {
        auto& self = static_cast<readable_or_deadline&>(op);
        self.readable_ = true;
        self.loop_->disarm(self);
        return true;
    }
    static void on_deadline(timer_node& n) {
        auto& self = static_cast<readable_or_deadline&>(n);
        self.loop_->cancel_io(self.w_->reader);
        self.loop_->post(self.waiter);
    }
    event_loop* loop_;
    fd_waiters* w_;
    steady_time deadline_;
    bool readable_ = false;
};

// A UDP socket connected to the nameserver (so the kernel drops datagrams from anyone else),
// registered with the loop for as long as one resolution runs.
class dns_socket {
public:
    dns_socket(event_loop& loop, const ip_endpoint& server) : loop_(&loop) {
        w_.fd = ::socket(server.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (w_.fd < 0) return;
        if (::connect(w_.fd, reinterpret_cast<const sockaddr*>(&server.addr), server.len) != 0 || !loop.watch(w_)) {
            ::close(w_.fd);
            w_.fd = -1;
        }
    }
    dns_socket(const dns_socket&) = delete;
    dns_socket& operator=(const dns_socket&) = delete;
    ~dns_socket() {
        if (w_.fd < 0) return;
        loop_->unwatch(w_);
        ::close(w_.fd);
    }
    bool ok() const noexcept { return w_.fd >= 0; }
    int fd() const noexcept { return w_.fd; }
    fd_waiters& waiters() noexcept { return w_; }

private:
    event_loop* loop_;
    fd_waiters w_;
};

inline std::uint16_t random_query_id() {
    std::uint16_t id = 0;
    if (::getrandom(&id, sizeof id, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof id))
        id = static_cast<std::uint16_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    return id;
}

}  // namespace detail

class dns_resolver {
public:
    explicit dns_resolver(event_loop& loop, dns_options options = {}) : loop_(&loop), options_(std::move(options)) {}

    // `co_await r.async_resolve(host, port)` -> result<vector<ip_endpoint>>, never empty on
    // success; errc::resolve_failed with a detail saying why otherwise.
    task<result<std::vector<ip_endpoint>>> async_resolve(std::string_view host, std::uint16_t port) {
        return resolve(loop_, options_, std::string(host), port);
    }

private:
    static task<result<std::vector<ip_endpoint>>> resolve(event_loop* loop, dns_options options, std::string host,
                                                          std::uint16_t port) {
        if (auto ep = parse_ip_literal(host, port)) co_return std::vector<ip_endpoint>{*ep};
        auto listed = resolve_from_hosts_file(host, port, options.hosts_path);
        if (!listed.empty()) co_return listed;
        if (detail::iequals(detail::strip_root_dot(host), "localhost"))
            co_return std::vector<ip_endpoint>{*parse_ip_literal("127.0.0.1", port), *parse_ip_literal("::1", port)};

        const std::optional<ip_endpoint> server =
            options.nameserver ? options.nameserver : detail::first_nameserver(options.resolv_conf_path);
        if (!server) co_return error(errc::resolve_failed, "'" + host + "': no nameserver in " + options.resolv_conf_path);
        std::vector<std::uint8_t> query_a, query_aaaa;
        const std::uint16_t id = detail::random_query_id();
        if (!detail::encode_dns_query(host, id, detail::dns_type_a, query_a) ||
            !detail::encode_dns_query(host, static_cast<std::uint16_t>(id + 1), detail::dns_type_aaaa, query_aaaa))
            co_return error(errc::resolve_failed, "'" + host + "' is not a valid host name");
        detail::dns_socket sock(*loop, *server);
        if (!sock.ok())
            co_return error(errc::resolve_failed, "'" + host + "': cannot reach nameserver " + server->to_string() +
                                                      ": " + std::strerror(errno));

        std::optional<detail::dns_answer> a, aaaa;
        std::uint8_t buf[1500];
        for (int attempt = 0; attempt < options.attempts && !(a && aaaa); ++attempt) {
            if (!a) (void)::send(sock.fd(), query_a.data(), query_a.size(), 0);
            if (!aaaa) (void)::send(sock.fd(), query_aaaa.data(), query_aaaa.size(), 0);
            const steady_time deadline = loop->now() + options.timeout;
            while (!(a && aaaa)) {
                const ssize_t n = ::recv(sock.fd(), buf, sizeof buf, 0);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                    const bool readable = co_await detail::readable_or_deadline(*loop, sock.waiters(), deadline);
                    if (!readable) break;  // this attempt timed out
                    continue;
                }
                if (n < 0) break;  // e.g. ECONNREFUSED: nothing listens there; try again
                const auto size = static_cast<std::size_t>(n);
                if (!a) {
                    auto r = detail::decode_dns_response(buf, size, query_a, port);
                    if (r.matched) {
                        a = std::move(r);
                        continue;
                    }
                }
                if (!aaaa) {
                    auto r = detail::decode_dns_response(buf, size, query_aaaa, port);
                    if (r.matched) aaaa = std::move(r);
                }
            }
        }
        std::vector<ip_endpoint> out;
        if (a) out = std::move(a->addresses);
        if (aaaa) out.insert(out.end(), aaaa->addresses.begin(), aaaa->addresses.end());
        if (!out.empty()) co_return out;
        if ((a && a->rcode == 3) || (aaaa && aaaa->rcode == 3))
            co_return error(errc::resolve_failed, "'" + host + "': no such host (NXDOMAIN from " + server->to_string() + ")");
        if (a || aaaa)
            co_return error(errc::resolve_failed, "'" + host + "': the nameserver " + server->to_string() +
                                                      " returned no address (rcode " +
                                                      std::to_string(a ? a->rcode : aaaa->rcode) + ")");
        co_return error(errc::resolve_failed, "'" + host + "': no answer from nameserver " + server->to_string() +
                                                  " within " + std::to_string(options.timeout.count()) + " ms x " +
                                                  std::to_string(options.attempts));
    }

    event_loop* loop_;
    dns_options options_;
};

KCORO_NAMESPACE_END
