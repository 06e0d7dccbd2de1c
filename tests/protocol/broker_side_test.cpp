// The broker side of the generated protocol (kcoro/protocol/broker/) against the client side: what
// one side writes the other reads back to the same bytes, and response frames written out from
// Kafka's definitions (the ones the unit tests decode) are written again byte for byte, tagged
// fields included. Built against include/ only: the single header has no broker side.
#include <kcoro/kcoro.hpp>
#include <kcoro/protocol/broker/messages.hpp>

#include <doctest/doctest.h>

#include "../support/hex_frames.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace {

using kcoro_test::unhex;
using kcoro_test::hex;

template <class Req>
void defaults_round_trip() {
    using received = kcoro::with_storage_t<Req, kcoro::frame_storage>;
    using response = typename Req::response_type;
    for (std::int16_t v = Req::min_version; v <= Req::max_version; ++v) {
        INFO("API key " << Req::api_key << " version " << v);
        kcoro::byte_buffer sent;
        kcoro::wire_writer w(sent);
        Req{}.encode(w, v);
        kcoro::wire_reader r(sent.view());
        received req;
        REQUIRE(kcoro::decode_request(r, v, req));
        CHECK(r.empty());
        kcoro::byte_buffer again;
        kcoro::wire_writer w2(again);
        req.encode(w2, v);
        CHECK(hex(again.view()) == hex(sent.view()));

        kcoro::byte_buffer answer;
        kcoro::wire_writer w3(answer);
        kcoro::encode_response(w3, v, response{});
        kcoro::wire_reader r3(answer.view());
        auto back = response::decode(r3, v);
        REQUIRE(back);
        CHECK(r3.empty());
        kcoro::byte_buffer answer2;
        kcoro::wire_writer w4(answer2);
        kcoro::encode_response(w4, v, *back);
        CHECK(hex(answer2.view()) == hex(answer.view()));
    }
}

template <class... Requests>
void every_api(kcoro::api_list<Requests...>) {
    (defaults_round_trip<Requests>(), ...);
}

// Decodes a frame with the client side and writes it again with the broker side.
template <class Response>
std::string rewritten(std::string_view frame_hex, std::int16_t version) {
    const auto frame = unhex(frame_hex);
    kcoro::wire_reader r(frame.view());
    auto decoded = Response::decode(r, version);
    REQUIRE(decoded);
    REQUIRE(r.empty());
    kcoro::byte_buffer out;
    kcoro::wire_writer w(out);
    kcoro::encode_response(w, version, *decoded);
    return hex(out.view());
}

}  // namespace

TEST_CASE("broker side: every API at every version reads back what the other side wrote") {
    every_api(kcoro::kafka_apis{});
}

TEST_CASE("broker side: response frames are written again byte for byte, tagged fields included") {
    // Produce v10: two partitions, the second with record errors and a CurrentLeader (tag 0), and
    // NodeEndpoints (top-level tag 0).
    constexpr std::string_view produce_v10 =
        "020274030000000000000000000000000064ffffffffffffffff0000000000000007010000000000010006ffffffffffffffffffffffff"
        "ffffffffffffffffffffffff0300000003046261640000000004000004776879010009000000030000000900000000001101000e0200"
        "000003036833000023860000";
    CHECK(rewritten<kcoro::produce_response>(produce_v10, 10) == produce_v10);
    constexpr std::string_view produce_v8 =
        "00000001000174000000020000000000000000000000000064ffffffffffffffff000000000000000700000000ffff000000010006ff"
        "ffffffffffffffffffffffffffffffffffffffffffffff0000000200000003000362616400000004ffff000377687900000011";
    CHECK(rewritten<kcoro::produce_response>(produce_v8, 8) == produce_v8);
    // ApiVersions v3: SupportedFeatures (tag 0), FinalizedFeaturesEpoch (1), FinalizedFeatures (2),
    // ZkMigrationReady (3).
    constexpr std::string_view api_versions_v3 =
        "00000400000003000c0000030001000d00001200000004000000000504001a02147472616e73616374696f6e2e76657273696f6e000000"
        "020001080000000000000009023003147472616e73616374696f6e2e76657273696f6e0002000100116d657461646174612e7665727369"
        "6f6e001b001b00030101";
    CHECK(rewritten<kcoro::api_versions_response>(api_versions_v3, 3) == api_versions_v3);
    constexpr std::string_view metadata_v12 =
        "0000000b0300000001036831000023840000000000020368320000238503723200046369640000000203000002740102030405060708090a"
        "0b0c0d0e0f10000300000000000000000001000000040300000001000000020300000001000000020100000600000001ffffffff00000005"
        "03000000020000000102000000010200000002008000000000000305676f6e6500000000000000000000000000000000010100000008"
        "0000";
    CHECK(rewritten<kcoro::metadata_response>(metadata_v12, 12) == metadata_v12);
}

TEST_CASE("broker side: a Produce request as the broker reads it, records viewing the frame") {
    const kcoro::byte records[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
    const kcoro::produce_partition_data parts[] = {{.index = 2, .records = records}};
    const kcoro::produce_topic_data topics[] = {{.name = "t", .partitions = parts}};
    const kcoro::produce_request req{.transactional_id = "tx", .acks = -1, .timeout_ms = 1500, .topics = topics};
    for (std::int16_t v : {std::int16_t{3}, std::int16_t{9}, std::int16_t{12}}) {
        INFO("version " << v);
        kcoro::byte_buffer frame;
        kcoro::wire_writer w(frame);
        const kcoro::request_header header{.request_api_key = 0, .request_api_version = v, .correlation_id = 5, .client_id = "c"};
        header.encode(w, kcoro::produce_request::request_header_version(v));
        req.encode(w, v);

        kcoro::wire_reader r(frame.view());
        kcoro::received_request_header h;
        REQUIRE(kcoro::decode_header(r, kcoro::produce_request::request_header_version(v), h));
        CHECK(h.request_api_key == 0);
        CHECK(h.request_api_version == v);
        CHECK(h.correlation_id == 5);
        REQUIRE(h.client_id);
        CHECK(*h.client_id == "c");
        kcoro::received_produce_request got;
        REQUIRE(kcoro::decode_request(r, v, got));
        CHECK(r.empty());
        REQUIRE(got.transactional_id);
        CHECK(*got.transactional_id == "tx");
        CHECK(got.acks == -1);
        CHECK(got.timeout_ms == 1500);
        REQUIRE(got.topics.size() == 1);
        CHECK(got.topics[0].name == "t");
        REQUIRE(got.topics[0].partitions.size() == 1);
        CHECK(got.topics[0].partitions[0].index == 2);
        REQUIRE(got.topics[0].partitions[0].records);
        const kcoro::bytes_view batch = *got.topics[0].partitions[0].records;
        CHECK(hex(batch) == "deadbeef0001");
        CHECK(batch.data() >= frame.data());
        CHECK(batch.data() + batch.size() <= frame.data() + frame.size());
    }
    // A truncated request is an error, never a partial request.
    kcoro::byte_buffer body;
    kcoro::wire_writer w(body);
    req.encode(w, 9);
    for (std::size_t n = 0; n < body.size(); ++n) {
        kcoro::wire_reader r(body.view().first(n));
        kcoro::received_produce_request got;
        CHECK_FALSE(kcoro::decode_request(r, 9, got));
    }
}
