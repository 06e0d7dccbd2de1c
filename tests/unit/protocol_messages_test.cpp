// Requests and responses byte for byte. Every expected frame is written out field by field from
// the JSON message definitions in apache/kafka (clients/src/main/resources/common/message/), with
// a separate encoder, not with kcoro's wire_writer.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/hex_frames.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace protocol_messages_test {

using kcoro_test::unhex;
using kcoro_test::hex;
using kcoro_test::encoded;

// Decodes a whole body; trailing bytes would mean the decoder skipped a field.
template <class Response>
kcoro::result<Response> decoded(const kcoro::byte_buffer& body, std::int16_t version) {
    kcoro::wire_reader r(body.view());
    auto out = Response::decode(r, version);
    if (out && r.remaining() != 0) return kcoro::error(kcoro::errc::malformed_response, "trailing bytes");
    return out;
}

template <class Response>
void every_truncation_fails(const kcoro::byte_buffer& full, std::int16_t version) {
    for (std::size_t n = 0; n < full.size(); ++n) {
        kcoro::wire_reader r(full.view().first(n));
        auto out = Response::decode(r, version);
        INFO("version " << version << " prefix " << n << " of " << full.size());
        CHECK_FALSE(out);
    }
}

// The decoder must reject `body` outright (not merely leave bytes over).
template <class Response>
bool rejects(std::string_view body_hex, std::int16_t version) {
    const auto body = unhex(body_hex);
    kcoro::wire_reader r(body.view());
    return !Response::decode(r, version);
}

static_assert(kcoro::kafka_request<kcoro::api_versions_request>);
static_assert(kcoro::kafka_request<kcoro::metadata_request>);
static_assert(kcoro::kafka_request<kcoro::produce_request>);
static_assert(kcoro::kafka_request<kcoro::init_producer_id_request>);
static_assert(kcoro::kafka_request<kcoro::create_topics_request>);
static_assert(kcoro::kafka_request<kcoro::delete_topics_request>);

TEST_CASE("protocol_messages: ApiVersions request v0-v4") {
    using req_t = kcoro::api_versions_request;
    static_assert(req_t::api_key == 18 && req_t::min_version == 0 && req_t::max_version == 4 && req_t::flexible(3) &&
                  !req_t::flexible(2));
    req_t req{.client_software_name = "kc", .client_software_version = "1.2"};
    // v0-2 have an empty body.
    CHECK(encoded(req, 0).empty());
    CHECK(encoded(req, 1).empty());
    CHECK(encoded(req, 2).empty());
    // v3+: ClientSoftwareName, ClientSoftwareVersion (compact strings), tags.
    CHECK(encoded(req, 3) == "036b6304312e3200");
    CHECK(encoded(req, 4) == "036b6304312e3200");
    // By default the client names itself: "kcoro" and the library's version.
    const std::string version = KCORO_VERSION_STRING;
    std::string expected = "066b636f726f";  // compact "kcoro"
    const kcoro::byte len = static_cast<kcoro::byte>(version.size() + 1);
    expected += hex(kcoro::bytes_view(&len, 1));
    expected += hex(kcoro::as_bytes(version));
    expected += "00";
    CHECK(encoded(req_t{}, 3) == expected);
}

TEST_CASE("protocol_messages: ApiVersions response v0-v2") {
    using resp_t = kcoro::api_versions_response;
    // ErrorCode, ApiKeys[ApiKey, MinVersion, MaxVersion], ThrottleTimeMs (v1+).
    const std::pair<std::int16_t, std::string_view> frames[] = {
        {0, "00000000000300000003000c00030001000d001200000004"},
        {1, "00000000000300000003000c00030001000d00120000000400000005"},
        {2, "00000000000300000003000c00030001000d00120000000400000005"},
    };
    for (auto [v, h] : frames) {
        INFO("version " << v);
        const auto body = unhex(h);
        auto r = decoded<resp_t>(body, v);
        REQUIRE(r);
        CHECK(r->error_code == kcoro::errc::none);
        REQUIRE(r->api_keys.size() == 3);
        CHECK(r->api_keys[0].api_key == 0);
        CHECK(r->api_keys[0].min_version == 3);
        CHECK(r->api_keys[0].max_version == 12);
        CHECK(r->api_keys[1].api_key == 3);
        CHECK(r->api_keys[1].min_version == 1);
        CHECK(r->api_keys[1].max_version == 13);
        CHECK(r->api_keys[2].api_key == 18);
        CHECK(r->api_keys[2].max_version == 4);
        CHECK(r->throttle_time_ms == (v >= 1 ? 5 : 0));
        CHECK(r->finalized_features.empty());
        every_truncation_fails<resp_t>(body, v);
    }
    // UNSUPPORTED_VERSION with the versions of ApiVersions itself (KIP-511).
    auto unsupported = decoded<resp_t>(unhex("0023000000010012000000030000000a"), 1);
    REQUIRE(unsupported);
    CHECK(unsupported->error_code == kcoro::errc::unsupported_version);
    REQUIRE(unsupported->api_keys.size() == 1);
    CHECK(unsupported->api_keys[0].max_version == 3);
    CHECK(unsupported->throttle_time_ms == 10);
    // The same answer in the v0 layout, to a v3 request (what a broker older than the request sends).
    for (std::int16_t v : {1, 2, 3, 4}) {
        CAPTURE(v);
        auto v0_layout = decoded<resp_t>(unhex("002300000001001200000003"), v);
        REQUIRE(v0_layout);
        CHECK(v0_layout->error_code == kcoro::errc::unsupported_version);
        REQUIRE(v0_layout->api_keys.size() == 1);
        CHECK(v0_layout->api_keys[0].api_key == 18);
        CHECK(v0_layout->api_keys[0].max_version == 3);
        // Only the error code (as librdkafka's mock cluster answers): the error, no ranges.
        auto bare = decoded<resp_t>(unhex("0023"), v);
        REQUIRE(bare);
        CHECK(bare->error_code == kcoro::errc::unsupported_version);
        CHECK(bare->api_keys.empty());
    }
}

TEST_CASE("protocol_messages: ApiVersions response v3 with supported and finalized features") {
    using resp_t = kcoro::api_versions_response;
    // Compact ApiKeys with tags, ThrottleTimeMs, then tags: 0 SupportedFeatures[Name, Min, Max],
    // 1 FinalizedFeaturesEpoch, 2 FinalizedFeatures[Name, MaxVersionLevel, MinVersionLevel],
    // 3 ZkMigrationReady (not read: skipped).
    const auto body = unhex(
        "00000400000003000c0000030001000d00001200000004000000000504001a02147472616e73616374696f6e2e76657273696f6e000000"
        "020001080000000000000009023003147472616e73616374696f6e2e76657273696f6e0002000100116d657461646174612e7665727369"
        "6f6e001b001b00030101");
    for (std::int16_t v : {std::int16_t{3}, std::int16_t{4}}) {
        INFO("version " << v);
        auto r = decoded<resp_t>(body, v);
        REQUIRE(r);
        CHECK(r->error_code == kcoro::errc::none);
        REQUIRE(r->api_keys.size() == 3);
        CHECK(r->api_keys[1].api_key == 3);
        CHECK(r->api_keys[1].max_version == 13);
        CHECK(r->throttle_time_ms == 5);
        REQUIRE(r->supported_features.size() == 1);
        CHECK(r->supported_features[0].name == "transaction.version");
        CHECK(r->supported_features[0].min_version == 0);
        CHECK(r->supported_features[0].max_version == 2);
        CHECK(r->finalized_features_epoch == 9);
        REQUIRE(r->finalized_features.size() == 2);
        CHECK(r->finalized_features[0].name == "transaction.version");
        CHECK(r->finalized_features[0].max_version_level == 2);
        CHECK(r->finalized_features[0].min_version_level == 1);
        CHECK(r->finalized_features[1].name == "metadata.version");
        CHECK(r->finalized_features[1].max_version_level == 27);

        const auto ranges = kcoro::to_version_ranges(*r);
        CHECK(ranges.transaction_version == 2);
        CHECK(ranges.supports(0));
        CHECK(ranges.min(0) == 3);
        CHECK(ranges.max(0) == 12);
        CHECK(ranges.supports(18));
        CHECK_FALSE(ranges.supports(22));
        every_truncation_fails<resp_t>(body, v);
    }
    // Without the finalized tag the cluster has transaction.version 0.
    auto bare = decoded<resp_t>(unhex("00000200000003000c000000000000"), 3);
    REQUIRE(bare);
    CHECK(bare->finalized_features.empty());
    CHECK(kcoro::to_version_ranges(*bare).transaction_version == 0);
    // A finalized-features tag whose array runs past the field's own bytes is rejected.
    CHECK(rejects<resp_t>("000002000000030000000000000001020403147400", 3));
}

TEST_CASE("protocol_messages: ApiVersions malformed corpus") {
    using resp_t = kcoro::api_versions_response;
    CHECK(rejects<resp_t>("0000ffffffff", 0));            // null ApiKeys
    CHECK(rejects<resp_t>("00007fffffff", 0));            // count past the end
    CHECK(rejects<resp_t>("0000fffffffe", 0));            // negative count
    CHECK(rejects<resp_t>("00000000", 3));                // compact null ApiKeys
    CHECK(rejects<resp_t>("0000ffffffff0f", 3));          // compact count beyond INT32_MAX
    CHECK(rejects<resp_t>("000002000000030000000000000001", 3));  // tag count with no tag
}

TEST_CASE("protocol_messages: Metadata request v1, v4, v9, v10, v12") {
    using req_t = kcoro::metadata_request;
    static_assert(req_t::api_key == 3 && req_t::flexible(9) && !req_t::flexible(8));
    const std::array<kcoro::metadata_request_topic, 2> topics{{{.name = "a"}, {.name = "bc"}}};
    req_t some{.topics = topics, .allow_auto_topic_creation = false, .include_topic_authorized_operations = true};
    // A null topic list asks for every topic.
    req_t all{.topics = std::nullopt, .allow_auto_topic_creation = true, .include_topic_authorized_operations = false};
    // v1: Topics[Name] (null = all topics).
    CHECK(encoded(some, 1) == "0000000200016100026263");
    CHECK(encoded(all, 1) == "ffffffff");
    // v4 adds AllowAutoTopicCreation.
    CHECK(encoded(some, 4) == "000000020001610002626300");
    CHECK(encoded(all, 4) == "ffffffff01");
    // v9: compact, tags; IncludeClusterAuthorizedOperations (8-10), IncludeTopicAuthorizedOperations (8+).
    CHECK(encoded(some, 9) == "030261000362630000000100");
    CHECK(encoded(all, 9) == "0001000000");
    // v10 adds TopicId before Name (zero: by name).
    CHECK(encoded(some, 10) ==
          "0300000000000000000000000000000000026100000000000000000000000000000000000362630000000100");
    CHECK(encoded(all, 10) == "0001000000");
    // v11+ drop IncludeClusterAuthorizedOperations.
    CHECK(encoded(some, 12) ==
          "03000000000000000000000000000000000261000000000000000000000000000000000003626300000100");
    CHECK(encoded(all, 12) == "00010000");
}

TEST_CASE("protocol_messages: Metadata response v1, v9, v12, v13") {
    using resp_t = kcoro::metadata_response;
    const std::pair<std::int16_t, std::string_view> frames[] = {
        {1,
         "00000002000000010002683100002384ffff0000000200026832000023850002723200000002000000020000000174000000000200000000"
         "000000000001000000020000000100000002000000020000000100000002000600000001ffffffff000000020000000200000001000000"
         "010000000100030004676f6e650100000000"},
        {9,
         "0000000b030000000103683100002384000000000002036832000023850372320004636964000000020300000274000300000000000000"
         "000001000000040300000001000000020300000001000000020100000600000001ffffffff00000005030000000200000001020000000102"
         "00000002008000000000000305676f6e65010100000008000000007b00"},
        {12,
         "0000000b0300000001036831000023840000000000020368320000238503723200046369640000000203000002740102030405060708090a"
         "0b0c0d0e0f10000300000000000000000001000000040300000001000000020300000001000000020100000600000001ffffffff00000005"
         "03000000020000000102000000010200000002008000000000000305676f6e6500000000000000000000000000000000010100000008"
         "0000"},
        {13,
         "0000000b0300000001036831000023840000000000020368320000238503723200046369640000000203000002740102030405060708090a"
         "0b0c0d0e0f10000300000000000000000001000000040300000001000000020300000001000000020100000600000001ffffffff00000005"
         "03000000020000000102000000010200000002008000000000000305676f6e6500000000000000000000000000000000010100000008"
         "00000000"},
    };
    for (auto [v, h] : frames) {
        INFO("version " << v);
        const auto body = unhex(h);
        auto r = decoded<resp_t>(body, v);
        REQUIRE(r);
        CHECK(r->throttle_time_ms == (v >= 3 ? 11 : 0));
        REQUIRE(r->brokers.size() == 2);
        CHECK(r->brokers[0].node_id == 1);
        CHECK(r->brokers[0].host == "h1");
        CHECK(r->brokers[0].port == 9092);
        CHECK_FALSE(r->brokers[0].rack);
        CHECK(r->brokers[1].node_id == 2);
        CHECK(r->brokers[1].host == "h2");
        CHECK(r->brokers[1].port == 9093);
        REQUIRE(r->brokers[1].rack);
        CHECK(*r->brokers[1].rack == "r2");
        if (v >= 2) {
            REQUIRE(r->cluster_id);
            CHECK(*r->cluster_id == "cid");
        }
        CHECK(r->controller_id == 2);
        REQUIRE(r->topics.size() == 2);
        const auto& t = r->topics[0];
        CHECK(t.error_code == kcoro::errc::none);
        REQUIRE(t.name);
        CHECK(*t.name == "t");
        if (v >= 10) {
            for (std::size_t i = 0; i < 16; ++i) CHECK(t.topic_id.bytes[i] == i + 1);
        } else {
            CHECK(t.topic_id.is_zero());
        }
        CHECK_FALSE(t.is_internal);
        REQUIRE(t.partitions.size() == 2);
        CHECK(t.partitions[0].error_code == kcoro::errc::none);
        CHECK(t.partitions[0].partition_index == 0);
        CHECK(t.partitions[0].leader_id == 1);
        CHECK(t.partitions[0].leader_epoch == (v >= 7 ? 4 : -1));
        CHECK(t.partitions[0].replica_nodes == std::vector<std::int32_t>{1, 2});
        CHECK(t.partitions[0].isr_nodes == std::vector<std::int32_t>{1, 2});
        CHECK(t.partitions[0].offline_replicas.empty());
        CHECK(t.partitions[1].error_code == kcoro::errc::not_leader_or_follower);
        CHECK(t.partitions[1].partition_index == 1);
        CHECK(t.partitions[1].leader_id == -1);
        CHECK(t.partitions[1].leader_epoch == (v >= 7 ? 5 : -1));
        CHECK(t.partitions[1].replica_nodes == std::vector<std::int32_t>{2, 1});
        CHECK(t.partitions[1].isr_nodes == std::vector<std::int32_t>{1});
        CHECK(t.partitions[1].offline_replicas == (v >= 5 ? std::vector<std::int32_t>{2} : std::vector<std::int32_t>{}));
        CHECK(t.topic_authorized_operations == INT32_MIN);
        const auto& g = r->topics[1];
        CHECK(g.error_code == kcoro::errc::unknown_topic_or_partition);
        REQUIRE(g.name);
        CHECK(*g.name == "gone");
        CHECK(g.is_internal);
        CHECK(g.partitions.empty());
        CHECK(g.topic_authorized_operations == (v >= 8 ? 8 : INT32_MIN));
        CHECK(r->cluster_authorized_operations == (v >= 8 && v <= 10 ? 123 : INT32_MIN));
        CHECK(r->error_code == kcoro::errc::none);
        every_truncation_fails<resp_t>(body, v);
    }
}

TEST_CASE("protocol_messages: Metadata response v12 null topic name, v13 top-level error") {
    using resp_t = kcoro::metadata_response;
    // No brokers, null cluster id, controller -1, one topic with a null name and no partitions.
    const auto null_name = unhex("000000000100ffffffff02000000000000000000000000000000000000000001800000000000");
    auto r = decoded<resp_t>(null_name, 12);
    REQUIRE(r);
    CHECK_FALSE(r->cluster_id);
    CHECK(r->controller_id == -1);
    REQUIRE(r->topics.size() == 1);
    CHECK_FALSE(r->topics[0].name);
    // Before v12 a null topic name is malformed.
    CHECK(rejects<resp_t>("000000000100ffffffff02000000000180000000000000000000", 9));
    // v13: a top-level error code after the topics.
    auto r13 = decoded<resp_t>(unhex("000000000100ffffffff01003a00"), 13);
    REQUIRE(r13);
    CHECK(r13->error_code == kcoro::errc::sasl_authentication_failed);
    CHECK(r13->topics.empty());
}

TEST_CASE("protocol_messages: Metadata malformed corpus") {
    using resp_t = kcoro::metadata_response;
    CHECK(rejects<resp_t>("ffffffff", 1));                      // null brokers
    CHECK(rejects<resp_t>("7fffffff00000001", 1));              // broker count past the end
    CHECK(rejects<resp_t>("00000000ffffffffffffffff", 1));      // controller, then null topics
    CHECK(rejects<resp_t>("0000000000", 9));                    // compact null brokers
    CHECK(rejects<resp_t>("000000000100000000010200", 9));      // cluster id runs past the end
    // A null host in a broker.
    CHECK(rejects<resp_t>("0000000100000001ffff00002384ffff000000010000000000", 1));
    // One topic with one partition decodes; the same with a null replica list or a negative
    // partition index does not.
    CHECK(decoded<resp_t>(unhex("00000000000000010000000100000001740000000001000000000000000000000000000000000000"), 1));
    CHECK(rejects<resp_t>("0000000000000001000000010000000174000000000100000000000000000000ffffffff00000000", 1));
    CHECK(rejects<resp_t>("000000000000000100000001000000017400000000010000ffffffff000000000000000000000000", 1));
}

TEST_CASE("protocol_messages: Produce request v3 and v9 append the records bytes as they are") {
    using req_t = kcoro::produce_request;
    static_assert(req_t::api_key == 0 && req_t::min_version == 3 && req_t::max_version == 12 && req_t::flexible(9) &&
                  !req_t::flexible(8));
    const kcoro::byte records[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
    const std::array<kcoro::produce_partition_data, 1> parts{{{.index = 2, .records = records}}};
    const std::array<kcoro::produce_topic_data, 1> topics{{{.name = "t", .partitions = parts}}};
    req_t req{.transactional_id = std::nullopt, .acks = -1, .timeout_ms = 1500, .topics = topics};
    // TransactionalId (nullable), Acks, TimeoutMs, TopicData[Name, PartitionData[Index, Records]].
    CHECK(encoded(req, 3) == "ffffffff000005dc00000001000174000000010000000200000006deadbeef0001");
    CHECK(encoded(req, 9) == "00ffff000005dc020274020000000207deadbeef0001000000");

    const std::array<kcoro::produce_partition_data, 2> parts2{
        {{.index = 0, .records = records}, {.index = 1, .records = kcoro::bytes_view(records, 2)}}};
    const std::array<kcoro::produce_topic_data, 2> topics2{{{.name = "t", .partitions = parts2}, {.name = "u", .partitions = {}}}};
    req_t req2{.transactional_id = "tx", .acks = 1, .timeout_ms = 30000, .topics = topics2};
    CHECK(encoded(req2, 3) ==
          "0002747800010000753000000002000174000000020000000000000006deadbeef00010000000100000002dead00017500000000");
    CHECK(encoded(req2, 9) == "037478000100007530030274030000000007deadbeef0001000000000103dead00000275010000");
}

TEST_CASE("protocol_messages: Produce request with spliced batches reassembles to the copied encoding") {
    // Batches at least splice_threshold bytes long are left where they are; putting them back at their
    // offsets must give exactly the bytes of the copying encoder, at every version.
    using req_t = kcoro::produce_request;
    const std::size_t big = kcoro::wire_writer::splice_threshold;
    std::vector<kcoro::byte> a(big), b(big + 300), small(big - 1);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i < a.size()) a[i] = static_cast<kcoro::byte>(i * 7);
        b[i] = static_cast<kcoro::byte>(i * 13 + 1);
        if (i < small.size()) small[i] = static_cast<kcoro::byte>(i * 3 + 2);
    }
    const std::array<kcoro::produce_partition_data, 2> parts_t{{{.index = 0, .records = a}, {.index = 4, .records = small}}};
    const std::array<kcoro::produce_partition_data, 1> parts_u{{{.index = 1, .records = b}}};
    const std::array<kcoro::produce_topic_data, 2> topics{{{.name = "t", .partitions = parts_t}, {.name = "u", .partitions = parts_u}}};
    const req_t req{.transactional_id = std::nullopt, .acks = -1, .timeout_ms = 30000, .topics = topics};
    for (std::int16_t v = req_t::min_version; v <= req_t::max_version; ++v) {
        INFO("version " << v);
        kcoro::byte_buffer copied;
        kcoro::wire_writer cw(copied);
        req.encode(cw, v);
        CHECK(cw.spliced_size() == 0);

        kcoro::byte_buffer own;
        std::vector<kcoro::spliced_bytes> splices;
        kcoro::wire_writer sw(own, &splices);
        req.encode(sw, v);
        REQUIRE(splices.size() == 2);  // a and b; `small` is copied
        CHECK(splices[0].bytes.data() == a.data());
        CHECK(splices[1].bytes.data() == b.data());
        CHECK(sw.spliced_size() == a.size() + b.size());
        CHECK(own.size() + sw.spliced_size() == copied.size());

        kcoro::byte_buffer joined;
        std::size_t from = 0;
        for (const auto& sp : splices) {
            joined.append(own.view().subspan(from, sp.at - from));
            joined.append(sp.bytes);
            from = sp.at;
        }
        joined.append(own.view().subspan(from));
        CHECK(joined == copied);
    }
}

TEST_CASE("protocol_messages: Produce response v8 and v10 with tagged current leader") {
    using resp_t = kcoro::produce_response;
    const std::pair<std::int16_t, std::string_view> frames[] = {
        // Responses[Name, Partitions[Index, ErrorCode, BaseOffset, LogAppendTimeMs, LogStartOffset,
        // RecordErrors[BatchIndex, BatchIndexErrorMessage], ErrorMessage]], ThrottleTimeMs.
        {8,
         "00000001000174000000020000000000000000000000000064ffffffffffffffff000000000000000700000000ffff000000010006ff"
         "ffffffffffffffffffffffffffffffffffffffffffffff0000000200000003000362616400000004ffff000377687900000011"},
        // v10: compact; partition tag 0 CurrentLeader{LeaderId, LeaderEpoch, tags}; top-level tag 0 NodeEndpoints.
        {10,
         "020274030000000000000000000000000064ffffffffffffffff0000000000000007010000000000010006ffffffffffffffffffffffff"
         "ffffffffffffffffffffffff0300000003046261640000000004000004776879010009000000030000000900000000001101000e0200"
         "000003036833000023860000"},
    };
    for (auto [v, h] : frames) {
        INFO("version " << v);
        const auto body = unhex(h);
        auto r = decoded<resp_t>(body, v);
        REQUIRE(r);
        CHECK(r->throttle_time_ms == 17);
        REQUIRE(r->topics.size() == 1);
        CHECK(r->topics[0].name == "t");
        REQUIRE(r->topics[0].partitions.size() == 2);
        const auto& ok = r->topics[0].partitions[0];
        CHECK(ok.index == 0);
        CHECK(ok.error_code == kcoro::errc::none);
        CHECK(ok.base_offset == 100);
        CHECK(ok.log_append_time_ms == -1);
        CHECK(ok.log_start_offset == 7);
        CHECK(ok.record_errors.empty());
        CHECK_FALSE(ok.error_message);
        CHECK(ok.current_leader.leader_id == -1);
        CHECK(ok.current_leader.leader_epoch == -1);
        const auto& bad = r->topics[0].partitions[1];
        CHECK(bad.index == 1);
        CHECK(bad.error_code == kcoro::errc::not_leader_or_follower);
        CHECK(bad.base_offset == -1);
        REQUIRE(bad.record_errors.size() == 2);
        CHECK(bad.record_errors[0].batch_index == 3);
        REQUIRE(bad.record_errors[0].batch_index_error_message);
        CHECK(*bad.record_errors[0].batch_index_error_message == "bad");
        CHECK(bad.record_errors[1].batch_index == 4);
        CHECK_FALSE(bad.record_errors[1].batch_index_error_message);
        REQUIRE(bad.error_message);
        CHECK(*bad.error_message == "why");
        CHECK(bad.current_leader.leader_id == (v >= 10 ? 3 : -1));
        CHECK(bad.current_leader.leader_epoch == (v >= 10 ? 9 : -1));
        every_truncation_fails<resp_t>(body, v);
    }
}

TEST_CASE("protocol_messages: Produce response v9, the first flexible version, without tagged fields") {
    using resp_t = kcoro::produce_response;
    // Responses[Name, Partitions[Index, ErrorCode, BaseOffset, LogAppendTimeMs, LogStartOffset,
    // RecordErrors (compact, empty), ErrorMessage (null), tags], tags], ThrottleTimeMs, tags.
    const auto body = unhex("020274" "0200000001" "0000" "000000000000002a" "ffffffffffffffff" "0000000000000000"
                            "01" "00" "00" "00" "00000005" "00");
    auto r = decoded<resp_t>(body, 9);
    REQUIRE(r);
    REQUIRE(r->topics.size() == 1);
    CHECK(r->topics[0].name == "t");
    REQUIRE(r->topics[0].partitions.size() == 1);
    CHECK(r->topics[0].partitions[0].index == 1);
    CHECK(r->topics[0].partitions[0].base_offset == 42);
    CHECK(r->throttle_time_ms == 5);
    every_truncation_fails<resp_t>(body, 9);
}

TEST_CASE("protocol_messages: Produce response v3 and v5 (no record errors)") {
    using resp_t = kcoro::produce_response;
    // v3: Name, Index, ErrorCode, BaseOffset, LogAppendTimeMs; ThrottleTimeMs.
    const auto v3 = unhex("0000000100017400000001000000050000000000000000002a00000000000003e800000009");
    auto r3 = decoded<resp_t>(v3, 3);
    REQUIRE(r3);
    REQUIRE(r3->topics.size() == 1);
    REQUIRE(r3->topics[0].partitions.size() == 1);
    CHECK(r3->topics[0].partitions[0].index == 5);
    CHECK(r3->topics[0].partitions[0].base_offset == 42);
    CHECK(r3->topics[0].partitions[0].log_append_time_ms == 1000);
    CHECK(r3->topics[0].partitions[0].log_start_offset == -1);
    CHECK(r3->throttle_time_ms == 9);
    every_truncation_fails<resp_t>(v3, 3);
    // v5 adds LogStartOffset.
    const auto v5 = unhex("0000000100017400000001000000050000000000000000002a00000000000003e8000000000000000300000009");
    auto r5 = decoded<resp_t>(v5, 5);
    REQUIRE(r5);
    CHECK(r5->topics[0].partitions[0].log_start_offset == 3);
    every_truncation_fails<resp_t>(v5, 5);
}

TEST_CASE("protocol_messages: Produce malformed corpus") {
    using resp_t = kcoro::produce_response;
    CHECK(rejects<resp_t>("ffffffff00000000", 8));          // null topics
    CHECK(rejects<resp_t>("7fffffff00000000", 8));          // count past the end
    CHECK(rejects<resp_t>("00000001ffff00000000", 8));      // null topic name
    CHECK(rejects<resp_t>("000000010001740000000000", 8));  // partitions count then nothing
    CHECK(rejects<resp_t>("00000000", 10));                 // compact null topics
    // A partition tag 0 with a whole CurrentLeader decodes; one too short for it does not. A
    // CurrentLeader is a struct, so in flexible versions it ends with its own tagged-field section.
    auto leader = decoded<resp_t>(
        unhex("020274020000000000000000000000000000000000000000000000000000000000000100010009000000010000000200000000000000"), 10);
    REQUIRE(leader);
    CHECK(leader->topics[0].partitions[0].current_leader.leader_id == 1);
    CHECK(leader->topics[0].partitions[0].current_leader.leader_epoch == 2);
    CHECK(rejects<resp_t>("02027402000000000000000000000000000000000000000000000000000000000000010001000400000001000000000000", 10));
    // Without that section the field is one byte short.
    CHECK(rejects<resp_t>("0202740200000000000000000000000000000000000000000000000000000000000001000100080000000100000002000000000000", 10));
}

TEST_CASE("protocol_messages: negotiate") {
    kcoro::api_version_ranges broker;
    broker.set(0, 0, 12);
    broker.set(3, 0, 13);
    broker.set(22, 0, 5);
    broker.set(19, 2, 7);
    CHECK(*kcoro::negotiate<kcoro::produce_request>(broker) == 12);
    CHECK(*kcoro::negotiate<kcoro::metadata_request>(broker) == 13);
    CHECK(*kcoro::negotiate<kcoro::init_producer_id_request>(broker) == 5);
    CHECK(*kcoro::negotiate<kcoro::create_topics_request>(broker) == 7);
    // Not offered at all.
    auto none = kcoro::negotiate<kcoro::delete_topics_request>(broker);
    REQUIRE_FALSE(none);
    CHECK(none.err() == kcoro::errc::no_supported_version);

    // A newer broker: our maximum. An older one: its maximum.
    broker.set(0, 0, 13);
    CHECK(*kcoro::negotiate<kcoro::produce_request>(broker) == kcoro::produce_request::max_version);
    broker.set(0, 0, 7);
    CHECK(*kcoro::negotiate<kcoro::produce_request>(broker) == 7);
    // Produce never goes below 3, whatever the broker says.
    for (std::int16_t max = 0; max <= 12; ++max) {
        broker.set(0, 0, max);
        auto v = kcoro::negotiate<kcoro::produce_request>(broker);
        INFO("broker max " << max);
        if (max < 3) {
            REQUIRE_FALSE(v);
            CHECK(v.err() == kcoro::errc::no_supported_version);
        } else {
            REQUIRE(v);
            CHECK(*v == max);
            CHECK(*v >= 3);
        }
    }
    broker.set(0, 3, 3);
    CHECK(*kcoro::negotiate<kcoro::produce_request>(broker) == 3);
    // Disjoint ranges both ways.
    broker.set(0, 13, 20);
    CHECK(kcoro::negotiate<kcoro::produce_request>(broker).err() == kcoro::errc::no_supported_version);
    broker.set(3, 0, 0);
    CHECK(kcoro::negotiate<kcoro::metadata_request>(broker).err() == kcoro::errc::no_supported_version);
    // Out-of-range keys are ignored and never supported.
    broker.set(-1, 0, 5);
    broker.set(kcoro::api_version_ranges::max_api_key, 0, 5);
    CHECK_FALSE(broker.supports(-1));
    CHECK_FALSE(broker.supports(kcoro::api_version_ranges::max_api_key));
}

TEST_CASE("protocol_messages: InitProducerId v0, v2, v4") {
    using req_t = kcoro::init_producer_id_request;
    using resp_t = kcoro::init_producer_id_response;
    static_assert(req_t::api_key == 22 && req_t::flexible(2) && !req_t::flexible(1));
    req_t idem{};
    idem.transaction_timeout_ms = 60000;
    req_t txn{.transactional_id = "tx", .transaction_timeout_ms = 1000, .producer_id = 0x123456789,
              .producer_epoch = 7};
    // TransactionalId (nullable), TransactionTimeoutMs; v2 compact + tags; v3+ ProducerId, ProducerEpoch.
    CHECK(encoded(idem, 0) == "ffff0000ea60");
    CHECK(encoded(txn, 0) == "00027478000003e8");
    CHECK(encoded(idem, 2) == "000000ea6000");
    CHECK(encoded(txn, 2) == "037478000003e800");
    CHECK(encoded(idem, 4) == "000000ea60ffffffffffffffffffff00");
    CHECK(encoded(txn, 4) == "037478000003e80000000123456789000700");

    // ThrottleTimeMs, ErrorCode, ProducerId, ProducerEpoch (+ tags from v2).
    const std::pair<std::int16_t, std::string_view> frames[] = {
        {0, "00000003000000000000000010920005"},
        {2, "0000000300000000000000001092000500"},
        {4, "0000000300000000000000001092000500"},
    };
    for (auto [v, h] : frames) {
        INFO("version " << v);
        const auto body = unhex(h);
        auto r = decoded<resp_t>(body, v);
        REQUIRE(r);
        CHECK(r->throttle_time_ms == 3);
        CHECK(r->error_code == kcoro::errc::none);
        CHECK(r->producer_id == 4242);
        CHECK(r->producer_epoch == 5);
        every_truncation_fails<resp_t>(body, v);
    }
    auto fenced = decoded<resp_t>(unhex("00000000005affffffffffffffffffff00"), 4);
    REQUIRE(fenced);
    CHECK(fenced->error_code == kcoro::errc::producer_fenced);
    CHECK(fenced->producer_id == -1);
}

TEST_CASE("protocol_messages: CreateTopics v2, v5, v7") {
    using req_t = kcoro::create_topics_request;
    using resp_t = kcoro::create_topics_response;
    static_assert(req_t::api_key == 19 && req_t::min_version == 2 && req_t::max_version == 7 && req_t::flexible(5) &&
                  !req_t::flexible(4));
    const std::array<kcoro::create_topics_config, 2> configs{
        {{.name = "cleanup.policy", .value = "compact"}, {.name = "retention.ms", .value = std::nullopt}}};
    const std::array<kcoro::create_topics_topic, 2> topics{
        {{.name = "t1", .num_partitions = 3, .replication_factor = 1, .configs = configs}, {.name = "t2"}}};
    req_t req{.topics = topics, .timeout_ms = 5000, .validate_only = true};
    // Topics[Name, NumPartitions, ReplicationFactor, Assignments[], Configs[Name, Value]], TimeoutMs, ValidateOnly.
    CHECK(encoded(req, 2) ==
          "00000002000274310000000300010000000000000002000e636c65616e75702e706f6c6963790007636f6d70616374000c726574656e74"
          "696f6e2e6d73ffff00027432ffffffffffff00000000000000000000138801");
    const std::string flexible =
        "0303743100000003000101030f636c65616e75702e706f6c69637908636f6d70616374000d726574656e74696f6e2e6d73000000037432"
        "ffffffffffff010100000013880100";
    CHECK(encoded(req, 5) == flexible);
    CHECK(encoded(req, 7) == flexible);

    // ThrottleTimeMs, Topics[Name, TopicId (v7), ErrorCode, ErrorMessage, NumPartitions (v5),
    // ReplicationFactor (v5), Configs (v5, nullable)[Name, Value, ReadOnly, ConfigSource, IsSensitive]].
    const std::pair<std::int16_t, std::string_view> frames[] = {
        {2, "0000000000000002000274310000ffff0002743200240006657869737473"},
        {5,
         "0000000003037431000000000000030001030f636c65616e75702e706f6c69637908636f6d70616374000500000278000005000000037432"
         "002407657869737473ffffffffffff000000"},
        {7,
         "00000000030374310102030405060708090a0b0c0d0e0f10000000000000030001030f636c65616e75702e706f6c69637908636f6d706163"
         "7400050000027800000500000003743200000000000000000000000000000000002407657869737473ffffffffffff000000"},
    };
    for (auto [v, h] : frames) {
        INFO("version " << v);
        const auto body = unhex(h);
        auto r = decoded<resp_t>(body, v);
        REQUIRE(r);
        REQUIRE(r->topics.size() == 2);
        CHECK(r->topics[0].name == "t1");
        CHECK(r->topics[0].error_code == kcoro::errc::none);
        CHECK_FALSE(r->topics[0].error_message);
        CHECK(r->topics[0].num_partitions == (v >= 5 ? 3 : -1));
        CHECK(r->topics[0].replication_factor == (v >= 5 ? 1 : -1));
        if (v >= 7) CHECK(r->topics[0].topic_id.bytes[15] == 16);
        else CHECK(r->topics[0].topic_id.is_zero());
        CHECK(r->topics[1].name == "t2");
        CHECK(r->topics[1].error_code == kcoro::errc::topic_already_exists);
        REQUIRE(r->topics[1].error_message);
        CHECK(*r->topics[1].error_message == "exists");
        every_truncation_fails<resp_t>(body, v);
    }
    CHECK(rejects<resp_t>("00000000ffffffff", 2));
    CHECK(rejects<resp_t>("000000007fffffff", 2));
    CHECK(rejects<resp_t>("0000000000", 5));
}

TEST_CASE("protocol_messages: DeleteTopics v1, v4, v5, v6") {
    using req_t = kcoro::delete_topics_request;
    using resp_t = kcoro::delete_topics_response;
    static_assert(req_t::api_key == 20 && req_t::min_version == 1 && req_t::max_version == 6 && req_t::flexible(4) &&
                  !req_t::flexible(3));
    // Versions up to 5 carry TopicNames, 6 and later Topics: a caller that lets the connection pick
    // the version fills both.
    const std::array<std::string_view, 2> names{"a", "bc"};
    const std::array<req_t::delete_topic_state, 2> states{{{.name = "a"}, {.name = "bc"}}};
    req_t req{.topics = states, .topic_names = names, .timeout_ms = 7000};
    // v1-3: TopicNames[string], TimeoutMs. v4-5 compact + tags. v6: Topics[Name (nullable), TopicId, tags].
    CHECK(encoded(req, 1) == "000000020001610002626300001b58");
    CHECK(encoded(req, 4) == "03026103626300001b5800");
    CHECK(encoded(req, 5) == "03026103626300001b5800");
    CHECK(encoded(req, 6) ==
          "0302610000000000000000000000000000000000036263000000000000000000000000000000000000001b5800");

    // ThrottleTimeMs, Responses[Name, TopicId (v6), ErrorCode, ErrorMessage (v5)].
    const std::pair<std::int16_t, std::string_view> frames[] = {
        {1, "00000002000000020001610000000262630003"},
        {4, "0000000203026100000003626300030000"},
        {5, "0000000203026100000000036263000308756e6b6e6f776e0000"},
        {6,
         "000000020302610102030405060708090a0b0c0d0e0f100000000003626300000000000000000000000000000000000308756e6b6e6f776e"
         "0000"},
    };
    for (auto [v, h] : frames) {
        INFO("version " << v);
        const auto body = unhex(h);
        auto r = decoded<resp_t>(body, v);
        REQUIRE(r);
        CHECK(r->throttle_time_ms == 2);
        REQUIRE(r->responses.size() == 2);
        REQUIRE(r->responses[0].name);
        CHECK(*r->responses[0].name == "a");
        CHECK(r->responses[0].error_code == kcoro::errc::none);
        CHECK_FALSE(r->responses[0].error_message);
        if (v >= 6) CHECK(r->responses[0].topic_id.bytes[0] == 1);
        REQUIRE(r->responses[1].name);
        CHECK(*r->responses[1].name == "bc");
        CHECK(r->responses[1].error_code == kcoro::errc::unknown_topic_or_partition);
        if (v >= 5) {
            REQUIRE(r->responses[1].error_message);
            CHECK(*r->responses[1].error_message == "unknown");
        }
        every_truncation_fails<resp_t>(body, v);
    }
    CHECK(rejects<resp_t>("00000000ffffffff", 1));
    CHECK(rejects<resp_t>("0000000000000001ffff0000", 1));  // null name before v6
    CHECK(rejects<resp_t>("0000000000", 4));
}

}  // namespace protocol_messages_test
