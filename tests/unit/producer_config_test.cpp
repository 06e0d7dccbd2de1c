#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

namespace producer_config_test {
kcoro::producer_config good() {
    kcoro::producer_config c;
    c.bootstrap_servers = "127.0.0.1:9092";
    return c;
}
bool names(const kcoro::result<void>& r, const char* field) {
    return !r && r.err() == kcoro::errc::bad_config && r.err().detail().rfind(field, 0) == 0;
}

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

}

TEST_CASE("validate takes a transactional_id, which implies idempotence and needs acks all") {
    auto c = good();
    c.transactional_id = "tx";
    CHECK(kcoro::validate(c));
    c.enable_idempotence = false;
    CHECK(kcoro::validate(c));
    c.acks = kcoro::acks::leader;
    CHECK(names(kcoro::validate(c), "acks"));
    c = good();
    c.transactional_id = std::string(32768, 't');
    CHECK(names(kcoro::validate(c), "transactional_id"));
}

TEST_CASE("validate checks compression_level against the codec's range") {
    auto c = good();
    c.compression_level = 5;
    CHECK(names(kcoro::validate(c), "compression_level"));  // no codec: no level
#if KCORO_HAS_LZ4
    c.compression = kcoro::compression_codec::lz4;
    c.compression_level = 99;
    auto r = kcoro::validate(c);
    CHECK(names(r, "compression_level"));
    CHECK(r.err().detail().find("1 to 12") != std::string::npos);
    c.compression_level = 0;
    CHECK(names(kcoro::validate(c), "compression_level"));
    for (int level : {1, 9, 12}) {
        c.compression_level = level;
        CHECK(kcoro::validate(c));
    }
    c.compression_level = std::nullopt;
    CHECK(kcoro::validate(c));
#endif
#if KCORO_HAS_ZLIB
    c.compression = kcoro::compression_codec::gzip;
    c.compression_level = 10;
    CHECK(names(kcoro::validate(c), "compression_level"));
    c.compression_level = 0;
    CHECK(names(kcoro::validate(c), "compression_level"));
    c.compression_level = 9;
    CHECK(kcoro::validate(c));
#endif
#if KCORO_HAS_ZSTD
    c.compression = kcoro::compression_codec::zstd;
    c.compression_level = 23;
    CHECK(names(kcoro::validate(c), "compression_level"));
    for (int level : {-5, 0, 3, 22}) {
        c.compression_level = level;
        CHECK(kcoro::validate(c));
    }
#endif
#if KCORO_HAS_SNAPPY
    c.compression = kcoro::compression_codec::snappy;
    c.compression_level = 1;
    CHECK(names(kcoro::validate(c), "compression_level"));
#endif
}

TEST_CASE("bootstrap_servers refuses what would only fail later as a connect timeout, naming the entry") {
    const auto refused = [](std::string_view list, std::string_view entry, std::string_view why) {
        auto r = kcoro::parse_bootstrap_servers(list);
        INFO(list);
        REQUIRE_FALSE(r);
        CHECK(r.err() == kcoro::errc::bad_config);
        CHECK(r.err().detail().rfind("bootstrap_servers", 0) == 0);
        std::string quoted(1, '\'');
        quoted.append(entry).append(1, '\'');
        CHECK(r.err().detail().find(quoted) != std::string::npos);
        CHECK(r.err().detail().find(why) != std::string::npos);
    };
    refused("a:1;b:2", "a:1;b:2", "','");
    refused("a b:9092", "a b:9092", "space");
    refused("ok:1, a\tb:9092", "a\tb:9092", "space");
    refused("http://h:9092", "http://h:9092", "not a Kafka security protocol");
    refused("::1:9092", "::1:9092", "brackets");
    refused("h/x:9092", "h/x:9092", "'/'");
    refused("[::1]9092", "[::1]9092", "[ipv6]:port");
    refused("[h]:9092", "[h]:9092", "IPv6");
    refused("PLAINTEXT://h", "PLAINTEXT://h", "host:port");

    auto a = kcoro::parse_bootstrap_servers("PLAINTEXT://b1:9092, plaintext://[::1]:9093,  b3:9094 ");
    REQUIRE(a);
    REQUIRE(a->size() == 3);
    CHECK((*a)[0].host == "b1");
    CHECK((*a)[0].port == 9092);
    CHECK((*a)[1].host == "::1");
    CHECK((*a)[1].port == 9093);
    CHECK((*a)[2].host == "b3");
    CHECK((*a)[2].port == 9094);
    CHECK(kcoro::parse_bootstrap_servers("my_broker-1.example.com:9092"));
}

TEST_CASE("a bad_config message is its detail and the code's name, without a boilerplate hint") {
    auto c = good();
    c.batch_size = 0;
    auto r = kcoro::validate(c);
    REQUIRE_FALSE(r);
    CHECK(r.err().message() == "batch_size: must be greater than 0: bad_config");
}

}  // namespace producer_config_test
