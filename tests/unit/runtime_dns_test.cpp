#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

enum class dns_mode { answer, nxdomain, silent, spoof_then_answer };

// A nameserver on loopback, in a thread of the test, answering every query per `mode`.
class fake_nameserver {
public:
    explicit fake_nameserver(dns_mode mode) : mode_(mode) {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~fake_nameserver() {
        done_ = true;
        thread_.join();
        ::close(fd_);
    }
    kcoro::ip_endpoint endpoint() const { return *kcoro::parse_ip_literal("127.0.0.1", port_); }
    int queries() const { return queries_; }

private:
    void serve() {
        while (!done_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            std::uint8_t q[512];
            sockaddr_storage from{};
            socklen_t fromlen = sizeof from;
            const ssize_t n = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &fromlen);
            if (n < 17) continue;
            ++queries_;
            if (mode_ == dns_mode::silent) continue;
            const std::vector<std::uint8_t> query(q, q + n);
            const std::uint16_t type = static_cast<std::uint16_t>((q[n - 4] << 8) | q[n - 3]);
            if (mode_ == dns_mode::spoof_then_answer) {
                std::vector<std::uint8_t> wrong = respond(query, type, 0);
                wrong[0] ^= 0x55;  // another id: must be ignored
                ::sendto(fd_, wrong.data(), wrong.size(), 0, reinterpret_cast<sockaddr*>(&from), fromlen);
            }
            const std::vector<std::uint8_t> r = respond(query, type, mode_ == dns_mode::nxdomain ? 3 : 0);
            ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fromlen);
        }
    }
    // The question echoed with its name upper-cased (names compare without case), then a CNAME
    // and the records, owner names as compression pointers to the question.
    static std::vector<std::uint8_t> respond(const std::vector<std::uint8_t>& q, std::uint16_t type, int rcode) {
        std::vector<std::uint8_t> r(q);
        r[2] = 0x81;
        r[3] = static_cast<std::uint8_t>(0x80 | rcode);
        for (std::size_t i = 12; i < r.size() - 4; ++i)
            if (r[i] >= 'a' && r[i] <= 'z') r[i] = static_cast<std::uint8_t>(r[i] - 'a' + 'A');
        if (rcode != 0) return r;
        auto record = [&r](std::uint16_t t, std::vector<std::uint8_t> data) {
            r.insert(r.end(), {0xc0, 12, static_cast<std::uint8_t>(t >> 8), static_cast<std::uint8_t>(t), 0, 1, 0, 0, 0, 60,
                               0, static_cast<std::uint8_t>(data.size())});
            r.insert(r.end(), data.begin(), data.end());
        };
        record(5, {3, 'c', 'd', 'n', 0xc0, 12});  // a CNAME: skipped
        if (type == 1) {
            record(1, {10, 1, 2, 3});
            record(1, {10, 1, 2, 4});
        } else {
            std::vector<std::uint8_t> v6(16, 0);
            v6[0] = 0xfd;
            v6[15] = 7;
            record(28, v6);
        }
        r[7] = type == 1 ? 3 : 2;  // ancount
        return r;
    }

    dns_mode mode_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> done_{false};
    std::atomic<int> queries_{0};
    std::thread thread_;
};

kcoro::dns_options options_for(const fake_nameserver& ns) {
    kcoro::dns_options o;
    o.nameserver = ns.endpoint();
    o.timeout = 100ms;
    o.attempts = 2;
    return o;
}

kcoro::task<std::string> resolve_text(kcoro::event_loop* loop, kcoro::dns_options options, std::string host) {
    kcoro::dns_resolver r(*loop, options);
    auto eps = co_await r.async_resolve(host, 9092);
    if (!eps) co_return "error: " + eps.err().message();
    std::string s;
    for (const auto& ep : *eps) s += ep.to_string() + " ";
    co_return s;
}

}  // namespace

TEST_CASE("dns_resolver: A then AAAA records from a nameserver, CNAMEs skipped, spoofed ids ignored") {
    kcoro::event_loop loop;
    {
        fake_nameserver ns(dns_mode::answer);
        CHECK(kcoro::run_until_complete(loop, resolve_text(&loop, options_for(ns), "broker.example.com")) ==
              "10.1.2.3:9092 10.1.2.4:9092 [fd00::7]:9092 ");
        CHECK(ns.queries() == 2);
    }
    {
        fake_nameserver ns(dns_mode::spoof_then_answer);
        CHECK(kcoro::run_until_complete(loop, resolve_text(&loop, options_for(ns), "Broker.Example.com.")) ==
              "10.1.2.3:9092 10.1.2.4:9092 [fd00::7]:9092 ");
    }
}

TEST_CASE("dns_resolver: NXDOMAIN, silence and bad names are resolve_failed with a reason") {
    kcoro::event_loop loop;
    {
        fake_nameserver ns(dns_mode::nxdomain);
        const std::string r = kcoro::run_until_complete(loop, resolve_text(&loop, options_for(ns), "missing.example"));
        CHECK(r.find("no such host") != std::string::npos);
        CHECK(r.find("resolve_failed") != std::string::npos);
    }
    {
        fake_nameserver ns(dns_mode::silent);
        const auto t0 = std::chrono::steady_clock::now();
        const std::string r = kcoro::run_until_complete(loop, resolve_text(&loop, options_for(ns), "slow.example"));
        const auto took = std::chrono::steady_clock::now() - t0;
        CHECK(r.find("no answer") != std::string::npos);
        CHECK(took >= 200ms);  // two attempts of 100 ms
        CHECK(took < 2s);
        CHECK(ns.queries() == 4);  // A and AAAA, twice
    }
    {
        fake_nameserver ns(dns_mode::answer);
        const std::string r = kcoro::run_until_complete(loop, resolve_text(&loop, options_for(ns), "bad..name"));
        CHECK(r.find("not a valid host name") != std::string::npos);
        CHECK(ns.queries() == 0);
    }
}

TEST_CASE("dns_resolver: literals, the hosts file and localhost need no nameserver") {
    kcoro::event_loop loop;
    kcoro::dns_options o;
    o.nameserver = *kcoro::parse_ip_literal("127.0.0.1", 1);  // nothing listens: must not be asked
    o.timeout = 50ms;
    CHECK(kcoro::run_until_complete(loop, resolve_text(&loop, o, "192.0.2.1")) == "192.0.2.1:9092 ");
    CHECK(kcoro::run_until_complete(loop, resolve_text(&loop, o, "::1")) == "[::1]:9092 ");
    const std::string local = kcoro::run_until_complete(loop, resolve_text(&loop, o, "localhost"));
    CHECK((local.rfind("127.", 0) == 0 || local.rfind("[::1]", 0) == 0));
    o.resolv_conf_path = "/nonexistent/resolv.conf";
    o.nameserver.reset();
    CHECK(kcoro::run_until_complete(loop, resolve_text(&loop, o, "needs.dns.example")).find("no nameserver") !=
          std::string::npos);
}

static_assert(kcoro::resolver<kcoro::dns_resolver>);
static_assert(kcoro::transport<kcoro::tcp_transport>);
