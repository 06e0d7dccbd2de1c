// A Produce request built from drained batches, and its answer matched back, without a runtime:
// one entry per topic with each topic's batches in drain order, every batch answered once, the
// ones the broker left out named.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

namespace producer_produce_request_test {

using kcoro::produce_request_builder;
using kcoro::producer_batch;
using kcoro::topic_state;

topic_state named(std::string name) {
    topic_state t;
    t.name = std::move(name);
    return t;
}

struct drained {
    topic_state a = named("a");
    topic_state b = named("b");
    std::array<producer_batch, 5> batches;
    std::vector<producer_batch*> order;

    drained() {
        // Drained as a0, b3, a2, b1, a5.
        const std::array<std::pair<topic_state*, std::int32_t>, 5> which{{{&a, 0}, {&b, 3}, {&a, 2}, {&b, 1}, {&a, 5}}};
        for (std::size_t i = 0; i < batches.size(); ++i) {
            batches[i].topic = which[i].first;
            batches[i].partition = which[i].second;
            order.push_back(&batches[i]);
        }
    }
};

kcoro::produce_partition_response answer(std::int32_t partition, std::int64_t offset) {
    kcoro::produce_partition_response r;
    r.index = partition;
    r.base_offset = offset;
    return r;
}

TEST_CASE("a Produce request has one entry per topic, each topic's batches in the order they were drained") {
    drained d;
    produce_request_builder builder;
    const kcoro::produce_request req = builder.build(d.order, -1, 30000);
    CHECK(req.acks == -1);
    CHECK(req.timeout_ms == 30000);
    REQUIRE(req.topics.size() == 2);
    std::vector<std::pair<std::string, std::vector<std::int32_t>>> got;
    for (const auto& t : req.topics) {
        std::vector<std::int32_t> parts;
        for (const auto& p : t.partitions) parts.push_back(p.index);
        got.emplace_back(std::string(t.name), parts);
    }
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::pair<std::string, std::vector<std::int32_t>>>{{"a", {0, 2, 5}}, {"b", {3, 1}}});
    // Built again for another request, nothing of the first is left.
    const std::vector<producer_batch*> one{&d.batches[1]};
    const kcoro::produce_request again = builder.build(one, 1, 5);
    REQUIRE(again.topics.size() == 1);
    CHECK(again.topics[0].name == "b");
    CHECK(again.topics[0].partitions.size() == 1);
}

TEST_CASE("each answer reaches its batch once, in the response's order; a batch left out is named") {
    drained d;
    kcoro::produce_response r;
    kcoro::produce_topic_response tb;
    tb.name = "b";
    tb.partitions = {answer(1, 10), answer(3, 30), answer(3, 99)};  // partition 3 twice: the second is not a batch's
    kcoro::produce_topic_response ta;
    ta.name = "a";
    ta.partitions = {answer(5, 50), answer(0, 0), answer(7, 70)};  // no batch for 7; none for a2 at all
    r.topics = {tb, ta};
    std::vector<std::pair<producer_batch*, std::int64_t>> answered;
    std::vector<producer_batch*> missing;
    produce_request_builder::match(
        d.order, r, [&](producer_batch* b, const kcoro::produce_partition_response& pr) { answered.emplace_back(b, pr.base_offset); },
        [&](producer_batch* b) { missing.push_back(b); });
    CHECK(answered == std::vector<std::pair<producer_batch*, std::int64_t>>{
                          {&d.batches[3], 10}, {&d.batches[1], 30}, {&d.batches[4], 50}, {&d.batches[0], 0}});
    CHECK(missing == std::vector<producer_batch*>{&d.batches[2]});
}

}  // namespace producer_produce_request_test
