#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <vector>

namespace {
template <class Req>
std::vector<kcoro::byte> encode(const Req& req, std::int16_t v) {
    kcoro::byte_buffer b;
    kcoro::wire_writer w(b);
    req.encode(w, v);
    return {b.begin(), b.end()};
}
}  // namespace

TEST_CASE("Produce request v3 (classic) and v9 (flexible), byte for byte") {
    const kcoro::byte batch[] = {0xaa, 0xbb, 0xcc};
    const kcoro::produce_partition_data parts[] = {{.index = 2, .records = batch}};
    const kcoro::produce_topic_data topics[] = {{.name = "t", .partitions = parts}};
    kcoro::produce_request req;
    req.acks = -1;
    req.timeout_ms = 1000;
    req.topics = topics;
    CHECK(encode(req, 3) == std::vector<kcoro::byte>{
                                0xff, 0xff,              // transactional id: null
                                0xff, 0xff,              // acks -1
                                0, 0, 0x03, 0xe8,        // timeout 1000
                                0, 0, 0, 1, 0, 1, 't',   // one topic "t"
                                0, 0, 0, 1, 0, 0, 0, 2,  // one partition, index 2
                                0, 0, 0, 3, 0xaa, 0xbb, 0xcc});
    CHECK(encode(req, 9) == std::vector<kcoro::byte>{
                                0,                       // transactional id: null (compact)
                                0xff, 0xff, 0, 0, 0x03, 0xe8,
                                2, 2, 't',               // compact array of 1, compact string "t"
                                2, 0, 0, 0, 2,           // compact array of 1, index 2
                                4, 0xaa, 0xbb, 0xcc,     // compact records
                                0,                       // partition tags
                                0,                       // topic tags
                                0});                     // request tags
}

TEST_CASE("Produce response v9 decodes, and every truncation is rejected") {
    const std::vector<kcoro::byte> frame = {
        2, 2, 't',                              // 1 topic "t"
        2, 0, 0, 0, 1,                          // 1 partition, index 1
        0, 0,                                   // no error
        0, 0, 0, 0, 0, 0, 0, 42,                // base offset 42
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // log append time -1
        0, 0, 0, 0, 0, 0, 0, 0,                 // log start offset 0
        1,                                      // no record errors (compact, empty)
        0,                                      // error message null
        0,                                      // partition tags
        0,                                      // topic tags
        0, 0, 0, 5,                             // throttle 5 ms
        0};
    kcoro::wire_reader r(frame);
    auto resp = kcoro::produce_response::decode(r, 9);
    REQUIRE(resp);
    REQUIRE(resp->topics.size() == 1);
    CHECK(resp->topics[0].name == "t");
    CHECK(resp->topics[0].partitions[0].index == 1);
    CHECK(resp->topics[0].partitions[0].base_offset == 42);
    CHECK(resp->throttle_time_ms == 5);
    for (std::size_t n = 0; n < frame.size(); ++n) {
        kcoro::wire_reader t(kcoro::bytes_view(frame.data(), n));
        CHECK_FALSE(kcoro::produce_response::decode(t, 9));
    }
}

TEST_CASE("Metadata response v12 decodes brokers, topic ids and leaders; truncations are rejected") {
    std::vector<kcoro::byte> frame = {
        0, 0, 0, 0,                                  // throttle
        2,                                           // 1 broker
        0, 0, 0, 1, 10, '1', '2', '7', '.', '0', '.', '0', '.', '1', 0, 0, 0x23, 0x84, 0, 0,  // id 1, host, 9092, rack null, tags
        4, 'a', 'b', 'c',                            // cluster id "abc"
        0, 0, 0, 1,                                  // controller 1
        2,                                           // 1 topic
        0, 0, 2, 't',                                // no error, name "t"
    };
    for (int i = 0; i < 16; ++i) frame.push_back(static_cast<kcoro::byte>(i));  // topic id
    const std::vector<kcoro::byte> rest = {
        0,                                           // not internal
        2,                                           // 1 partition
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7,    // no error, index 0, leader 1, epoch 7
        2, 0, 0, 0, 1, 2, 0, 0, 0, 1, 1,             // replicas [1], isr [1], offline []
        0,                                           // partition tags
        0x80, 0, 0, 0,                               // topic authorized operations
        0,                                           // topic tags
        0};                                          // response tags
    frame.insert(frame.end(), rest.begin(), rest.end());
    kcoro::wire_reader r(frame);
    auto md = kcoro::metadata_response::decode(r, 12);
    REQUIRE(md);
    REQUIRE(md->brokers.size() == 1);
    CHECK(md->brokers[0].host == "127.0.0.1");
    CHECK(md->brokers[0].port == 9092);
    CHECK(*md->cluster_id == "abc");
    REQUIRE(md->topics.size() == 1);
    CHECK(*md->topics[0].name == "t");
    CHECK(md->topics[0].topic_id.bytes[15] == 15);
    CHECK(md->topics[0].partitions[0].leader_id == 1);
    CHECK(md->topics[0].partitions[0].leader_epoch == 7);
    CHECK(r.empty());
    for (std::size_t n = 0; n < frame.size(); ++n) {
        kcoro::wire_reader t(kcoro::bytes_view(frame.data(), n));
        CHECK_FALSE(kcoro::metadata_response::decode(t, 12));
    }
}

TEST_CASE("ApiVersions: v3 request carries the client name; negotiation never goes below Produce v3") {
    kcoro::api_versions_request req;
    CHECK(encode(req, 3) == std::vector<kcoro::byte>{6, 'k', 'c', 'o', 'r', 'o', 6, '0', '.', '1', '.', '0', 0});
    CHECK(encode(req, 0).empty());

    kcoro::api_version_ranges broker;
    broker.set(0, 0, 12);
    CHECK(*kcoro::negotiate<kcoro::produce_request>(broker) == 12);
    broker.set(0, 0, 2);
    CHECK(kcoro::negotiate<kcoro::produce_request>(broker).err() == kcoro::errc::no_supported_version);
    broker.set(3, 0, 8);
    CHECK(*kcoro::negotiate<kcoro::metadata_request>(broker) == 8);
    kcoro::api_version_ranges empty;
    CHECK_FALSE(kcoro::negotiate<kcoro::init_producer_id_request>(empty));
}

TEST_CASE("InitProducerId v4 carries the current id and epoch for an epoch bump") {
    kcoro::init_producer_id_request req;
    req.transaction_timeout_ms = 60000;
    req.producer_id = 5;
    req.producer_epoch = 2;
    CHECK(encode(req, 4) == std::vector<kcoro::byte>{0, 0, 0, 0xea, 0x60, 0, 0, 0, 0, 0, 0, 0, 5, 0, 2, 0});
    CHECK(encode(req, 1) == std::vector<kcoro::byte>{0xff, 0xff, 0, 0, 0xea, 0x60});
}
