// Transactional messages (FindCoordinator, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// TxnOffsetCommit) byte for byte. Expected frames are written out from the JSON message definitions
// in apache/kafka (clients/src/main/resources/common/message/), field by field.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/hex_frames.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace protocol_txn_test {

using kcoro_test::unhex;
using kcoro_test::hex;
using kcoro_test::encoded;

// Decodes a whole body; trailing bytes would mean the decoder skipped a field.
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

TEST_CASE("find_coordinator request, every version") {
    using req_t = kcoro::find_coordinator_request;
    static_assert(req_t::api_key == 10 && req_t::min_version == 0 && req_t::max_version == 6);
    static_assert(req_t::flexible(3) && !req_t::flexible(2));
    // Versions up to 3 carry one Key, 4 and later CoordinatorKeys.
    const std::array<std::string_view, 2> keys{"txn-1", "txn-2"};
    req_t one{.key = keys[0], .key_type = kcoro::coordinator_type::transaction, .coordinator_keys = std::span(keys).first(1)};
    req_t two{.key = keys[0], .key_type = kcoro::coordinator_type::transaction, .coordinator_keys = keys};
    // v0: Key (string). v1-2: Key, KeyType (int8). v3: compact Key, KeyType, tags.
    CHECK(encoded(one, 0) == "000574786e2d31");
    CHECK(encoded(one, 1) == "000574786e2d3101");
    CHECK(encoded(one, 2) == "000574786e2d3101");
    CHECK(encoded(one, 3) == "0674786e2d310100");
    // v4+: KeyType, CoordinatorKeys (compact array of compact strings), tags.
    for (std::int16_t v = 4; v <= 6; ++v) CHECK(encoded(two, v) == "01030674786e2d310674786e2d3200");
    CHECK(encoded(one, 4) == "01020674786e2d3100");
    req_t group{.key = keys[0], .key_type = kcoro::coordinator_type::group};
    CHECK(encoded(group, 2) == "000574786e2d3100");
}

TEST_CASE("find_coordinator response, every version") {
    using resp_t = kcoro::find_coordinator_response;
    // v0: ErrorCode, NodeId, Host, Port.
    {
        auto r = decoded<resp_t>(unhex("0000000000020002623200002384"), 0);
        REQUIRE(r);
        CHECK(r->coordinators.empty());
        CHECK(r->throttle_time_ms == 0);
        CHECK(r->error_code == kcoro::errc::none);
        CHECK(r->node_id == 2);
        CHECK(r->host == "b2");
        CHECK(r->port == 9092);
        every_truncation_fails<resp_t>("0000000000020002623200002384", 0);
    }
    // v1-2: ThrottleTimeMs, ErrorCode, ErrorMessage (nullable), NodeId, Host, Port. v3: compact + tags.
    for (auto [v, frame] : {std::pair<std::int16_t, std::string_view>{1, "000000070000ffff000000020002623200002384"},
                            {2, "000000070000ffff000000020002623200002384"},
                            {3, "00000007000000000000020362320000238400"}}) {
        auto r = decoded<resp_t>(unhex(frame), v);
        REQUIRE(r);
        CHECK(r->throttle_time_ms == 7);
        CHECK(r->coordinators.empty());
        CHECK(r->node_id == 2);
        CHECK(r->host == "b2");
        CHECK(r->port == 9092);
        CHECK_FALSE(r->error_message);
        every_truncation_fails<resp_t>(frame, v);
    }
    // v4+: ThrottleTimeMs, Coordinators[Key, NodeId, Host, Port, ErrorCode, ErrorMessage, tags], tags.
    constexpr std::string_view batched =
        "00000007030674786e2d310000000203623200002384000000000674786e2d32ffffffff01ffffffff000f02780000";
    for (std::int16_t v = 4; v <= 6; ++v) {
        auto r = decoded<resp_t>(unhex(batched), v);
        REQUIRE(r);
        CHECK(r->throttle_time_ms == 7);
        REQUIRE(r->coordinators.size() == 2);
        CHECK(r->coordinators[0].key == "txn-1");
        CHECK(r->coordinators[0].node_id == 2);
        CHECK(r->coordinators[0].host == "b2");
        CHECK(r->coordinators[0].port == 9092);
        CHECK(r->coordinators[0].error_code == kcoro::errc::none);
        CHECK_FALSE(r->coordinators[0].error_message);
        CHECK(r->coordinators[1].key == "txn-2");
        CHECK(r->coordinators[1].node_id == -1);
        CHECK(r->coordinators[1].host.empty());
        CHECK(r->coordinators[1].error_code == kcoro::errc::coordinator_not_available);
        REQUIRE(r->coordinators[1].error_message);
        CHECK(*r->coordinators[1].error_message == "x");
        every_truncation_fails<resp_t>(batched, v);
    }
    // Unknown tagged fields are skipped; a null host is malformed; a null array is malformed.
    CHECK(decoded<resp_t>(unhex("0000000700000000000002036232000023840101026869"), 3));
    CHECK_FALSE(decoded<resp_t>(unhex("00000007000000000000020062320000238400"), 3));
    CHECK_FALSE(decoded<resp_t>(unhex("000000070000"), 4));
    CHECK_FALSE(decoded<resp_t>(unhex("0000ffffffffffff"), 1));
}

TEST_CASE("add_partitions_to_txn request and response, versions 0-3") {
    using req_t = kcoro::add_partitions_to_txn_request;
    using resp_t = kcoro::add_partitions_to_txn_response;
    static_assert(req_t::api_key == 24 && req_t::min_version == 0 && req_t::max_version == 3);
    static_assert(req_t::flexible(3) && !req_t::flexible(2));
    const std::array<std::int32_t, 2> parts{0, 5};
    const std::array<req_t::add_partitions_to_txn_topic, 1> topics{{{.name = "t", .partitions = parts}}};
    req_t req{.v3_and_below_transactional_id = "tx",
              .v3_and_below_producer_id = 0x0102030405060708,
              .v3_and_below_producer_epoch = 3,
              .v3_and_below_topics = topics};
    // TransactionalId, ProducerId, ProducerEpoch, Topics[Name, Partitions[int32]].
    for (std::int16_t v = 0; v <= 2; ++v)
        CHECK(encoded(req, v) == "000274780102030405060708000300000001000174000000020000000000000005");
    CHECK(encoded(req, 3) == "037478010203040506070800030202740300000000000000050000");

    // ThrottleTimeMs, Results[Name, Results[PartitionIndex, ErrorCode]].
    for (auto [v, frame] :
         {std::pair<std::int16_t, std::string_view>{0, "000000000000000100017400000002000000000000000000050033"},
          {1, "000000000000000100017400000002000000000000000000050033"},
          {2, "000000000000000100017400000002000000000000000000050033"},
          {3, "000000000202740300000000000000000000050033000000"}}) {
        auto r = decoded<resp_t>(unhex(frame), v);
        REQUIRE(r);
        REQUIRE(r->results_by_topic_v3_and_below.size() == 1);
        const auto& topic = r->results_by_topic_v3_and_below[0];
        CHECK(topic.name == "t");
        REQUIRE(topic.results_by_partition.size() == 2);
        CHECK(topic.results_by_partition[0].partition_index == 0);
        CHECK(topic.results_by_partition[0].partition_error_code == kcoro::errc::none);
        CHECK(topic.results_by_partition[1].partition_index == 5);
        CHECK(topic.results_by_partition[1].partition_error_code == kcoro::errc::concurrent_transactions);
        every_truncation_fails<resp_t>(frame, v);
    }
    // A negative array count that is not -1 and a null topic array are both malformed.
    CHECK_FALSE(decoded<resp_t>(unhex("00000000fffffffe"), 0));
    CHECK_FALSE(decoded<resp_t>(unhex("00000000ffffffff"), 0));
    CHECK_FALSE(decoded<resp_t>(unhex("000000000000"), 3));
    // An array count larger than what follows is rejected before anything is allocated for it.
    CHECK_FALSE(decoded<resp_t>(unhex("000000007fffffff"), 0));
}

TEST_CASE("add_offsets_to_txn request and response, versions 0-4") {
    using req_t = kcoro::add_offsets_to_txn_request;
    using resp_t = kcoro::add_offsets_to_txn_response;
    static_assert(req_t::api_key == 25 && req_t::min_version == 0 && req_t::max_version == 4);
    req_t req{.transactional_id = "tx", .producer_id = 42, .producer_epoch = 1, .group_id = "grp"};
    for (std::int16_t v = 0; v <= 4; ++v) {
        const bool flexible = v >= 3;
        CHECK(encoded(req, v) == (flexible ? "037478000000000000002a00010467727000" : "00027478000000000000002a00010003677270"));
        const std::string_view frame = flexible ? "00000005005a00" : "00000005005a";
        auto r = decoded<resp_t>(unhex(frame), v);
        REQUIRE(r);
        CHECK(r->throttle_time_ms == 5);
        CHECK(r->error_code == kcoro::errc::producer_fenced);
        every_truncation_fails<resp_t>(frame, v);
    }
}

TEST_CASE("end_txn request and response, versions 0-5") {
    using req_t = kcoro::end_txn_request;
    using resp_t = kcoro::end_txn_response;
    static_assert(req_t::api_key == 26 && req_t::min_version == 0 && req_t::max_version == 5);
    req_t commit{.transactional_id = "tx", .producer_id = 42, .producer_epoch = 1, .committed = true};
    req_t abort{.transactional_id = "tx", .producer_id = 42, .producer_epoch = 1, .committed = false};
    for (std::int16_t v = 0; v <= 5; ++v) {
        const bool flexible = v >= 3;
        CHECK(encoded(commit, v) == (flexible ? "037478000000000000002a00010100" : "00027478000000000000002a000101"));
        CHECK(encoded(abort, v) == (flexible ? "037478000000000000002a00010000" : "00027478000000000000002a000100"));
    }
    for (std::int16_t v = 0; v <= 4; ++v) {
        const std::string_view frame = v >= 3 ? "00000000000000" : "000000000000";
        auto r = decoded<resp_t>(unhex(frame), v);
        REQUIRE(r);
        CHECK(r->error_code == kcoro::errc::none);
        CHECK(r->producer_id == -1);
        CHECK(r->producer_epoch == -1);
        every_truncation_fails<resp_t>(frame, v);
    }
    // v5 returns the producer id and the bumped epoch.
    constexpr std::string_view v5 = "000000000000000000000000002b000000";
    auto r = decoded<resp_t>(unhex(v5), 5);
    REQUIRE(r);
    CHECK(r->producer_id == 43);
    CHECK(r->producer_epoch == 0);
    every_truncation_fails<resp_t>(v5, 5);
}

TEST_CASE("txn_offset_commit request and response, versions 0-5") {
    using req_t = kcoro::txn_offset_commit_request;
    using resp_t = kcoro::txn_offset_commit_response;
    static_assert(req_t::api_key == 28 && req_t::min_version == 0 && req_t::max_version == 5);
    const std::array<req_t::txn_offset_commit_request_partition, 2> parts{{
        {.partition_index = 0, .committed_offset = 100, .committed_leader_epoch = 7, .committed_metadata = std::nullopt},
        {.partition_index = 1, .committed_offset = 200, .committed_leader_epoch = -1, .committed_metadata = "m"},
    }};
    const std::array<req_t::txn_offset_commit_request_topic, 1> topics{{{.name = "in", .partitions = parts}}};
    req_t req{.transactional_id = "tx",
              .group_id = "grp",
              .producer_id = 42,
              .producer_epoch = 1,
              .generation_id = 3,
              .member_id = "member-1",
              .group_instance_id = std::nullopt,
              .topics = topics};
    // v0-1: TransactionalId, GroupId, ProducerId, ProducerEpoch, Topics[Name, Partitions[Index, Offset, Metadata]].
    constexpr std::string_view v0 =
        "000274780003677270000000000000002a0001000000010002696e00000002000000000000000000000064ffff000000010000000000"
        "0000c800016d";
    CHECK(encoded(req, 0) == v0);
    CHECK(encoded(req, 1) == v0);
    // v2 adds CommittedLeaderEpoch.
    CHECK(encoded(req, 2) ==
          "000274780003677270000000000000002a0001000000010002696e0000000200000000000000000000006400000007ffff00000001000"
          "00000000000c8ffffffff00016d");
    // v3+ adds GenerationId, MemberId, GroupInstanceId and is flexible.
    for (std::int16_t v = 3; v <= 5; ++v)
        CHECK(encoded(req, v) ==
              "03747804677270000000000000002a000100000003096d656d6265722d31000203696e0300000000000000000000006400000007000"
              "00000000100000000000000c8ffffffff026d000000");

    for (std::int16_t v = 0; v <= 5; ++v) {
        const std::string_view frame = v >= 3 ? "000000000203696e0300000000000000000000010078000000"
                                              : "00000000000000010002696e00000002000000000000000000010078";
        auto r = decoded<resp_t>(unhex(frame), v);
        REQUIRE(r);
        REQUIRE(r->topics.size() == 1);
        CHECK(r->topics[0].name == "in");
        REQUIRE(r->topics[0].partitions.size() == 2);
        CHECK(r->topics[0].partitions[0].error_code == kcoro::errc::none);
        CHECK(r->topics[0].partitions[1].partition_index == 1);
        CHECK(static_cast<int>(r->topics[0].partitions[1].error_code) == 120);  // TRANSACTION_ABORTABLE
        every_truncation_fails<resp_t>(frame, v);
    }
    // A null topic name is malformed.
    CHECK_FALSE(decoded<resp_t>(unhex("0000000000000001ffff00000000"), 0));
}

}  // namespace protocol_txn_test
