// The protocol layer alone against the real broker: Produce requests assembled by hand from a
// record batch built by record_batch_builder, sent over one broker_connection (no producer
// engine), at every Produce version both sides speak; what the broker took is read back by kcat.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace protocol_it {

using namespace std::chrono_literals;

struct sent {
    std::int16_t version = 0;
    kcoro::compression_codec codec = kcoro::compression_codec::none;
    std::string key, value;
    kcoro::errc error = kcoro::errc::unknown_server_error;
    std::int64_t base_offset = -1;
};

kcoro::task<std::string> produce_by_hand(kcoro::event_loop& loop, std::string topic, std::vector<sent>& out) {
    const std::string bootstrap = kcoro_it::bootstrap();
    const auto colon = bootstrap.rfind(':');
    kcoro::event_loop_runtime rt(loop);
    kcoro::broker_connection<kcoro::event_loop_runtime> conn(rt, bootstrap.substr(0, colon),
                                                             static_cast<std::uint16_t>(std::stoi(bootstrap.substr(colon + 1))),
                                                             "kcoro-protocol-it");
    auto c = co_await conn.connect(5s, 30s);
    if (!c) co_return "connect: " + c.err().message();
    const auto& versions = conn.versions();
    if (!versions.supports(kcoro::produce_request::api_key)) co_return "the broker does not speak Produce";
    const std::int16_t lo = std::max(kcoro::produce_request::min_version, versions.min(kcoro::produce_request::api_key));
    const std::int16_t hi = std::min(kcoro::produce_request::max_version, versions.max(kcoro::produce_request::api_key));
    for (std::int16_t v = lo; v <= hi; ++v) {
        // zstd needs Produce v7 or later; from there each version also carries a zstd batch.
        std::vector<kcoro::compression_codec> codecs{kcoro::compression_codec::none};
        if (v >= 7) codecs.push_back(kcoro::compression_codec::zstd);
        for (auto codec : codecs) {
            sent s;
            s.version = v;
            s.codec = codec;
            s.key = "raw-key-" + std::to_string(v) + "-" + std::string(kcoro::codec_name(codec));
            s.value = "raw-value-" + std::to_string(v) + "-" + std::string(kcoro::codec_name(codec));
            kcoro::record_batch_builder batch;
            const kcoro::record_header headers[] = {{"version", kcoro::as_bytes(std::to_string(v))}};
            batch.try_append(1700000000000 + v, kcoro::as_bytes(s.key), kcoro::as_bytes(s.value), headers, 1 << 20);
            kcoro::batch_finish_params params;
            params.codec = codec;
            auto wire = batch.finish(params);
            if (!wire) co_return "finish: " + wire.err().message();
            const kcoro::produce_partition_data partitions[] = {{0, *wire}};
            const kcoro::produce_topic_data topics[] = {{topic, partitions}};
            kcoro::produce_request req;
            req.acks = -1;
            req.timeout_ms = 30000;
            req.topics = topics;
            auto r = co_await conn.request(req, v);
            if (!r) co_return "Produce v" + std::to_string(v) + ": " + r.err().message();
            if (r->topics.size() != 1 || r->topics[0].partitions.size() != 1) co_return "Produce v" + std::to_string(v) + ": wrong shape";
            s.error = r->topics[0].partitions[0].error_code;
            s.base_offset = r->topics[0].partitions[0].base_offset;
            out.push_back(s);
        }
    }
    conn.close();
    while (conn.busy()) {
        kcoro::loop_timer t(loop);
        co_await t.wait_until(loop.now() + 1ms);
    }
    co_return "";
}

TEST_CASE("hand-built Produce requests at every shared version are accepted in order and read back intact") {
    const std::string topic = kcoro_it::unique_topic("raw-produce");
    kcoro_it::create_topic(topic, 1);
    kcoro::event_loop loop;
    std::vector<sent> out;
    const std::string failure = kcoro::run_until_complete(loop, produce_by_hand(loop, topic, out));
    REQUIRE_MESSAGE(failure.empty(), failure);
    // Kafka 4 speaks Produce 3 to 12 (or more): every version kcoro has was sent.
    REQUIRE(out.size() >= 10 + 6);
    for (std::size_t i = 0; i < out.size(); ++i) {
        CAPTURE(out[i].version);
        CHECK(out[i].error == kcoro::errc::none);
        CHECK(out[i].base_offset == static_cast<std::int64_t>(i));
    }
    const auto got = kcoro_it::read_back_with_kcat(topic);
    REQUIRE(got.size() == out.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CHECK(got[i].offset == static_cast<std::int64_t>(i));
        CHECK(got[i].key == out[i].key);
        CHECK(got[i].value == out[i].value);
        CHECK(got[i].timestamp == 1700000000000 + out[i].version);
        REQUIRE(got[i].headers.size() == 1);
        CHECK(got[i].headers[0] == std::make_pair(std::string("version"), std::to_string(out[i].version)));
    }
}

}  // namespace protocol_it
