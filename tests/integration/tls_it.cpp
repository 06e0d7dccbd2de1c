// A producer over the real broker's SSL listener (scripts/kafka start --tls, a self-signed
// certificate): its connections share one TLS context, so the CA file is read once however many
// connections it opens. inotify counts the opens of a copy of the CA that only this producer
// reads.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/inotify.h>
#include <unistd.h>

namespace tls_it {

using namespace std::chrono_literals;

// A copy of the harness's CA certificate, for one test's eyes only.
std::string ca_copy() {
    const char* dir = std::getenv("KAFKA_DIR");
    REQUIRE_MESSAGE(dir != nullptr, "KAFKA_DIR must name the broker started by scripts/kafka");
    std::ifstream in(std::string(dir) + "/tls/ca.pem", std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "the broker has no TLS listener: scripts/test starts it with --sasl --tls");
    std::stringstream pem;
    pem << in.rdbuf();
    const std::string path = "/tmp/kcoro-tls-it-ca-" + std::to_string(::getpid()) + ".pem";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << pem.str();
    REQUIRE(out.good());
    return path;
}

// The IN_OPEN events among those queued on a non-blocking inotify descriptor.
int opens_seen(int fd) {
    int opens = 0;
    alignas(inotify_event) char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t at = 0; at < n;) {
            const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
            if ((e->mask & IN_OPEN) != 0) ++opens;
            at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
        }
    }
    return opens;
}

TEST_CASE("TLS: the bootstrap and broker connections share one context, the CA file is opened once, the records arrive") {
    const std::string topic = kcoro_it::unique_topic("tls-shared-context");
    kcoro_it::create_topic(topic, 3);
    const std::string ca = ca_copy();
    const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(watch >= 0);
    // The closes too: inotify merges an event into the one queued before it when the two are the
    // same, so two opens with nothing between them would read as one.
    REQUIRE(::inotify_add_watch(watch, ca.c_str(), IN_OPEN | IN_CLOSE_NOWRITE) >= 0);

    kcoro::producer_config c;
    c.bootstrap_servers = kcoro_it::listener_of("tls_bootstrap");
    c.security_protocol = kcoro::security_protocol::ssl;
    c.ssl_ca_location = ca;
    c.max_block = 10000ms;
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, std::move(c));
    REQUIRE(p);
    (void)opens_seen(watch);  // make_producer's check that the file can be opened; no connection yet
    CHECK(kcoro::run_until_complete(loop, kcoro_it::send_keyed_and_close(**p, topic, 300, 7)) == 300);
    const std::uint64_t connections = (*p)->stats().connection_attempts;
    const int opens = opens_seen(watch);
    ::close(watch);
    std::remove(ca.c_str());
    MESSAGE(connections << " TLS connections, the CA file opened " << opens << " time(s) by them");
    CHECK(connections >= 2);  // the bootstrap address's and the leader's
    CHECK(opens == 1);
    CHECK(kcoro_it::read_back_with_kcat(topic).size() == 300);
}

}  // namespace tls_it
