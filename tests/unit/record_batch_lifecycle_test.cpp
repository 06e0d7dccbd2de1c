// RecordBatch v2 builder across a batch's life: callable writers produce the same bytes as
// byte views, a finished batch is sealed, its bytes move out to an owner of their own and can be
// restamped there, and reset()/release() reuse memory instead of allocating.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace {

using bytes = std::vector<kcoro::byte>;

bytes copy(kcoro::bytes_view v) { return {v.begin(), v.end()}; }

std::uint64_t get_be(kcoro::bytes_view b, std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | b[at + static_cast<std::size_t>(i)];
    return v;
}

// CRC-32C bit by bit, independent of kcoro.
std::uint32_t crc32c_bitwise(const kcoro::byte* p, std::size_t n) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}
bool crc_valid(kcoro::bytes_view b) { return get_be(b, 17, 4) == crc32c_bitwise(b.data() + 21, b.size() - 21); }

constexpr std::int64_t ts0 = 1700000000000;

void fill(kcoro::record_batch_builder& b, int n, int salt = 0) {
    for (int i = 0; i < n; ++i) {
        const std::string k = "key-" + std::to_string(i + salt);
        const std::string v = "value-" + std::to_string(i * 7 + salt) + std::string(static_cast<std::size_t>(i % 90), 'z');
        REQUIRE(b.try_append(ts0 + i, kcoro::as_bytes(k), kcoro::as_bytes(v), {}, 1u << 30) ==
                kcoro::append_status::appended);
    }
}

}  // namespace

TEST_CASE("record_batch_lifecycle_test: callable writers write the same bytes as byte views") {
    const kcoro::byte hv[] = {'1', '2'};
    const std::array<kcoro::record_header, 2> headers{{{.key = "trace", .value = kcoro::bytes_view(hv)},
                                                       {.key = "none", .value = std::nullopt}}};
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{8191},
                          std::size_t{8192}, std::size_t{100000}}) {
        INFO("value size " << n);
        const std::string key(n / 3, 'k'), value(n, 'v');
        kcoro::record_batch_builder by_view, by_writer, mixed;
        for (int i = 0; i < 3; ++i) {
            REQUIRE(by_view.try_append(ts0 - i, kcoro::as_bytes(key), kcoro::as_bytes(value), headers, 1u << 30) ==
                    kcoro::append_status::appended);
            REQUIRE(by_writer.try_append(
                        ts0 - i, [&](auto& s) { s.write(key.data(), key.size()); },
                        [&](auto& s) {
                            // Byte by byte through put() for part of it: both sink operations count.
                            const std::size_t half = value.size() / 2;
                            for (std::size_t j = 0; j < half; ++j) s.put(static_cast<kcoro::byte>(value[j]));
                            s.write(value.data() + half, value.size() - half);
                        },
                        headers, 1u << 30) == kcoro::append_status::appended);
            REQUIRE(mixed.try_append(ts0 - i, kcoro::as_bytes(key), [&](auto& s) { s.write(value.data(), value.size()); },
                                     headers, 1u << 30) == kcoro::append_status::appended);
        }
        CHECK(by_view.size_bytes() == by_writer.size_bytes());
        auto a = by_view.finish({});
        auto b = by_writer.finish({});
        auto c = mixed.finish({});
        REQUIRE(a);
        REQUIRE(b);
        REQUIRE(c);
        CHECK(copy(*a) == copy(*b));
        CHECK(copy(*a) == copy(*c));
        CHECK(get_be(*a, 27, 8) == static_cast<std::uint64_t>(ts0));      // base timestamp: the first record's
        CHECK(get_be(*a, 35, 8) == static_cast<std::uint64_t>(ts0));      // max timestamp
        kcoro::decoded_batch d;
        REQUIRE(kcoro::read_record_batch(*b, d));
        REQUIRE(d.records.size() == 3);
        CHECK(d.records[2].timestamp == ts0 - 2);
        CHECK(d.records[2].offset == 2);
        REQUIRE(d.records[2].value);
        CHECK(d.records[2].value->size() == n);
        REQUIRE(d.records[2].headers.size() == 2);
        CHECK_FALSE(d.records[2].headers[1].second);
    }
}

TEST_CASE("record_batch_lifecycle_test: timestamps at the ends of the int64 range wrap their deltas") {
    kcoro::record_batch_builder b;
    constexpr auto lo = std::numeric_limits<std::int64_t>::min();
    constexpr auto hi = std::numeric_limits<std::int64_t>::max();
    REQUIRE(b.try_append(lo, kcoro::as_bytes("a"), kcoro::as_bytes("b"), {}, 1 << 20) == kcoro::append_status::appended);
    REQUIRE(b.try_append(hi, kcoro::as_bytes("a"), kcoro::as_bytes("b"), {}, 1 << 20) == kcoro::append_status::appended);
    CHECK(b.base_timestamp() == lo);
    CHECK(b.max_timestamp() == hi);
    auto fin = b.finish({});
    REQUIRE(fin);
    CHECK(crc_valid(*fin));
}

TEST_CASE("record_batch_lifecycle_test: a finished batch takes no more records") {
    kcoro::record_batch_builder b;
    fill(b, 3);
    auto fin = b.finish({});
    REQUIRE(fin);
    const bytes sealed = copy(*fin);
    CHECK(b.finished());
    CHECK(b.try_append(ts0, kcoro::as_bytes("k"), kcoro::as_bytes("v"), {}, 1u << 30) == kcoro::append_status::full);
    CHECK(b.record_count() == 3);
    CHECK(copy(b.bytes()) == sealed);
    b.reset();
    CHECK_FALSE(b.finished());
    CHECK(b.try_append(ts0, kcoro::as_bytes("k"), kcoro::as_bytes("v"), {}, 1u << 30) == kcoro::append_status::appended);
}

TEST_CASE("record_batch_lifecycle_test: released batches keep their bytes and restamp where they now live") {
    for (auto codec : {kcoro::compression_codec::none, kcoro::compression_codec::gzip, kcoro::compression_codec::snappy,
                       kcoro::compression_codec::lz4, kcoro::compression_codec::zstd}) {
        if (!kcoro::codec_available(codec)) continue;
        INFO(kcoro::codec_name(codec));
        kcoro::record_batch_builder b;
        fill(b, 40);
        kcoro::batch_finish_params params;
        params.producer_id = 11;
        params.producer_epoch = 1;
        params.base_sequence = 0;
        params.codec = codec;
        auto fin = b.finish(params);
        REQUIRE(fin);
        const bytes first = copy(*fin);

        kcoro::byte_buffer in_flight = b.release();
        CHECK(copy(in_flight.view()) == first);
        // The builder starts over at once, while the released batch is in flight.
        CHECK(b.empty());
        CHECK_FALSE(b.finished());
        CHECK(b.size_bytes() == 61);
        fill(b, 5, 1000);
        auto next = b.finish({});
        REQUIRE(next);
        CHECK(copy(in_flight.view()) == first);

        // The producer bumped its epoch: resend the old batch with new ids, without rebuilding it.
        const auto again =
            kcoro::restamp_record_batch(std::span<kcoro::byte>(in_flight.data(), in_flight.size()), 12, 0, 0);
        CHECK(again.data() == in_flight.data());
        CHECK(crc_valid(again));
        CHECK(get_be(again, 43, 8) == 12);
        CHECK(get_be(again, 51, 2) == 0);
        for (std::size_t i = 0; i < first.size(); ++i)
            if (i < 17 || (i >= 21 && i < 43) || i >= 57) CHECK(first[i] == again[i]);
        kcoro::decoded_batch d;
        REQUIRE(kcoro::read_record_batch(again, d));
        CHECK(d.producer_id == 12);
        CHECK(d.records.size() == 40);
        CHECK(d.codec == codec);
    }
}

TEST_CASE("record_batch_lifecycle_test: reset() and release() with a recycled buffer reuse memory") {
    kcoro::record_batch_builder b;
    fill(b, 100);
    REQUIRE(b.finish({}));
    const auto* first_data = b.bytes().data();
    b.reset();
    fill(b, 100);
    REQUIRE(b.finish({}));
    CHECK(b.bytes().data() == first_data);  // same bytes, same place: nothing reallocated

    // Hand the builder back the buffer of an acknowledged batch: the next batch is written there.
    kcoro::byte_buffer in_flight = b.release();
    CHECK(in_flight.data() == first_data);
    kcoro::byte_buffer acknowledged = std::move(in_flight);
    const auto* recycled = acknowledged.data();
    fill(b, 100);
    REQUIRE(b.finish({}));
    kcoro::byte_buffer second = b.release(std::move(acknowledged));
    fill(b, 100);
    auto fin = b.finish({});
    REQUIRE(fin);
    CHECK(fin->data() == recycled);
    CHECK(second.data() != recycled);
    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(second.view(), d));
    CHECK(d.records.size() == 100);
}

TEST_CASE("record_batch_lifecycle_test: finish() can be repeated with other ids and codecs, all valid") {
    kcoro::record_batch_builder b;
    fill(b, 60);
    auto plain = b.finish({});
    REQUIRE(plain);
    const bytes plain_records(plain->begin() + 61, plain->end());
    for (int round = 0; round < 2; ++round)
        for (auto codec : {kcoro::compression_codec::zstd, kcoro::compression_codec::zstd, kcoro::compression_codec::gzip,
                           kcoro::compression_codec::none, kcoro::compression_codec::lz4, kcoro::compression_codec::snappy}) {
            INFO(kcoro::codec_name(codec) << " round " << round);
            kcoro::batch_finish_params params;
            params.codec = codec;
            params.producer_id = round;
            params.compression_level = round == 0 ? std::optional<int>{} : std::optional<int>{1};
            auto fin = b.finish(params);
            if (!kcoro::codec_available(codec)) {
                CHECK((fin.code() == kcoro::errc::unsupported_compression));
                continue;
            }
            REQUIRE(fin);
            CHECK(crc_valid(*fin));
            CHECK((get_be(*fin, 21, 2) & 7) == static_cast<std::uint64_t>(codec));
            CHECK(get_be(*fin, 8, 4) == fin->size() - 12);
            kcoro::decoded_batch d;
            REQUIRE(kcoro::read_record_batch(*fin, d));
            CHECK(d.records_storage.size() == (codec == kcoro::compression_codec::none ? 0 : plain_records.size()));
            CHECK(d.records.size() == 60);
            CHECK(d.producer_id == round);
        }
}
