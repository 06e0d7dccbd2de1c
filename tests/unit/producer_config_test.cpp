#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <string>

namespace {
kcoro::producer_config good() {
    kcoro::producer_config c;
    c.bootstrap_servers = "127.0.0.1:9092";
    return c;
}
bool names(const kcoro::result<void>& r, const char* field) {
    return !r && r.err() == kcoro::errc::bad_config && r.err().detail().rfind(field, 0) == 0;
}
}  // namespace

TEST_CASE("bootstrap_servers parses host:port lists and IPv6 literals") {
    auto a = kcoro::parse_bootstrap_servers(" b1:9092, 127.0.0.1:19092 ,[::1]:9093");
    REQUIRE(a);
    REQUIRE(a->size() == 3);
    CHECK((*a)[0].host == "b1");
    CHECK((*a)[0].port == 9092);
    CHECK((*a)[1].host == "127.0.0.1");
    CHECK((*a)[1].port == 19092);
    CHECK((*a)[2].host == "::1");
    CHECK((*a)[2].port == 9093);
    CHECK_FALSE(kcoro::parse_bootstrap_servers(""));
    CHECK_FALSE(kcoro::parse_bootstrap_servers("host"));
    CHECK_FALSE(kcoro::parse_bootstrap_servers("host:0"));
    CHECK_FALSE(kcoro::parse_bootstrap_servers("host:65536"));
    CHECK_FALSE(kcoro::parse_bootstrap_servers("host:9x"));
    CHECK_FALSE(kcoro::parse_bootstrap_servers("[::1]9092"));
}

TEST_CASE("validate accepts the defaults and names the bad field") {
    CHECK(kcoro::validate(good()));

    auto c = good();
    c.bootstrap_servers = "";
    CHECK(names(kcoro::validate(c), "bootstrap_servers"));

    c = good();
    c.batch_size = 0;
    CHECK(names(kcoro::validate(c), "batch_size"));

    c = good();
    c.buffer_memory = c.batch_size - 1;
    CHECK(names(kcoro::validate(c), "buffer_memory"));

    c = good();
    c.acks = kcoro::acks::leader;  // idempotence is on by default
    auto r = kcoro::validate(c);
    CHECK(names(r, "acks"));
    CHECK(r.err().detail().find("enable_idempotence = false") != std::string::npos);
    c.enable_idempotence = false;
    CHECK(kcoro::validate(c));

    c = good();
    c.max_in_flight = 6;
    CHECK(names(kcoro::validate(c), "max_in_flight"));
    c.enable_idempotence = false;
    CHECK(kcoro::validate(c));

    c = good();
    c.delivery_timeout = kcoro::milliseconds(100);
    CHECK(names(kcoro::validate(c), "delivery_timeout"));

    c = good();
    c.retry_backoff_max = kcoro::milliseconds(1);
    CHECK(names(kcoro::validate(c), "retry_backoff_max"));

    c = good();
    c.transactional_id = "tx";
    c.enable_idempotence = false;
    CHECK(names(kcoro::validate(c), "enable_idempotence"));
}
