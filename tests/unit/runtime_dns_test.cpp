// DNS on the loop: questions and answers against a small DNS server on loopback (a thread of the
// test answering from a table), resolv.conf parsing, search domains, NXDOMAIN, silence, garbage.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace runtime_dns_test {

using namespace std::chrono_literals;

// Reads the question name of a query as dotted text.
std::string question_name(const std::uint8_t* p, std::size_t n, std::size_t& at) {
    std::string name;
    at = 12;
    while (at < n && p[at] != 0) {
        const std::size_t len = p[at];
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(p + at + 1), len);
        at += 1 + len;
    }
    ++at;
    return name;
}

struct answer {
    std::vector<std::uint8_t> v4;  // 4 bytes per address
    std::vector<std::uint8_t> v6;  // 16 bytes per address
    bool nxdomain = false;
    bool silent = false;
    bool garbage_first = false;  // a malformed datagram before the real answer
};
answer addresses(std::vector<std::uint8_t> v4, std::vector<std::uint8_t> v6 = {}) {
    answer a;
    a.v4 = std::move(v4);
    a.v6 = std::move(v6);
    return a;
}
answer silent() {
    answer a;
    a.silent = true;
    return a;
}
answer nxdomain() {
    answer a;
    a.nxdomain = true;
    return a;
}
answer after_garbage(answer a) {
    a.garbage_first = true;
    return a;
}

// A DNS server on 127.0.0.1 answering from `table`: a CNAME to "target.test" first, then the
// addresses, with the names compressed as real servers do.
class fake_dns {
public:
    explicit fake_dns(std::map<std::string, answer> table) : table_(std::move(table)) {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~fake_dns() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    kcoro::dns_config config() const {
        kcoro::dns_config c;
        kcoro::ip_endpoint ep;
        kcoro::detail::parse_literal("127.0.0.1", port_, ep);
        c.nameservers.push_back(ep);
        return c;
    }

private:
    void serve() {
        std::uint8_t q[512];
        while (!stop_) {
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, 20) <= 0) continue;
            sockaddr_in from{};
            socklen_t flen = sizeof from;
            const ssize_t n = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &flen);
            if (n < 12) continue;
            std::size_t at = 0;
            const std::string name = question_name(q, static_cast<std::size_t>(n), at);
            const int qtype = (q[at] << 8) | q[at + 1];
            auto it = table_.find(name);
            answer a = it == table_.end() ? nxdomain() : it->second;
            if (a.silent) continue;
            if (a.garbage_first) {
                const std::uint8_t junk[] = {q[0], q[1], 0x81, 0x80, 0, 1, 0, 9};  // claims 9 answers, has none
                ::sendto(fd_, junk, sizeof junk, 0, reinterpret_cast<sockaddr*>(&from), flen);
            }
            std::vector<std::uint8_t> r(q, q + at + 4);  // header and question
            r[2] = 0x81;
            r[3] = a.nxdomain ? 0x83 : 0x80;
            const std::vector<std::uint8_t>& addrs = qtype == 1 ? a.v4 : a.v6;
            const std::size_t size = qtype == 1 ? 4 : 16;
            const std::size_t count = a.nxdomain ? 0 : addrs.size() / size;
            r[6] = 0;
            r[7] = static_cast<std::uint8_t>(count + (count ? 1 : 0));
            if (count) {
                // CNAME: owner = the question (pointer to offset 12), rdata = "target.test".
                const std::uint8_t cname[] = {0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 13,
                                              6, 't', 'a', 'r', 'g', 'e', 't', 4, 't', 'e', 's', 't', 0};
                const std::size_t target_at = r.size() + 12;
                r.insert(r.end(), cname, cname + sizeof cname);
                for (std::size_t i = 0; i < count; ++i) {
                    const std::uint8_t rr[] = {0xc0, static_cast<std::uint8_t>(target_at), 0, static_cast<std::uint8_t>(qtype), 0, 1,
                                               0, 0, 0, 60, 0, static_cast<std::uint8_t>(size)};
                    r.insert(r.end(), rr, rr + sizeof rr);
                    r.insert(r.end(), addrs.begin() + static_cast<long>(i * size), addrs.begin() + static_cast<long>((i + 1) * size));
                }
            }
            ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
        }
    }
    std::map<std::string, answer> table_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::string text(const kcoro::ip_endpoint& ep) {
    char buf[64] = {};
    if (ep.addr.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&ep.addr);
        ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
        return std::string(buf) + ":" + std::to_string(ntohs(a->sin_port));
    }
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ep.addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    // Appended, not "[" + std::string(buf) + ...: g++ 12 at -O3 warns falsely there (GCC bug 105329).
    std::string s = "[";
    s += buf;
    s += "]:";
    s += std::to_string(ntohs(a->sin6_port));
    return s;
}

struct outcome {
    std::vector<std::string> addresses;
    kcoro::errc error = kcoro::errc::none;
    std::string detail;
    std::chrono::milliseconds took{};
};

outcome resolve(const std::string& host, kcoro::dns_config cfg, std::chrono::milliseconds timeout = 2000ms) {
    kcoro::event_loop loop;
    auto run = [](kcoro::event_loop& l, std::string h, kcoro::dns_config c, std::chrono::milliseconds t) -> kcoro::task<outcome> {
        outcome o;
        const auto t0 = l.now();
        auto r = co_await kcoro::dns_resolve(l, h, 9092, t, std::move(c));
        o.took = std::chrono::duration_cast<std::chrono::milliseconds>(l.now() - t0);
        if (r)
            for (const auto& ep : *r) o.addresses.push_back(text(ep));
        else {
            o.error = r.err().kind();
            o.detail = r.err().message();
        }
        co_return o;
    };
    return kcoro::run_until_complete(loop, run(loop, host, std::move(cfg), timeout));
}

TEST_CASE("dns: A and AAAA answers behind a CNAME, IPv4 first, with the port") {
    fake_dns server({{"kafka-1.example.test", addresses({10, 1, 2, 3, 10, 1, 2, 4}, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})}});
    auto o = resolve("kafka-1.example.test", server.config());
    CHECK(o.error == kcoro::errc::none);
    CHECK(o.addresses == std::vector<std::string>{"10.1.2.3:9092", "10.1.2.4:9092", "[2001:db8::1]:9092"});
}

TEST_CASE("dns: search domains are tried by the ndots rule") {
    fake_dns server({{"kafka-0.kafka.ns.svc.test", addresses({10, 0, 0, 7})}});
    auto cfg = server.config();
    cfg.search = {"other.test", "ns.svc.test"};
    cfg.ndots = 5;  // "kafka-0.kafka" has one dot: the search domains come first
    auto o = resolve("kafka-0.kafka", cfg);
    CHECK(o.error == kcoro::errc::none);
    CHECK(o.addresses == std::vector<std::string>{"10.0.0.7:9092"});
    // An absolute name is asked as it is and nothing else.
    auto abs = resolve("kafka-0.kafka.ns.svc.test.", server.config());
    CHECK(abs.addresses == std::vector<std::string>{"10.0.0.7:9092"});
}

TEST_CASE("dns: a name that does not exist fails with NXDOMAIN in the detail, at once") {
    fake_dns server({});
    auto o = resolve("missing.example.test", server.config());
    CHECK(o.error == kcoro::errc::resolve_failed);
    CHECK(o.detail.find("NXDOMAIN") != std::string::npos);
    CHECK(o.took < 1000ms);
}

TEST_CASE("dns: a silent server fails within the timeout; a malformed datagram is skipped") {
    fake_dns server({{"quiet.test", silent()}, {"noisy.test", after_garbage(addresses({192, 0, 2, 1}))}});
    auto quiet = resolve("quiet.test", server.config(), 300ms);
    CHECK(quiet.error == kcoro::errc::timed_out);
    CHECK(quiet.took >= 250ms);
    CHECK(quiet.took < 1500ms);
    auto noisy = resolve("noisy.test", server.config());
    CHECK(noisy.error == kcoro::errc::none);
    CHECK(noisy.addresses == std::vector<std::string>{"192.0.2.1:9092"});
}

TEST_CASE("dns: the loop keeps running other work while a lookup waits") {
    fake_dns server({{"quiet.test", silent()}});
    kcoro::event_loop loop;
    int ticks = 0;
    bool done = false;
    auto ticker = [](kcoro::event_loop& l, int& n, bool& d) -> kcoro::task<void> {
        kcoro::loop_timer t(l);
        while (!d) {
            co_await t.wait_until(l.now() + 10ms);
            ++n;
        }
    };
    auto lookup = [](kcoro::event_loop& l, kcoro::dns_config c, bool& d) -> kcoro::task<void> {
        auto r = co_await kcoro::dns_resolve(l, "quiet.test", 9092, 300ms, std::move(c));
        CHECK_FALSE(r);
        d = true;
    };
    kcoro::spawn(loop, ticker(loop, ticks, done));
    kcoro::spawn(loop, lookup(loop, server.config(), done));
    loop.run();
    CHECK(done);
    CHECK(ticks >= 10);
}

TEST_CASE("dns: resolv.conf parsing") {
    auto c = kcoro::parse_resolv_conf(
        "# comment\nnameserver 10.0.0.2\nnameserver ::1 ; trailing\nnameserver bogus\n"
        "search a.test b.test\noptions timeout:1 ndots:3\n");
    REQUIRE(c.nameservers.size() == 2);
    CHECK(text(c.nameservers[0]) == "10.0.0.2:53");
    CHECK(text(c.nameservers[1]) == "[::1]:53");
    CHECK(c.search == std::vector<std::string>{"a.test", "b.test"});
    CHECK(c.ndots == 3);
    CHECK(kcoro::parse_resolv_conf("domain x.test\n").search == std::vector<std::string>{"x.test"});
}

TEST_CASE("dns: names that cannot be asked are refused") {
    fake_dns server({});
    CHECK(resolve("a..b", server.config()).error == kcoro::errc::resolve_failed);
    std::string long_label(70, 'x');
    long_label += ".test";  // appended: g++ 12 -O2 warns falsely on std::string&& + "..." (GCC bug 105329)
    CHECK(resolve(long_label, server.config()).error == kcoro::errc::resolve_failed);
}

}  // namespace runtime_dns_test
