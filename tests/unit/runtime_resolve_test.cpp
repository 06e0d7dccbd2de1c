#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

TEST_CASE("resolution: IPv4 and IPv6 literals are parsed without any lookup") {
    auto v4 = kcoro::parse_ip_literal("10.1.2.3", 9092);
    REQUIRE(v4);
    CHECK(v4->family() == AF_INET);
    CHECK(v4->to_string() == "10.1.2.3:9092");
    auto v6 = kcoro::parse_ip_literal("[::1]", 9093);
    REQUIRE(v6);
    CHECK(v6->family() == AF_INET6);
    CHECK(v6->to_string() == "[::1]:9093");
    CHECK_FALSE(kcoro::parse_ip_literal("broker-1", 9092));
    CHECK_FALSE(kcoro::parse_ip_literal("300.1.1.1", 9092));
    CHECK_FALSE(kcoro::parse_ip_literal("", 9092));
}

TEST_CASE("resolution: localhost and hosts-file names") {
    auto local = kcoro::resolve_without_dns("localhost", 9092);
    REQUIRE(local);
    REQUIRE_FALSE(local->empty());
    for (const auto& ep : *local) {
        CHECK(ep.port() == 9092);
        const std::string s = ep.to_string();
        CHECK((s.rfind("127.", 0) == 0 || s.rfind("[::1]", 0) == 0));
    }

    char path[] = "/tmp/kcoro_hosts_XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    const std::string content =
        "# comment line\n"
        "10.0.0.1   broker-1 broker-1.example.com   # trailing comment\n"
        "\t10.0.0.2\tBroker-2\n"
        "fd00::3 broker-3\n"
        "10.0.0.9 broker-1\n"
        "not-an-address broker-4\n";
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(fd);
    auto b1 = kcoro::resolve_from_hosts_file("broker-1", 1, path);
    REQUIRE(b1.size() == 2);
    CHECK(b1[0].to_string() == "10.0.0.1:1");
    CHECK(b1[1].to_string() == "10.0.0.9:1");
    auto b1fq = kcoro::resolve_from_hosts_file("BROKER-1.example.com.", 2, path);
    REQUIRE(b1fq.size() == 1);
    CHECK(b1fq[0].to_string() == "10.0.0.1:2");
    auto b2 = kcoro::resolve_from_hosts_file("broker-2", 3, path);
    REQUIRE(b2.size() == 1);
    CHECK(b2[0].to_string() == "10.0.0.2:3");
    auto b3 = kcoro::resolve_from_hosts_file("broker-3", 4, path);
    REQUIRE(b3.size() == 1);
    CHECK(b3[0].to_string() == "[fd00::3]:4");
    CHECK(kcoro::resolve_from_hosts_file("broker-4", 5, path).empty());
    CHECK(kcoro::resolve_from_hosts_file("broker", 5, path).empty());
    ::unlink(path);

    auto missing = kcoro::resolve_without_dns("no-such-host.invalid", 9092);
    REQUIRE_FALSE(missing);
    CHECK(missing.err() == kcoro::errc::resolve_failed);
}
