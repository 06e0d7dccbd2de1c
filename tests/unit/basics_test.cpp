#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <string>

namespace basics_test {

TEST_CASE("errc maps Kafka codes, retriability and messages") {
    using kcoro::errc;
    CHECK(static_cast<int>(errc::not_leader_or_follower) == 6);
    CHECK(static_cast<int>(errc::producer_fenced) == 90);
    CHECK(kcoro::is_retriable(errc::not_leader_or_follower));
    CHECK(kcoro::is_retriable(errc::request_timed_out));
    CHECK_FALSE(kcoro::is_retriable(errc::message_too_large));
    CHECK_FALSE(kcoro::is_retriable(errc::topic_authorization_failed));
    CHECK_FALSE(kcoro::is_retriable(static_cast<errc>(31999)));

    std::error_code ec = errc::topic_authorization_failed;
    CHECK(ec.category().name() == std::string("kcoro"));
    CHECK(ec.message().find("topic_authorization_failed") == 0);
    CHECK(ec.message().find("WRITE") != std::string::npos);
    CHECK(std::error_code(static_cast<errc>(31999)).message() == "unknown kafka error code 31999");
}

TEST_CASE("result carries a value or an error with detail") {
    kcoro::result<int> a = 42;
    REQUIRE(a);
    CHECK(*a == 42);

    kcoro::result<int> b = kcoro::error(kcoro::errc::invalid_config, "batch_size: must be greater than 0");
    REQUIRE_FALSE(b);
    CHECK(b.err() == kcoro::errc::invalid_config);
    CHECK(b.err().message().rfind("batch_size: must be greater than 0: invalid_config", 0) == 0);

    auto twice = [](kcoro::result<int> r) -> kcoro::result<int> {
        KCORO_TRY_ASSIGN(int v, std::move(r));
        return v * 2;
    };
    CHECK(*twice(21) == 42);
    CHECK(twice(kcoro::errc::truncated).err() == kcoro::errc::truncated);

    kcoro::result<std::string> s = std::string("x");
    kcoro::result<std::string> s2 = s;
    CHECK(*s2 == "x");
    s2 = kcoro::errc::timed_out;
    CHECK_FALSE(s2);
    CHECK(s2.err().retriable());
}

TEST_CASE("byte_buffer grows, keeps capacity on clear and compares") {
    kcoro::byte_buffer b;
    b.append(std::string_view("abc"));
    b.push_back('d');
    CHECK(b.size() == 4);
    CHECK(kcoro::as_string_view(b.view()) == "abcd");
    auto cap = b.capacity();
    b.clear();
    CHECK(b.empty());
    CHECK(b.capacity() == cap);
    kcoro::byte_buffer c(kcoro::as_bytes("abcd"));
    b.append(std::string_view("abcd"));
    CHECK(b == c);
    kcoro::byte_buffer moved(std::move(c));
    CHECK(moved.size() == 4);
    CHECK(c.size() == 0);  // NOLINT: moved-from is empty by contract
}

}  // namespace basics_test
