// The record accumulator without a runtime: the memory budget, linger and readiness, sealing, the
// batch size a compression ratio allows, and the split of a batch the broker found too large. The
// instants are made up; nothing waits.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace producer_record_accumulator_test {

using kcoro::delivery_slot;
using kcoro::producer_batch;
using kcoro::record_accumulator;
using kcoro::topic_state;
using namespace std::chrono_literals;
using outcome = record_accumulator::append_outcome;

const kcoro::steady_time t0 = kcoro::steady_time{} + 1h;

struct bench {
    kcoro::producer_config config;
    record_accumulator acc{config};
    topic_state* ts = nullptr;

    explicit bench(kcoro::producer_config c, std::size_t partitions = 2) : config(std::move(c)) {
        bool created = false;
        ts = &acc.topic("t", created);
        CHECK(created);
        record_accumulator::fit(*ts, partitions);
    }
    record_accumulator::append_result add(std::int32_t partition, std::size_t value_bytes, kcoro::steady_time now = t0,
                                          std::int64_t timestamp = 1000) {
        value.assign(value_bytes, 'v');
        kcoro::bytes_view key = kcoro::as_bytes(std::string_view("k"));
        kcoro::bytes_view val = kcoro::as_bytes(std::string_view(value));
        delivery_slot slot;
        return acc.append(*ts, partition, now, timestamp, true, key, true, val, {}, slot);
    }
    std::string value;
};

kcoro::producer_config sized(std::size_t batch_size, std::size_t buffer_memory) {
    kcoro::producer_config c;
    c.batch_size = batch_size;
    c.buffer_memory = buffer_memory;
    c.max_request_size = 1 << 20;
    c.linger = 5ms;
    c.delivery_timeout = 30s;
    return c;
}

TEST_CASE("records join their partition's open batch until it is full, which seals it and opens the next") {
    bench b(sized(400, 1 << 20));
    auto first = b.add(0, 100);
    CHECK(first.status == outcome::opened);
    CHECK(first.batch->created == t0);
    CHECK(first.batch->deadline == t0 + 30s);
    CHECK(b.add(0, 100).status == outcome::appended);
    CHECK(b.add(1, 100).status == outcome::opened);  // another partition, another batch
    CHECK(b.acc.outstanding_batches() == 2);
    CHECK(b.ts->queued_bytes[0] == first.batch->builder.size_bytes());

    record_accumulator::append_result r;
    int appended = 2;
    do {
        r = b.add(0, 100);
        ++appended;
    } while (r.status == outcome::appended);
    CHECK(r.status == outcome::opened);
    CHECK(r.sealed_previous);
    CHECK(first.batch->sealed);
    CHECK(first.batch->record_count() == appended - 1);
    CHECK(first.batch->builder.size_bytes() <= 400);
    CHECK(b.ts->partitions[0].queue.size() == 2);
    CHECK(b.acc.used_memory() >= first.batch->builder.size_bytes() + r.batch->builder.size_bytes());
}

TEST_CASE("buffer_memory: a new batch waits while the budget is taken, the first is always let in") {
    bench b(sized(1000, 1500));
    auto first = b.add(0, 100);
    CHECK(first.status == outcome::opened);  // reserves 1000 of 1500
    auto blocked = b.add(1, 100);
    CHECK(blocked.status == outcome::blocked_memory);
    CHECK(blocked.batch == nullptr);
    CHECK(b.add(0, 100).status == outcome::appended);  // the open batch still takes records

    producer_batch* taken = b.acc.take(b.ts->partitions[0]);
    CHECK(taken == first.batch);
    CHECK(b.ts->queued_bytes[0] == 0);
    b.acc.release(taken);
    CHECK(b.acc.used_memory() == 0);
    CHECK(b.acc.outstanding_batches() == 0);
    CHECK(b.add(1, 100).status == outcome::opened);

    bench tiny(sized(1000, 150));  // less than one batch reserves: the first still gets in
    CHECK(tiny.add(0, 5).status == outcome::opened);
}

TEST_CASE("a record larger than max_request_size is refused and holds no memory") {
    auto c = sized(1000, 1 << 20);
    c.max_request_size = 300;
    bench b(c);
    auto r = b.add(0, 400);
    CHECK(r.status == outcome::too_large);
    CHECK(r.too_large_bytes > 400);
    CHECK(b.acc.used_memory() == 0);
    CHECK(b.acc.outstanding_batches() == 0);
    CHECK(b.ts->partitions[0].queue.empty());
}

TEST_CASE("a record larger than max_request_size fails alone, whatever open batch it would join") {
    auto c = sized(16384, 1 << 20);
    c.max_request_size = 4096;

    // The largest record accepted alone, as a batch of one, and the smallest refused.
    std::size_t fits = 0, refused_bytes = 0;
    for (std::size_t v = 3800; v < 4200 && refused_bytes == 0; ++v) {
        bench alone(c);
        auto r = alone.add(0, v);
        if (r.status == outcome::opened) {
            CHECK(r.batch->builder.size_bytes() + record_accumulator::record_batch_overhead <= 4096);
            fits = v;
        } else {
            CHECK(r.status == outcome::too_large);
            refused_bytes = r.too_large_bytes;
        }
    }
    REQUIRE(fits > 0);
    REQUIRE(refused_bytes > 4096);

    bench b(c);
    auto first = b.add(0, 100);
    REQUIRE(first.status == outcome::opened);
    const std::size_t queued = b.ts->queued_bytes[0];
    const std::size_t memory = b.acc.used_memory();

    auto big = b.add(0, 8192);
    CHECK(big.status == outcome::too_large);
    CHECK(big.batch == nullptr);
    CHECK(big.too_large_bytes > 8192);
    auto over = b.add(0, fits + 1);
    CHECK(over.status == outcome::too_large);
    CHECK(over.too_large_bytes == refused_bytes);  // sized as a batch of its own
    // The open batch is as it was: neither sealed nor grown, and it takes the next record.
    CHECK_FALSE(big.sealed_previous);
    CHECK_FALSE(over.sealed_previous);
    CHECK_FALSE(first.batch->sealed);
    CHECK(first.batch->record_count() == 1);
    CHECK(b.ts->queued_bytes[0] == queued);
    CHECK(b.acc.used_memory() == memory);
    CHECK(b.acc.outstanding_batches() == 1);
    auto largest = b.add(0, fits);
    CHECK(largest.status == outcome::appended);
    CHECK(largest.batch == first.batch);
    CHECK(b.add(0, 100).status != outcome::too_large);
}

TEST_CASE("a batch may leave once sealed, once not alone, at first append + linger, or when everything goes") {
    bench b(sized(16384, 1 << 20));
    b.add(0, 10, t0);
    auto& ps = b.ts->partitions[0];
    kcoro::steady_time next = t0 + 1s;
    CHECK_FALSE(b.acc.ready(ps, t0 + 4ms, false, next));
    CHECK(next == t0 + 5ms);  // the sender sleeps until the linger ends, no later
    CHECK(b.acc.ready(ps, t0 + 5ms, false, next));
    CHECK(b.acc.ready(ps, t0 + 1ms, true, next));  // flush or close

    ps.queue.front()->retry_at = t0 + 100ms;  // backing off after a failed attempt
    next = t0 + 1s;
    CHECK_FALSE(b.acc.ready(ps, t0 + 50ms, true, next));
    CHECK(next == t0 + 100ms);
    ps.queue.front()->retry_at = {};

    ps.queue.front()->sealed = true;
    CHECK(b.acc.ready(ps, t0, false, next));
}

TEST_CASE("compressing, a batch takes as many records as compress to batch_size, within bounds") {
    auto c = sized(1000, 1 << 20);
    c.compression = kcoro::compression_codec::lz4;
    bench b(c);
    CHECK(b.acc.append_limit(*b.ts) == 1000);  // no ratio seen yet
    // A good ratio is believed slowly...
    record_accumulator::observe_compression(*b.ts, 1000, 250);
    CHECK(b.ts->compression_ratio == doctest::Approx(0.995));
    for (int i = 0; i < 200; ++i) record_accumulator::observe_compression(*b.ts, 1000, 250);
    CHECK(b.ts->compression_ratio == doctest::Approx(0.25));
    CHECK(b.acc.append_limit(*b.ts) == 4000);
    // ... a worse one at once, and by at least 0.05.
    record_accumulator::observe_compression(*b.ts, 1000, 260);
    CHECK(b.ts->compression_ratio == doctest::Approx(0.30));
    record_accumulator::observe_compression(*b.ts, 1000, 900);
    CHECK(b.ts->compression_ratio == doctest::Approx(0.90));
    // Never more than 8 x batch_size, nor more than max_request_size allows.
    b.ts->compression_ratio = 0.01;
    CHECK(b.acc.append_limit(*b.ts) == 8000);
    b.config.max_request_size = 3000;
    CHECK(b.acc.append_limit(*b.ts) == 3000 - 2 * record_accumulator::record_batch_overhead);
    // Uncompressed, batch_size it is.
    b.config.compression = kcoro::compression_codec::none;
    CHECK(b.acc.append_limit(*b.ts) == 1000);
}

TEST_CASE("a split puts the batch's records back in parts of about half, in order, each keeping its slot") {
    bench b(sized(16384, 1 << 20));
    for (int i = 0; i < 6; ++i) b.add(0, 200, t0, 1000 + i);
    auto& ps = b.ts->partitions[0];
    REQUIRE(ps.queue.size() == 1);
    producer_batch* big = b.acc.take(ps);
    big->base_sequence = 40;
    big->attempts = 1;
    kcoro::batch_finish_params params;
    REQUIRE(b.acc.finish(*big, params));
    REQUIRE(b.acc.split(ps, big));
    CHECK(big->slots.empty());
    b.acc.release(big);

    REQUIRE(ps.queue.size() >= 2);
    std::int32_t next_sequence = 40;
    std::int64_t next_timestamp = 1000;
    for (producer_batch* part : ps.queue) {
        CHECK(part->sealed);
        CHECK(part->attempts == 2);
        CHECK(part->base_sequence == next_sequence);
        CHECK(part->record_count() <= 3);
        for (const delivery_slot& s : part->slots) CHECK(s.timestamp == next_timestamp++);
        next_sequence += part->record_count();
    }
    CHECK(next_sequence == 46);
    CHECK(b.acc.outstanding_batches() == ps.queue.size());
}

TEST_CASE("a resent batch goes back ahead of newer batches, in sequence order among resends") {
    bench b(sized(100, 1 << 20));
    for (int i = 0; i < 3; ++i) {
        auto r = b.add(0, 60);
        REQUIRE(r.batch != nullptr);
    }
    auto& ps = b.ts->partitions[0];
    REQUIRE(ps.queue.size() == 3);
    producer_batch* a = b.acc.take(ps);
    producer_batch* c = b.acc.take(ps);
    a->base_sequence = 0;
    c->base_sequence = 1;
    a->attempts = c->attempts = 1;
    b.acc.requeue(ps, c);
    b.acc.requeue(ps, a);
    REQUIRE(ps.queue.size() == 3);
    CHECK(ps.queue[0] == a);
    CHECK(ps.queue[1] == c);
    std::size_t gone = 0;
    b.acc.take_all([&](producer_batch* batch) {
        ++gone;
        b.acc.release(batch);
    });
    CHECK(gone == 3);
    CHECK(b.acc.used_memory() == 0);
    CHECK(b.ts->queued_bytes[0] == 0);
}

TEST_CASE("a partition in flight to one broker may not be sent to another until every batch is back") {
    kcoro::partition_state ps;
    CHECK(ps.may_send_to(1));
    CHECK(ps.may_send_to(2));
    ps.in_flight = 2;
    ps.in_flight_to = 1;
    CHECK(ps.may_send_to(1));
    CHECK_FALSE(ps.may_send_to(2));  // the leader moved to 2: it waits
    ps.in_flight = 0;
    CHECK(ps.may_send_to(2));
}

}  // namespace producer_record_accumulator_test
