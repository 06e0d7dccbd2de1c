// SaslHandshake and SaslAuthenticate requests and responses byte for byte, from the JSON message
// definitions in apache/kafka (clients/src/main/resources/common/message/).
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/hex_frames.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace protocol_sasl_messages_test {

using kcoro_test::unhex;
using kcoro_test::hex;
using kcoro_test::encoded;

template <class Response>
kcoro::result<Response> decoded(kcoro::bytes_view body, std::int16_t version) {
    kcoro::wire_reader r(body);
    auto out = Response::decode(r, version);
    if (out && r.remaining() != 0) return kcoro::error(kcoro::errc::malformed_response, "trailing bytes");
    return out;
}

template <class Response>
void every_truncation_fails(std::string_view full_hex, std::int16_t version) {
    const auto full = unhex(full_hex);
    for (std::size_t n = 0; n < full.size(); ++n) {
        kcoro::wire_reader r(full.view().first(n));
        auto out = Response::decode(r, version);
        INFO("version " << version << " prefix " << n << " of " << full.size());
        CHECK_FALSE(out);
    }
}

TEST_CASE("sasl_handshake request and response, versions 0-1") {
    using req_t = kcoro::sasl_handshake_request;
    using resp_t = kcoro::sasl_handshake_response;
    static_assert(req_t::api_key == 17 && req_t::min_version == 0 && req_t::max_version == 1);
    req_t req{.mechanism = "SCRAM-SHA-256"};
    // Mechanism (classic string); never flexible.
    CHECK(encoded(req, 0) == "000d534352414d2d5348412d323536");
    CHECK(encoded(req, 1) == "000d534352414d2d5348412d323536");
    // ErrorCode, Mechanisms (classic array of classic strings).
    constexpr std::string_view frame = "0021000000020005504c41494e000d534352414d2d5348412d353132";
    for (std::int16_t v = 0; v <= 1; ++v) {
        auto r = decoded<resp_t>(unhex(frame), v);
        REQUIRE(r);
        CHECK(r->error_code == kcoro::errc::unsupported_sasl_mechanism);
        REQUIRE(r->mechanisms.size() == 2);
        CHECK(r->mechanisms[0] == "PLAIN");
        CHECK(r->mechanisms[1] == "SCRAM-SHA-512");
        every_truncation_fails<resp_t>(frame, v);
    }
    auto empty = decoded<resp_t>(unhex("000000000000"), 1);
    REQUIRE(empty);
    CHECK(empty->error_code == kcoro::errc::none);
    CHECK(empty->mechanisms.empty());
    CHECK_FALSE(decoded<resp_t>(unhex("0000ffffffff"), 1));            // null array
    CHECK_FALSE(decoded<resp_t>(unhex("000000000001ffff"), 1));        // null mechanism
    CHECK_FALSE(decoded<resp_t>(unhex("0000000000010005504c41"), 1));  // string past the end
}

TEST_CASE("sasl_authenticate request and response, versions 0-2") {
    using req_t = kcoro::sasl_authenticate_request;
    using resp_t = kcoro::sasl_authenticate_response;
    static_assert(req_t::api_key == 36 && req_t::min_version == 0 && req_t::max_version == 2);
    static_assert(req_t::flexible(2) && !req_t::flexible(1));
    auto plain = kcoro::sasl_plain_message("u", "p");
    REQUIRE(plain);
    req_t req{.auth_bytes = kcoro::as_bytes(*plain)};
    // AuthBytes (bytes: int32 length, or compact uvarint length+1 from v2), then tags from v2.
    CHECK(encoded(req, 0) == "0000000400750070");
    CHECK(encoded(req, 1) == "0000000400750070");
    CHECK(encoded(req, 2) == "050075007000");

    // ErrorCode, ErrorMessage (nullable), AuthBytes, SessionLifetimeMs (v1+), tags (v2).
    for (auto [v, frame] : {std::pair<std::int16_t, std::string_view>{0, "0000ffff00000005763d78797a"},
                            {1, "0000ffff00000005763d78797a000000000036ee80"},
                            {2, "00000006763d78797a000000000036ee8000"}}) {
        auto r = decoded<resp_t>(unhex(frame), v);
        REQUIRE(r);
        CHECK(r->error_code == kcoro::errc::none);
        CHECK_FALSE(r->error_message);
        CHECK(kcoro::as_string_view(r->auth_bytes.view()) == "v=xyz");
        CHECK(r->session_lifetime_ms == (v >= 1 ? 3600000 : 0));
        every_truncation_fails<resp_t>(frame, v);
    }
    // A failure carries the broker's message.
    auto failed = decoded<resp_t>(unhex("003a0003626164000000000000000000000000"), 1);
    REQUIRE(failed);
    CHECK(failed->error_code == kcoro::errc::sasl_authentication_failed);
    REQUIRE(failed->error_message);
    CHECK(*failed->error_message == "bad");
    CHECK(failed->auth_bytes.empty());
    // Negative byte length and a compact length running past the end.
    CHECK_FALSE(decoded<resp_t>(unhex("0000fffffffffffe"), 0));
    CHECK_FALSE(decoded<resp_t>(unhex("0000000a763d"), 2));
    CHECK_FALSE(decoded<resp_t>(unhex("000000ffffffffffffffffff01"), 2));  // varint too long
}

}  // namespace protocol_sasl_messages_test
