// Framing byte for byte: request headers v1/v2, response headers v0/v1 (ApiVersions always v0),
// the frame splitter over partial and pipelined input, the ApiVersions v0 fallback, and the
// 32-bit varint limit. Expected bytes are written out from Kafka's RequestHeader.json,
// ResponseHeader.json and the message definitions, not produced by kcoro's writer.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

kcoro::byte_buffer unhex(std::string_view hex) {
    kcoro::byte_buffer out;
    auto nibble = [](char c) { return static_cast<kcoro::byte>(c <= '9' ? c - '0' : c - 'a' + 10); };
    REQUIRE(hex.size() % 2 == 0);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<kcoro::byte>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    return out;
}

std::string hex(kcoro::bytes_view b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += digits[c >> 4];
        s += digits[c & 15];
    }
    return s;
}

template <class Request>
std::string frame(const Request& req, std::int16_t version, std::int32_t correlation_id,
                  std::optional<std::string_view> client_id) {
    kcoro::byte_buffer out;
    kcoro::encode_request_frame(out, req, version, correlation_id, client_id);
    return hex(out.view());
}

}  // namespace

TEST_CASE("protocol_framing: header versions follow flexibility, ApiVersions responses always v0") {
    using kcoro::api_versions_request;
    using kcoro::metadata_request;
    using kcoro::produce_request;
    static_assert(kcoro::request_header_version<api_versions_request>(2) == 1);
    static_assert(kcoro::request_header_version<api_versions_request>(3) == 2);
    static_assert(kcoro::response_header_version<api_versions_request>(3) == 0);
    static_assert(kcoro::response_header_version<api_versions_request>(4) == 0);
    static_assert(kcoro::request_header_version<metadata_request>(8) == 1);
    static_assert(kcoro::request_header_version<metadata_request>(9) == 2);
    static_assert(kcoro::response_header_version<metadata_request>(8) == 0);
    static_assert(kcoro::response_header_version<metadata_request>(9) == 1);
    static_assert(kcoro::response_header_version<produce_request>(8) == 0);
    static_assert(kcoro::response_header_version<produce_request>(12) == 1);
    CHECK(kcoro::response_header_version<produce_request>(9) == 1);
}

TEST_CASE("protocol_framing: request frames carry size, header v1 or v2, body") {
    kcoro::api_versions_request av{.client_software_name = "kc", .client_software_version = "1.2"};
    // v0, header v1: Size=10, ApiKey 18, ApiVersion 0, CorrelationId 7, ClientId null; no body.
    CHECK(frame(av, 0, 7, std::nullopt) == "0000000a0012000000000007ffff");
    // v3, header v2: ClientId stays a classic string ("kc"), then an empty tag section; the body
    // is compact ClientSoftwareName, ClientSoftwareVersion, tags.
    CHECK(frame(av, 3, 7, "kc") == "00000015001200030000000700026b6300036b6304312e3200");
    // An empty (not null) client id.
    CHECK(frame(av, 2, -1, "") == "0000000a00120002ffffffff0000");

    const kcoro::byte records[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
    const std::array<kcoro::produce_partition_data, 1> parts{{{.index = 2, .records = records}}};
    const std::array<kcoro::produce_topic_data, 1> topics{{{.name = "t", .partitions = parts}}};
    kcoro::produce_request produce{.transactional_id = std::nullopt, .acks = -1, .timeout_ms = 1500, .topics = topics};
    // v8, header v1 (12 bytes) + body (33 bytes) = 45.
    CHECK(frame(produce, 8, 1, "kc") ==
          "0000002d0000000800000001""00026b63"
          "ffffffff000005dc00000001000174000000010000000200000006deadbeef0001");
    // v9, header v2 (13 bytes) + compact body (25 bytes) = 38.
    CHECK(frame(produce, 9, 1, "kc") ==
          "000000260000000900000001""00026b6300"
          "00ffff000005dc020274020000000207deadbeef0001000000");

    // Frames append: pipelined requests gather in one buffer, each with its own size.
    kcoro::byte_buffer both;
    kcoro::encode_request_frame(both, av, 0, 1, std::nullopt);
    kcoro::encode_request_frame(both, av, 3, 2, "kc");
    CHECK(hex(both.view()) ==
          "0000000a0012000000000001ffff"
          "00000015001200030000000200026b6300036b6304312e3200");
}

TEST_CASE("protocol_framing: the splitter finds whole frames in partial and pipelined input") {
    // Two responses back to back: correlation 5 (4-byte body + 2) and correlation 6 (body of 4).
    const auto stream = unhex("00000006""00000005abcd""00000004""00000006");
    const auto all = stream.view();

    for (std::size_t n = 0; n < 10; ++n) {
        INFO("prefix " << n);
        auto s = kcoro::split_response_frame(all.first(n));
        REQUIRE(s);
        CHECK_FALSE(*s);
        auto need = kcoro::response_frame_bytes_needed(all.first(n));
        REQUIRE(need);
        CHECK(*need == (n < 4 ? 4u : 10u));
    }
    for (std::size_t n = 10; n <= all.size(); ++n) {
        auto s = kcoro::split_response_frame(all.first(n));
        REQUIRE(s);
        REQUIRE(*s);
        CHECK((*s)->size == 10);
        CHECK((*s)->correlation_id == 5);
        CHECK(hex((*s)->body) == "00000005abcd");
    }
    auto first = kcoro::split_response_frame(all);
    REQUIRE(first);
    REQUIRE(*first);
    auto rest = all.subspan((*first)->size);
    auto second = kcoro::split_response_frame(rest);
    REQUIRE(second);
    REQUIRE(*second);
    CHECK((*second)->size == 8);
    CHECK((*second)->correlation_id == 6);
    CHECK((*second)->body.size() == 4);
    CHECK(rest.size() == (*second)->size);

    // A size that cannot hold a correlation id, a negative size, or one over the limit: the
    // stream is unusable, and the splitter says so at once rather than waiting for more bytes.
    for (std::string_view bad : {"00000000", "00000003", "ffffffff", "80000000"}) {
        INFO(bad);
        const auto b = unhex(bad);
        auto s = kcoro::split_response_frame(b.view());
        REQUIRE_FALSE(s);
        CHECK(s.err() == kcoro::errc::malformed_response);
        CHECK_FALSE(kcoro::response_frame_bytes_needed(b.view()));
    }
    const auto big = unhex("00010000");
    CHECK_FALSE(kcoro::split_response_frame(big.view(), 0xffff));
    CHECK_FALSE(kcoro::response_frame_bytes_needed(big.view(), 0xffff));
    auto at_limit = kcoro::split_response_frame(big.view(), 0x10000);
    REQUIRE(at_limit);
    CHECK_FALSE(*at_limit);  // allowed, just not all here yet
}

TEST_CASE("protocol_framing: response header v1 tags are skipped, v0 has none, correlation ids must match") {
    // Metadata v9: CorrelationId 42, header tags {5: abcd}; then ThrottleTimeMs, Brokers[1: NodeId 1,
    // Host "h", Port 9092, Rack null, tags], ClusterId null, ControllerId 1, Topics[], ClusterAuthorizedOperations, tags.
    const auto md = unhex("0000002a""010502abcd""00000000""02""00000001""0268""00002384""00""00""00""00000001""01"
                          "80000000""00");
    auto r = kcoro::decode_response_frame<kcoro::metadata_request>(md.view(), 9, 42);
    REQUIRE(r);
    REQUIRE(r->brokers.size() == 1);
    CHECK(r->brokers[0].host == "h");
    CHECK(r->brokers[0].port == 9092);
    CHECK(r->controller_id == 1);
    CHECK(r->topics.empty());
    CHECK(kcoro::decode_response_frame<kcoro::metadata_request>(md.view(), 9, 43).err() ==
          kcoro::errc::malformed_response);
    for (std::size_t n = 0; n < md.size(); ++n) {
        INFO("prefix " << n);
        CHECK_FALSE(kcoro::decode_response_frame<kcoro::metadata_request>(md.view().first(n), 9, 42));
    }

    // ApiVersions v3 answered with header v0: the body starts right after the correlation id.
    // ErrorCode, ApiKeys[1: 18, 0, 4, tags], ThrottleTimeMs, tags.
    const auto av = unhex("00000001""0000""02""001200000004""00""00000000""00");
    auto a = kcoro::decode_response_frame<kcoro::api_versions_request>(av.view(), 3, 1);
    REQUIRE(a);
    REQUIRE(a->api_keys.size() == 1);
    CHECK(a->api_keys[0].api_key == 18);
    CHECK(a->api_keys[0].max_version == 4);
    for (std::size_t n = 0; n < av.size(); ++n) {
        INFO("prefix " << n);
        CHECK_FALSE(kcoro::decode_response_frame<kcoro::api_versions_request>(av.view().first(n), 3, 1));
    }
}

TEST_CASE("protocol_framing: ApiVersions falls back to v0 for UNSUPPORTED_VERSION answers only") {
    using resp_t = kcoro::api_versions_response;
    // What a broker sends when asked for a version it does not speak: a v0 body with error 35 and
    // the range of ApiVersions it does speak (KIP-511).
    const auto v0_unsupported = unhex("0023""00000001""001200000002");
    for (std::int16_t v = 0; v <= 4; ++v) {
        INFO("asked as v" << v);
        kcoro::wire_reader r(v0_unsupported.view());
        auto out = resp_t::decode(r, v);
        REQUIRE(out);
        CHECK(out->error_code == kcoro::errc::unsupported_version);
        REQUIRE(out->api_keys.size() == 1);
        CHECK(out->api_keys[0].api_key == 18);
        CHECK(out->api_keys[0].max_version == 2);
        CHECK(r.empty());
        auto ranges = kcoro::to_version_ranges(*out);
        auto retry = kcoro::negotiate<kcoro::api_versions_request>(ranges);
        REQUIRE(retry);
        CHECK(*retry == 2);
    }
    // Every truncation of it still fails, whichever version was asked.
    for (std::int16_t v = 0; v <= 4; ++v)
        for (std::size_t n = 0; n < v0_unsupported.size(); ++n) {
            INFO("v" << v << " prefix " << n);
            kcoro::wire_reader r(v0_unsupported.view().first(n));
            CHECK_FALSE(resp_t::decode(r, v));
        }
    // A successful v0 body is not a valid v1 answer: it is a v1 answer cut before ThrottleTimeMs.
    const auto v0_ok = unhex("0000""00000001""001200000004");
    kcoro::wire_reader ok_as_v1(v0_ok.view());
    CHECK_FALSE(resp_t::decode(ok_as_v1, 1));
    kcoro::wire_reader ok_as_v0(v0_ok.view());
    CHECK(resp_t::decode(ok_as_v0, 0));
}

TEST_CASE("protocol_framing: 32-bit varints stop at 5 bytes") {
    auto read = [](std::string_view h) {
        const auto b = unhex(h);
        kcoro::wire_reader r(b.view());
        return r.uvarint32();
    };
    CHECK(*read("00") == 0u);
    CHECK(*read("7f") == 127u);
    CHECK(*read("8001") == 128u);
    CHECK(*read("ffffffff0f") == 0xffffffffu);
    CHECK(read("ffffffff1f").err() == kcoro::errc::malformed_response);    // bits past 32
    CHECK(read("808080808000").err() == kcoro::errc::malformed_response);  // a sixth byte
    CHECK(read("ffffffff").err() == kcoro::errc::truncated);
    {
        // Zig-zag: 0xfffffffe -> INT32_MAX, 0xffffffff -> INT32_MIN.
        const auto b = unhex("feffffff0fffffffff0f");
        kcoro::wire_reader r(b.view());
        CHECK(*r.varint() == INT32_MAX);
        CHECK(*r.varint() == INT32_MIN);
    }
    {
        // A compact string length in six bytes is malformed even though its value is small.
        const auto b = unhex("82808080800061");
        kcoro::wire_reader r(b.view());
        CHECK(r.string(true).err() == kcoro::errc::malformed_response);
    }
    {
        // A tag section whose field size is over 5 bytes.
        const auto b = unhex("0100ffffffffff01");
        kcoro::wire_reader r(b.view());
        CHECK(r.tagged_fields(true).err() == kcoro::errc::malformed_response);
    }
    // 64-bit varlongs keep their 10 bytes.
    {
        const auto b = unhex("ffffffffffffffffff01");
        kcoro::wire_reader r(b.view());
        CHECK(*r.varlong() == INT64_MIN);
    }
}

TEST_CASE("protocol_framing: Metadata v0 asks for all topics with an empty array") {
    using req_t = kcoro::metadata_request;
    static_assert(req_t::min_version == 0);
    req_t all{.topics = {}, .all_topics = true};
    kcoro::byte_buffer b;
    kcoro::wire_writer w(b);
    all.encode(w, 0);
    CHECK(hex(b.view()) == "00000000");
    const std::array<std::string_view, 1> one{"t"};
    req_t some{.topics = one};
    b.clear();
    some.encode(w, 0);
    CHECK(hex(b.view()) == "000000010001" "74");

    // Brokers[NodeId, Host, Port], Topics[ErrorCode, Name, Partitions[ErrorCode, PartitionIndex,
    // LeaderId, ReplicaNodes, IsrNodes]].
    const auto body = unhex("00000001""00000001""000168""00002384"
                            "00000001""0000""000174"
                            "00000001""0000""00000000""00000001""0000000100000001""0000000100000001");
    kcoro::wire_reader r(body.view());
    auto md = kcoro::metadata_response::decode(r, 0);
    REQUIRE(md);
    CHECK(r.empty());
    REQUIRE(md->brokers.size() == 1);
    CHECK_FALSE(md->brokers[0].rack);
    CHECK_FALSE(md->cluster_id);
    CHECK(md->controller_id == -1);
    REQUIRE(md->topics.size() == 1);
    CHECK(*md->topics[0].name == "t");
    REQUIRE(md->topics[0].partitions.size() == 1);
    CHECK(md->topics[0].partitions[0].leader_id == 1);
    CHECK(md->topics[0].partitions[0].leader_epoch == -1);
    CHECK(md->topics[0].partitions[0].isr_nodes.size() == 1);
    for (std::size_t n = 0; n < body.size(); ++n) {
        INFO("prefix " << n);
        kcoro::wire_reader t(body.view().first(n));
        CHECK_FALSE(kcoro::metadata_response::decode(t, 0));
    }
}
