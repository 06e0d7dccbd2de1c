// OAUTHBEARER with the application's token provider, against the real broker's SASL_PLAINTEXT
// listener (scripts/kafka start --sasl): its default validator accepts unsecured tokens and
// refuses any other, which gives both a login that works and one the broker turns down. That
// listener also ends OAUTHBEARER and SCRAM-SHA-256 sessions after 5 s
// (connections.max.reauth.ms), so a stream of a dozen seconds must log in again on its live
// connections (KIP-368) rather than lose them.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace oauthbearer_it {

using namespace std::chrono_literals;

std::string sasl_listener() { return kcoro_it::listener_of("sasl_bootstrap"); }

kcoro::producer_config bearer_config(kcoro::oauthbearer_token_provider provider) {
    kcoro::producer_config c;
    c.bootstrap_servers = sasl_listener();
    c.security_protocol = kcoro::security_protocol::sasl_plaintext;
    c.sasl_mechanism = kcoro::sasl_mechanism::oauthbearer;
    c.sasl_oauthbearer_token_provider = std::move(provider);
    c.max_block = 4000ms;
    return c;
}

// One record, and how long its send took.
std::pair<kcoro::delivery_result, std::chrono::steady_clock::duration> send_one(kcoro::producer_config c, std::string topic) {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, std::move(c));
    REQUIRE(p);
    auto run = [](kcoro::producer<>& pr, std::string t) -> kcoro::task<kcoro::delivery_result> {
        auto r = co_await pr.send({.topic = t, .value = "v"});
        (void)co_await pr.close(2s);
        co_return r;
    };
    const auto start = std::chrono::steady_clock::now();
    auto r = kcoro::run_until_complete(loop, run(**p, std::move(topic)));
    return {std::move(r), std::chrono::steady_clock::now() - start};
}

TEST_CASE("OAUTHBEARER: every connection logs in with the provider's token, and the records arrive") {
    const std::string topic = kcoro_it::unique_topic("oauthbearer");
    kcoro_it::create_topic(topic, 3);
    int calls = 0;
    auto jwt = kcoro::unsecured_jwt::parse("principal=kcoro-app lifeSeconds=60 extension_traceId=7");
    REQUIRE(jwt);
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, bearer_config([&calls, &jwt]() -> kcoro::result<kcoro::oauthbearer_token> {
        ++calls;
        return jwt->make(std::chrono::system_clock::now());
    }));
    REQUIRE(p);
    CHECK(kcoro::run_until_complete(loop, kcoro_it::send_keyed_and_close(**p, topic, 500, 5)) == 500);
    CHECK(calls >= 2);  // the bootstrap connection's login and the leader's
    CHECK(kcoro_it::read_back_with_kcat(topic).size() == 500);
}

TEST_CASE("OAUTHBEARER: a token the broker refuses, an expired one and a failing provider each fail within max_block, saying why") {
    const std::string topic = kcoro_it::unique_topic("oauthbearer-refused");
    const std::string where = "at broker " + sasl_listener() + " failed: ";

    SUBCASE("signed with a key the broker's unsecured validator does not take") {
        // {"alg":"HS256"} with a made-up signature: the validator wants "alg":"none".
        const std::string forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5IiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJl";
        auto [r, took] = send_one(bearer_config([&] {
                                      return kcoro::result<kcoro::oauthbearer_token>(kcoro::oauthbearer_token{
                                          .value = forged, .expiry = std::chrono::system_clock::now() + 1h, .principal = "mallory"});
                                  }),
                                  topic);
        REQUIRE_FALSE(r);
        const std::string m(r.err().message());
        CHECK(r.err() == kcoro::errc::sasl_authentication_failed);
        CHECK_MESSAGE(m.find("SASL OAUTHBEARER login as 'mallory' " + where) != std::string::npos, m);
        CHECK_MESSAGE(m.find("invalid_token") != std::string::npos, m);
        CHECK(m.find(forged) == std::string::npos);
        CHECK(took < 9s);
    }
    SUBCASE("expired") {
        auto [r, took] = send_one(bearer_config([] {
                                      auto j = kcoro::unsecured_jwt::parse("principal=late");
                                      auto t = j->make(std::chrono::system_clock::now() - 2h);
                                      return kcoro::result<kcoro::oauthbearer_token>(std::move(t));
                                  }),
                                  topic);
        REQUIRE_FALSE(r);
        const std::string m(r.err().message());
        // An hour ago, give or take the second the clock may have turned meanwhile.
        const bool hour = m.find("the token provider's token expired 3600 s ago") != std::string::npos ||
                          m.find("the token provider's token expired 3601 s ago") != std::string::npos;
        CHECK_MESSAGE(m.find("SASL OAUTHBEARER login " + where + "the token provider's token expired ") != std::string::npos, m);
        CHECK_MESSAGE(hour, m);
        CHECK(took < 9s);
    }
    SUBCASE("the provider fails") {
        auto [r, took] = send_one(bearer_config([] {
                                      return kcoro::result<kcoro::oauthbearer_token>(
                                          kcoro::error(kcoro::errc::connection_failed, "identity provider https://idp.example: refused"));
                                  }),
                                  topic);
        REQUIRE_FALSE(r);
        const std::string m(r.err().message());
        CHECK_MESSAGE(m.find("SASL OAUTHBEARER login " + where + "the token provider: ") != std::string::npos, m);
        CHECK_MESSAGE(m.find("identity provider https://idp.example: refused") != std::string::npos, m);
        CHECK(took < 9s);
    }
}

// Keyed records for `run_for`, a few every 20 ms, each key's values counting up; then close().
struct stream_outcome {
    int sent = 0;
    int delivered = 0;
    std::vector<std::string> errors;
    kcoro::producer_stats stats;
};
// `idle`: a pause after the first second, with nothing sent (past a session's end, when longer).
stream_outcome stream(kcoro::producer_config c, const std::string& topic, std::chrono::milliseconds run_for,
                      std::chrono::milliseconds idle = 0ms) {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, std::move(c));
    REQUIRE(p);
    stream_outcome out;
    auto run = [](kcoro::event_loop& l, kcoro::producer<>& pr, std::string t, std::chrono::milliseconds span,
                  std::chrono::milliseconds pause_for, stream_outcome& o) -> kcoro::task<void> {
        std::vector<kcoro::delivery_handle> hs;
        const auto end = l.now() + span + pause_for;
        for (int i = 0; l.now() < end; ++i) {
            if (i == 50 && pause_for > 0ms) {
                kcoro::loop_timer idle_timer(l);
                co_await idle_timer.wait_until(l.now() + pause_for);
            }
            for (int k = 0; k < 5; ++k) {
                const std::string key = "k" + std::to_string(k), value = std::to_string(i);
                auto h = co_await pr.enqueue({.topic = t, .key = key, .value = value});
                ++o.sent;
                if (h) hs.push_back(std::move(*h));
                else o.errors.push_back(std::string(h.err().message()));
            }
            kcoro::loop_timer pause(l);
            co_await pause.wait_until(l.now() + 20ms);
        }
        for (auto& h : hs) {
            auto r = co_await h;
            if (r) ++o.delivered;
            else o.errors.push_back(std::string(r.err().message()));
        }
        o.stats = pr.stats();
        (void)co_await pr.close(10s);
    };
    kcoro::run_until_complete(loop, run(loop, **p, topic, run_for, idle, out));
    return out;
}

// Each key's values on its partition, in offset order, are 0, 1, 2, ...: none lost or repeated.
void check_read_back(const std::string& topic, int sent) {
    auto got = kcoro_it::read_back_with_kcat(topic);
    CHECK(static_cast<int>(got.size()) == sent);
    std::map<std::string, int> next;
    int out_of_order = 0;
    for (const auto& r : got) {  // kcat's order is per partition by offset; a key lives on one
        if (!r.key || !r.value) continue;
        if (std::stoi(*r.value) != next[*r.key]) ++out_of_order;
        next[*r.key] = std::stoi(*r.value) + 1;
    }
    CHECK(out_of_order == 0);
}

TEST_CASE("sessions that end every few seconds: the connections log in again while a stream runs, losing and repeating nothing") {
    SUBCASE("OAUTHBEARER, a token of 4 s from the provider at each login") {
        const std::string topic = kcoro_it::unique_topic("reauth-oauthbearer");
        kcoro_it::create_topic(topic, 3);
        int calls = 0;
        auto jwt = kcoro::unsecured_jwt::parse("principal=kcoro-app lifeSeconds=4");
        REQUIRE(jwt);
        auto c = bearer_config([&calls, &jwt]() -> kcoro::result<kcoro::oauthbearer_token> {
            ++calls;
            return jwt->make(std::chrono::system_clock::now());
        });
        auto o = stream(std::move(c), topic, 12s);
        const std::string first_error = o.errors.empty() ? std::string() : o.errors.front();
        INFO(first_error);
        CHECK(o.errors.empty());
        CHECK(o.delivered == o.sent);
        // The first logins, and at least one more each 4 s the leader's connection is used.
        CHECK_MESSAGE(calls >= 4, calls);
        CHECK_MESSAGE(o.stats.reconnects == 0, o.stats.reconnects);
        check_read_back(topic, o.sent);
    }
    SUBCASE("SCRAM-SHA-256, with the connection idle past its session's end in between") {
        const std::string topic = kcoro_it::unique_topic("reauth-scram");
        kcoro_it::create_topic(topic, 3);
        kcoro::producer_config c;
        c.bootstrap_servers = sasl_listener();
        c.security_protocol = kcoro::security_protocol::sasl_plaintext;
        c.sasl_mechanism = kcoro::sasl_mechanism::scram_sha_256;
        c.sasl_username = "kcoro";
        c.sasl_password = "kcoro-secret";
        auto o = stream(std::move(c), topic, 8s, 6500ms);
        const std::string first_error = o.errors.empty() ? std::string() : o.errors.front();
        INFO(first_error);
        CHECK(o.errors.empty());
        CHECK(o.delivered == o.sent);
        CHECK_MESSAGE(o.stats.reconnects == 0, o.stats.reconnects);
        check_read_back(topic, o.sent);
    }
}

}  // namespace oauthbearer_it
