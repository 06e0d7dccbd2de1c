// Every version of every request kcoro speaks, byte for byte: each version is listed with the
// layout the JSON message definitions give it, so a version added to a request without its bytes
// being checked fails here. Expected bytes are written out by hand from those definitions.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace {

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
std::string encoded(const Request& req, std::int16_t version) {
    kcoro::byte_buffer buf;
    kcoro::wire_writer w(buf);
    req.encode(w, version);
    return hex(buf.view());
}

// Checks `req` at every version from Request::min_version to max_version against `expected`,
// which must name each of them.
template <class Request>
void every_version(const Request& req, const std::map<int, std::string>& expected) {
    CHECK(expected.size() == static_cast<std::size_t>(Request::max_version - Request::min_version + 1));
    for (int v = Request::min_version; v <= Request::max_version; ++v) {
        INFO("api key " << Request::api_key << " version " << v);
        auto it = expected.find(v);
        REQUIRE(it != expected.end());
        CHECK(encoded(req, static_cast<std::int16_t>(v)) == it->second);
    }
}

const std::string zero_uuid(32, '0');

}  // namespace

TEST_CASE("protocol_versions: ApiVersions request 0-4") {
    kcoro::api_versions_request req{.client_software_name = "kc", .client_software_version = "1.2"};
    // v0-2 have no body; v3+ ClientSoftwareName, ClientSoftwareVersion (compact: length + 1), tags.
    const std::string v3 = "03" "6b63" "04" "312e32" "00";
    every_version(req, {{0, ""}, {1, ""}, {2, ""}, {3, v3}, {4, v3}});
}

TEST_CASE("protocol_versions: Metadata request 0-13") {
    using req_t = kcoro::metadata_request;
    static_assert(req_t::min_version == 0 && req_t::max_version == 13);
    const std::array<std::string_view, 2> topics{"a", "bc"};
    req_t some{.topics = topics, .all_topics = false, .allow_auto_topic_creation = false,
               .include_topic_authorized_operations = true};
    // Topics[Name]; v4+ AllowAutoTopicCreation; v8-10 IncludeClusterAuthorizedOperations; v8+
    // IncludeTopicAuthorizedOperations; v9+ compact with tags; v10+ TopicId before each Name.
    const std::string classic = "00000002" "000161" "00026263";
    const std::string v4 = classic + "00";
    const std::string v8 = v4 + "00" "01";
    const std::string v9 = "03" "026100" "03626300" "00" "00" "01" "00";
    const std::string v10 = "03" + zero_uuid + "026100" + zero_uuid + "03626300" + "00" "00" "01" "00";
    const std::string v11 = "03" + zero_uuid + "026100" + zero_uuid + "03626300" + "00" "01" "00";
    every_version(some, {{0, classic}, {1, classic}, {2, classic}, {3, classic}, {4, v4}, {5, v4}, {6, v4}, {7, v4},
                         {8, v8}, {9, v9}, {10, v10}, {11, v11}, {12, v11}, {13, v11}});

    req_t all{.topics = {}, .all_topics = true, .allow_auto_topic_creation = true,
              .include_topic_authorized_operations = false};
    // All topics: an empty array in v0, a null one from v1.
    every_version(all, {{0, "00000000"},
                        {1, "ffffffff"},
                        {2, "ffffffff"},
                        {3, "ffffffff"},
                        {4, "ffffffff01"},
                        {5, "ffffffff01"},
                        {6, "ffffffff01"},
                        {7, "ffffffff01"},
                        {8, "ffffffff010000"},
                        {9, "0001000000"},
                        {10, "0001000000"},
                        {11, "00010000"},
                        {12, "00010000"},
                        {13, "00010000"}});
}

TEST_CASE("protocol_versions: Produce request 3-12") {
    using req_t = kcoro::produce_request;
    const kcoro::byte records[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
    const std::array<kcoro::produce_partition_data, 1> parts{{{.index = 2, .records = records}}};
    const std::array<kcoro::produce_topic_data, 1> topics{{{.name = "t", .partitions = parts}}};
    req_t req{.transactional_id = "tx", .acks = 1, .timeout_ms = 1500, .topics = topics};
    // TransactionalId, Acks, TimeoutMs, TopicData[Name, PartitionData[Index, Records]]; the layout
    // changes only at v9 (compact, tags).
    const std::string classic = "00027478" "0001" "000005dc" "00000001" "000174" "00000001" "00000002"
                                "00000006deadbeef0001";
    const std::string flexible = "037478" "0001" "000005dc" "02" "0274" "02" "00000002" "07deadbeef0001" "00" "00" "00";
    every_version(req, {{3, classic}, {4, classic}, {5, classic}, {6, classic}, {7, classic}, {8, classic},
                        {9, flexible}, {10, flexible}, {11, flexible}, {12, flexible}});
}

TEST_CASE("protocol_versions: InitProducerId request 0-5") {
    using req_t = kcoro::init_producer_id_request;
    req_t txn{.transactional_id = "tx", .transaction_timeout_ms = 1000, .producer_id = 0x123456789,
              .producer_epoch = 7};
    // TransactionalId, TransactionTimeoutMs; v2+ compact with tags; v3+ ProducerId, ProducerEpoch.
    const std::string v0 = "00027478" "000003e8";
    const std::string v2 = "037478" "000003e8" "00";
    const std::string v3 = "037478" "000003e8" "0000000123456789" "0007" "00";
    every_version(txn, {{0, v0}, {1, v0}, {2, v2}, {3, v3}, {4, v3}, {5, v3}});
    req_t idem{};
    every_version(idem, {{0, "ffff0000ea60"},
                         {1, "ffff0000ea60"},
                         {2, "000000ea6000"},
                         {3, "000000ea60ffffffffffffffffffff00"},
                         {4, "000000ea60ffffffffffffffffffff00"},
                         {5, "000000ea60ffffffffffffffffffff00"}});
}

TEST_CASE("protocol_versions: CreateTopics request 2-7") {
    using req_t = kcoro::create_topics_request;
    const std::array<kcoro::create_topics_config, 1> configs{{{.name = "k", .value = std::nullopt}}};
    const std::array<kcoro::create_topics_topic, 1> topics{
        {{.name = "t", .num_partitions = 2, .replication_factor = -1, .configs = configs}}};
    req_t req{.topics = topics, .timeout_ms = 100, .validate_only = false};
    // Topics[Name, NumPartitions, ReplicationFactor, Assignments[], Configs[Name, Value]], TimeoutMs,
    // ValidateOnly; v5+ compact with tags.
    const std::string classic = "00000001" "000174" "00000002" "ffff" "00000000" "00000001" "00016b" "ffff"
                                "00000064" "00";
    const std::string flexible = "02" "0274" "00000002" "ffff" "01" "02" "026b" "00" "00" "00" "00000064" "00" "00";
    every_version(req, {{2, classic}, {3, classic}, {4, classic}, {5, flexible}, {6, flexible}, {7, flexible}});
}

TEST_CASE("protocol_versions: DeleteTopics request 1-6") {
    using req_t = kcoro::delete_topics_request;
    const std::array<std::string_view, 1> names{"t"};
    req_t req{.topic_names = names, .timeout_ms = 100};
    // TopicNames[], TimeoutMs; v4+ compact with tags; v6 Topics[Name, TopicId, tags] instead.
    const std::string classic = "00000001" "000174" "00000064";
    const std::string flexible = "02" "0274" "00000064" "00";
    const std::string v6 = "02" "0274" + zero_uuid + "00" + "00000064" "00";
    every_version(req, {{1, classic}, {2, classic}, {3, classic}, {4, flexible}, {5, flexible}, {6, v6}});
}

TEST_CASE("protocol_versions: every request frame's header matches its version's flexibility") {
    // ApiKey, ApiVersion, CorrelationId, ClientId "c", then one tag-count byte in header v2 only.
    auto header_tags_present = [](auto req, std::int16_t version) {
        kcoro::byte_buffer out;
        kcoro::encode_request_frame(out, req, version, 9, std::string_view("c"));
        kcoro::byte_buffer body;
        kcoro::wire_writer w(body);
        req.encode(w, version);
        const std::size_t header = out.size() - 4 - body.size();
        CHECK((header == 11 || header == 12));
        return header == 12;
    };
    for (std::int16_t v = 0; v <= 13; ++v) CHECK(header_tags_present(kcoro::metadata_request{}, v) == (v >= 9));
    for (std::int16_t v = 3; v <= 12; ++v) CHECK(header_tags_present(kcoro::produce_request{}, v) == (v >= 9));
    for (std::int16_t v = 0; v <= 5; ++v) CHECK(header_tags_present(kcoro::init_producer_id_request{}, v) == (v >= 2));
    for (std::int16_t v = 0; v <= 4; ++v) CHECK(header_tags_present(kcoro::api_versions_request{}, v) == (v >= 3));
}
