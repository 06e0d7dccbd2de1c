// RecordBatch v2: a batch written out by hand byte for byte (CRC-32C computed bit by bit here),
// null fields, varint boundaries, size limits, restamping, and the reader's rejection of every
// truncation and every corrupted byte.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace record_batch_test {

using bytes = std::vector<kcoro::byte>;

std::uint32_t crc32c_bitwise(const kcoro::byte* p, std::size_t n) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void put_be(bytes& out, std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<kcoro::byte>(v >> (8 * i)));
}
// Overwrites n bytes at `at`; checked, since tests write into batches they did not build.
void set_be(bytes& b, std::size_t at, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.at(at + static_cast<std::size_t>(i)) = static_cast<kcoro::byte>(v >> (8 * (n - 1 - i)));
}
std::uint64_t get_be(kcoro::bytes_view b, std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | b[at + static_cast<std::size_t>(i)];
    return v;
}
// Zig-zag varint, written independently of kcoro.
void put_varint(bytes& out, std::int64_t v) {
    auto u = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
    while (u >= 0x80) {
        out.push_back(static_cast<kcoro::byte>(u | 0x80));
        u >>= 7;
    }
    out.push_back(static_cast<kcoro::byte>(u));
}
std::size_t varint_len(std::int64_t v) {
    bytes b;
    put_varint(b, v);
    return b.size();
}

bytes copy(kcoro::bytes_view v) { return {v.begin(), v.end()}; }
std::string str(std::optional<kcoro::bytes_view> v) { return v ? std::string(kcoro::as_string_view(*v)) : "<null>"; }
bool crc_valid(kcoro::bytes_view b) {
    return get_be(b, 17, 4) == crc32c_bitwise(b.data() + 21, b.size() - 21);
}

constexpr std::int64_t ts0 = 1700000000000;  // 0x0000018BCFE56800

TEST_CASE("record_batch_test: one record, every header field written by hand") {
    kcoro::record_batch_builder b;
    const kcoro::byte hv[] = {'x'};
    const std::array<kcoro::record_header, 1> headers{{{.key = "h", .value = kcoro::bytes_view(hv)}}};
    REQUIRE(b.try_append(ts0, kcoro::as_bytes("k"), kcoro::as_bytes("v"), headers, 1 << 20) ==
            kcoro::append_status::appended);
    kcoro::batch_finish_params params;
    params.producer_id = 1000;
    params.producer_epoch = 2;
    params.base_sequence = 5;
    auto fin = b.finish(params);
    REQUIRE(fin);

    // The record: length, attributes, timestampDelta, offsetDelta, key, value, headers.
    const bytes record_body = {0x00,            // attributes
                               0x00,            // timestampDelta 0
                               0x00,            // offsetDelta 0
                               0x02, 'k',       // key length 1
                               0x02, 'v',       // value length 1
                               0x02,            // one header
                               0x02, 'h',       // header key
                               0x02, 'x'};      // header value
    bytes expected;
    put_be(expected, 0, 8);                              // baseOffset
    put_be(expected, 49 + 1 + record_body.size(), 4);    // batchLength: bytes after this field
    put_be(expected, 0xffffffffu, 4);                    // partitionLeaderEpoch -1
    expected.push_back(2);                               // magic
    put_be(expected, 0, 4);                              // crc, filled below
    put_be(expected, 0, 2);                              // attributes: no codec, create time, not transactional
    put_be(expected, 0, 4);                              // lastOffsetDelta
    put_be(expected, 0x0000018BCFE56800ull, 8);          // baseTimestamp
    put_be(expected, 0x0000018BCFE56800ull, 8);          // maxTimestamp
    put_be(expected, 1000, 8);                           // producerId
    put_be(expected, 2, 2);                              // producerEpoch
    put_be(expected, 5, 4);                              // baseSequence
    put_be(expected, 1, 4);                              // recordCount
    REQUIRE(expected.size() == 61);
    expected.push_back(static_cast<kcoro::byte>(record_body.size() << 1));  // record length 12 -> 0x18
    expected.insert(expected.end(), record_body.begin(), record_body.end());
    const std::uint32_t crc = crc32c_bitwise(expected.data() + 21, expected.size() - 21);
    for (int i = 0; i < 4; ++i) expected[17 + static_cast<std::size_t>(i)] = static_cast<kcoro::byte>(crc >> (24 - 8 * i));

    CHECK(expected.size() == 74);
    CHECK(copy(*fin) == expected);
    CHECK(copy(b.bytes()) == expected);
    CHECK(b.record_count() == 1);
    CHECK(b.base_sequence() == 5);

    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(*fin, d));
    CHECK(d.base_offset == 0);
    CHECK(d.partition_leader_epoch == -1);
    CHECK(d.attributes == 0);
    CHECK(d.codec == kcoro::compression_codec::none);
    CHECK(d.base_timestamp == ts0);
    CHECK(d.max_timestamp == ts0);
    CHECK(d.producer_id == 1000);
    CHECK(d.producer_epoch == 2);
    CHECK(d.base_sequence == 5);
    REQUIRE(d.records.size() == 1);
    CHECK(d.records[0].timestamp == ts0);
    CHECK(d.records[0].offset == 0);
    CHECK(str(d.records[0].key) == "k");
    CHECK(str(d.records[0].value) == "v");
    REQUIRE(d.records[0].headers.size() == 1);
    CHECK(d.records[0].headers[0].first == "h");
    CHECK(str(d.records[0].headers[0].second) == "x");
}

TEST_CASE("record_batch_test: null key, null value and null header value") {
    kcoro::record_batch_builder b;
    const std::array<kcoro::record_header, 2> headers{{{.key = "n", .value = std::nullopt},
                                                       {.key = "e", .value = kcoro::bytes_view{}}}};
    REQUIRE(b.try_append(ts0, kcoro::null_record_field{}, std::nullopt, headers, 1 << 20) == kcoro::append_status::appended);
    REQUIRE(b.try_append(ts0 + 5, kcoro::as_bytes(""), kcoro::null_record_field{}, {}, 1 << 20) ==
            kcoro::append_status::appended);
    kcoro::batch_finish_params params;
    params.transactional = true;
    params.partition_leader_epoch = 9;
    auto fin = b.finish(params);
    REQUIRE(fin);
    const auto v = *fin;
    // First record body: attrs, ts 0, offset 0, key -1, value -1, 2 headers, "n" -> -1, "e" -> "".
    const bytes r1 = {0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x02, 'n', 0x01, 0x02, 'e', 0x00};
    // Second: ts delta 5 (zig-zag 10), offset 1 (2), key "" (0), value -1, no headers.
    const bytes r2 = {0x00, 0x0a, 0x02, 0x00, 0x01, 0x00};
    bytes records;
    put_varint(records, static_cast<std::int64_t>(r1.size()));
    records.insert(records.end(), r1.begin(), r1.end());
    put_varint(records, static_cast<std::int64_t>(r2.size()));
    records.insert(records.end(), r2.begin(), r2.end());
    REQUIRE(v.size() == 61 + records.size());
    CHECK(bytes(v.begin() + 61, v.end()) == records);
    CHECK(get_be(v, 12, 4) == 9);           // partitionLeaderEpoch
    CHECK(get_be(v, 21, 2) == 0x10);        // transactional bit
    CHECK(get_be(v, 23, 4) == 1);           // lastOffsetDelta
    CHECK(get_be(v, 27, 8) == static_cast<std::uint64_t>(ts0));
    CHECK(get_be(v, 35, 8) == static_cast<std::uint64_t>(ts0 + 5));
    CHECK(get_be(v, 43, 8) == 0xffffffffffffffffull);  // producerId -1
    CHECK(get_be(v, 51, 2) == 0xffff);
    CHECK(get_be(v, 53, 4) == 0xffffffffu);
    CHECK(get_be(v, 57, 4) == 2);
    CHECK(crc_valid(v));

    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(v, d));
    REQUIRE(d.records.size() == 2);
    CHECK_FALSE(d.records[0].key);
    CHECK_FALSE(d.records[0].value);
    REQUIRE(d.records[0].headers.size() == 2);
    CHECK_FALSE(d.records[0].headers[0].second);
    REQUIRE(d.records[0].headers[1].second);
    CHECK(d.records[0].headers[1].second->empty());
    REQUIRE(d.records[1].key);
    CHECK(d.records[1].key->empty());
    CHECK_FALSE(d.records[1].value);
    CHECK(d.records[1].timestamp == ts0 + 5);
    CHECK(d.records[1].offset == 1);
}

TEST_CASE("record_batch_test: 1000 records round-trip, with timestamps out of order") {
    kcoro::record_batch_builder b;
    std::vector<std::string> keys, values;
    for (int i = 0; i < 1000; ++i) {
        keys.push_back("key-" + std::to_string(i));
        values.push_back(std::string(static_cast<std::size_t>(i % 300), static_cast<char>('a' + i % 26)));
    }
    for (int i = 0; i < 1000; ++i) {
        const std::string hk = "hdr" + std::to_string(i % 3);
        const std::array<kcoro::record_header, 1> h{{{.key = hk, .value = kcoro::as_bytes(keys[static_cast<std::size_t>(i)])}}};
        const std::int64_t ts = ts0 + (i % 7 == 0 ? -i : i);
        REQUIRE(b.try_append(ts, kcoro::as_bytes(keys[static_cast<std::size_t>(i)]),
                             kcoro::as_bytes(values[static_cast<std::size_t>(i)]), h, 1 << 24) ==
                kcoro::append_status::appended);
    }
    CHECK(b.record_count() == 1000);
    auto fin = b.finish({});
    REQUIRE(fin);
    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(*fin, d));
    CHECK(d.last_offset_delta == 999);
    CHECK(d.base_timestamp == ts0);
    CHECK(d.max_timestamp == ts0 + 999);
    REQUIRE(d.records.size() == 1000);
    for (int i = 0; i < 1000; ++i) {
        const auto& r = d.records[static_cast<std::size_t>(i)];
        INFO("record " << i);
        CHECK(r.offset == i);
        CHECK(r.timestamp == ts0 + (i % 7 == 0 ? -i : i));
        CHECK(str(r.key) == keys[static_cast<std::size_t>(i)]);
        CHECK(str(r.value) == values[static_cast<std::size_t>(i)]);
        REQUIRE(r.headers.size() == 1);
        CHECK(r.headers[0].first == "hdr" + std::to_string(i % 3));
        CHECK(str(r.headers[0].second) == keys[static_cast<std::size_t>(i)]);
    }
}

TEST_CASE("record_batch_test: varint_size is the length put_uvarint writes, at every 7-bit boundary") {
    std::vector<std::uint64_t> values{0, 1, ~std::uint64_t{0}};
    for (int bits = 7; bits < 64; bits += 7) {
        const std::uint64_t edge = std::uint64_t{1} << bits;
        values.insert(values.end(), {edge - 1, edge, edge + 1});
    }
    for (const std::uint64_t v : values) {
        kcoro::byte out[10];
        const auto written = static_cast<std::size_t>(kcoro::detail::put_uvarint(out, v) - out);
        INFO("value " << v);
        CHECK(kcoro::detail::varint_size(v) == written);
    }
}

TEST_CASE("record_batch_test: varint boundaries of field and record lengths") {
    for (std::size_t n : {std::size_t{0}, std::size_t{55}, std::size_t{56}, std::size_t{57}, std::size_t{63},
                          std::size_t{64}, std::size_t{8184}, std::size_t{8185}, std::size_t{8191}, std::size_t{8192},
                          std::size_t{70000}}) {
        const std::string value(n, 'q');
        for (bool callable : {false, true}) {
            INFO("value size " << n << (callable ? " via a writer" : " as bytes"));
            kcoro::record_batch_builder b;
            kcoro::append_status st;
            if (callable)
                st = b.try_append(0, kcoro::null_record_field{}, [&](auto& sink) { sink.write(value.data(), value.size()); },
                                  {}, 1 << 20);
            else
                st = b.try_append(0, kcoro::null_record_field{}, kcoro::as_bytes(value), {}, 1 << 20);
            REQUIRE(st == kcoro::append_status::appended);
            auto fin = b.finish({});
            REQUIRE(fin);
            // body: attrs, ts delta, offset delta, null key, value length, value, header count.
            const std::size_t body = 4 + varint_len(static_cast<std::int64_t>(n)) + n + 1;
            bytes expected_records;
            put_varint(expected_records, static_cast<std::int64_t>(body));
            expected_records.insert(expected_records.end(), {0x00, 0x00, 0x00, 0x01});
            put_varint(expected_records, static_cast<std::int64_t>(n));
            expected_records.insert(expected_records.end(), value.begin(), value.end());
            expected_records.push_back(0x00);
            REQUIRE(fin->size() == 61 + expected_records.size());
            CHECK(bytes(fin->begin() + 61, fin->end()) == expected_records);
            CHECK(crc_valid(*fin));
            kcoro::decoded_batch d;
            REQUIRE(kcoro::read_record_batch(*fin, d));
            REQUIRE(d.records.size() == 1);
            REQUIRE(d.records[0].value);
            CHECK(d.records[0].value->size() == n);
        }
    }
    // Known lengths: 63 -> one byte (0x7e), 64 -> two (0x80 0x01), 8191 -> two (0xfe 0x7f), 8192 -> three.
    CHECK(varint_len(63) == 1);
    CHECK(varint_len(64) == 2);
    CHECK(varint_len(8191) == 2);
    CHECK(varint_len(8192) == 3);
}

TEST_CASE("record_batch_test: try_append returns full and leaves the batch unchanged") {
    kcoro::record_batch_builder b;
    const std::string big(500, 'b');
    // A first record is taken even past the limit.
    REQUIRE(b.try_append(ts0, kcoro::null_record_field{}, kcoro::as_bytes(big), {}, 100) == kcoro::append_status::appended);
    CHECK(b.record_count() == 1);
    const bytes before = copy(b.bytes());
    const auto size_before = b.size_bytes();
    const auto max_ts = b.max_timestamp();
    CHECK(b.try_append(ts0 + 100, kcoro::as_bytes("k"), kcoro::as_bytes(big), {}, 600) == kcoro::append_status::full);
    CHECK(b.try_append(ts0 + 100, kcoro::as_bytes("k"), [&](auto& s) { s.write(big.data(), big.size()); }, {}, 600) ==
          kcoro::append_status::full);
    CHECK(copy(b.bytes()) == before);
    CHECK(b.size_bytes() == size_before);
    CHECK(b.record_count() == 1);
    CHECK(b.max_timestamp() == max_ts);
    // Exactly at the limit is taken; one byte over is not.
    kcoro::record_batch_builder probe;
    REQUIRE(probe.try_append(ts0, kcoro::null_record_field{}, kcoro::as_bytes(big), {}, 1 << 20) ==
            kcoro::append_status::appended);
    REQUIRE(probe.try_append(ts0, kcoro::as_bytes("k"), kcoro::as_bytes("v"), {}, 1 << 20) == kcoro::append_status::appended);
    const auto exact = probe.size_bytes();
    CHECK(b.try_append(ts0, kcoro::as_bytes("k"), kcoro::as_bytes("v"), {}, exact - 1) == kcoro::append_status::full);
    CHECK(b.size_bytes() == size_before);
    CHECK(b.try_append(ts0, kcoro::as_bytes("k"), kcoro::as_bytes("v"), {}, exact) == kcoro::append_status::appended);
    CHECK(b.size_bytes() == exact);
    auto fin = b.finish({});
    REQUIRE(fin);
    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(*fin, d));
    CHECK(d.records.size() == 2);
    // reset() empties the batch.
    b.reset();
    CHECK(b.empty());
    CHECK(b.size_bytes() == 61);
}

TEST_CASE("record_batch_test: restamp changes producer id, epoch and sequence and keeps the CRC valid") {
    kcoro::record_batch_builder b;
    for (int i = 0; i < 10; ++i)
        REQUIRE(b.try_append(ts0 + i, kcoro::as_bytes("k"), kcoro::as_bytes("value"), {}, 1 << 20) ==
                kcoro::append_status::appended);
    kcoro::batch_finish_params params;
    params.producer_id = 7;
    params.producer_epoch = 0;
    params.base_sequence = 100;
    auto fin = b.finish(params);
    REQUIRE(fin);
    const bytes first = copy(*fin);
    CHECK(crc_valid(first));
    const auto again = b.restamp(0x0123456789abcdefLL, 32767, 2147483640);
    const bytes second = copy(again);
    REQUIRE(second.size() == first.size());
    CHECK(get_be(second, 43, 8) == 0x0123456789abcdefull);
    CHECK(get_be(second, 51, 2) == 32767);
    CHECK(get_be(second, 53, 4) == 2147483640);
    CHECK(b.base_sequence() == 2147483640);
    CHECK(crc_valid(second));
    CHECK(get_be(second, 17, 4) != get_be(first, 17, 4));
    // Nothing else moved.
    for (std::size_t i = 0; i < first.size(); ++i)
        if (i < 17 || (i >= 21 && i < 43) || i >= 57) {
            INFO("byte " << i);
            CHECK(first[i] == second[i]);
        }
    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(again, d));
    CHECK(d.producer_id == 0x0123456789abcdefLL);
    CHECK(d.producer_epoch == 32767);
    CHECK(d.base_sequence == 2147483640);
    CHECK(d.records.size() == 10);
}

TEST_CASE("record_batch_test: the reader rejects every truncation and every corrupted byte") {
    kcoro::record_batch_builder b;
    const kcoro::byte hv[] = {1, 2, 3};
    const std::array<kcoro::record_header, 1> headers{{{.key = "hk", .value = kcoro::bytes_view(hv)}}};
    for (int i = 0; i < 5; ++i)
        REQUIRE(b.try_append(ts0 + i, kcoro::as_bytes("key"), kcoro::as_bytes("value-" + std::to_string(i)), headers,
                             1 << 20) == kcoro::append_status::appended);
    auto fin = b.finish({.producer_id = 1, .producer_epoch = 1, .base_sequence = 0});
    REQUIRE(fin);
    const bytes good = copy(*fin);
    {
        kcoro::decoded_batch d;
        REQUIRE(kcoro::read_record_batch(kcoro::bytes_view(good.data(), good.size()), d));
    }
    for (std::size_t n = 0; n < good.size(); ++n) {
        INFO("prefix " << n << " of " << good.size());
        kcoro::decoded_batch d;
        auto r = kcoro::read_record_batch(kcoro::bytes_view(good.data(), n), d);
        REQUIRE_FALSE(r);
        CHECK(r.err() == kcoro::errc::truncated);
    }
    // Every byte from the CRC to the end is covered: flipping one is a CRC mismatch.
    for (std::size_t i = 17; i < good.size(); ++i) {
        INFO("flipped byte " << i);
        bytes bad = good;
        bad[i] ^= 0x01;
        kcoro::decoded_batch d;
        auto r = kcoro::read_record_batch(kcoro::bytes_view(bad.data(), bad.size()), d);
        REQUIRE_FALSE(r);
        CHECK(r.err() == kcoro::errc::corrupt_message);
    }
    // Magic other than 2, and a batch length too short for the header.
    {
        bytes bad = good;
        bad[16] = 1;
        kcoro::decoded_batch d;
        CHECK(kcoro::read_record_batch(kcoro::bytes_view(bad.data(), bad.size()), d).err() == kcoro::errc::malformed_response);
    }
    {
        bytes bad = good;
        bad[8] = bad[9] = bad[10] = 0;
        bad[11] = 48;
        kcoro::decoded_batch d;
        CHECK(kcoro::read_record_batch(kcoro::bytes_view(bad.data(), bad.size()), d).err() == kcoro::errc::malformed_response);
    }
    // A record count that disagrees with the records, with a valid CRC, is malformed.
    for (std::uint32_t count : {4u, 6u, 0xffffffffu}) {
        INFO("record count " << count);
        bytes bad = good;
        for (int i = 0; i < 4; ++i) bad[57 + static_cast<std::size_t>(i)] = static_cast<kcoro::byte>(count >> (24 - 8 * i));
        const auto crc = crc32c_bitwise(bad.data() + 21, bad.size() - 21);
        for (int i = 0; i < 4; ++i) bad[17 + static_cast<std::size_t>(i)] = static_cast<kcoro::byte>(crc >> (24 - 8 * i));
        kcoro::decoded_batch d;
        auto r = kcoro::read_record_batch(kcoro::bytes_view(bad.data(), bad.size()), d);
        REQUIRE_FALSE(r);
        // Too many: the records run out (truncated); too few or negative: malformed.
        CHECK(r.err() == (count == 6u ? kcoro::errc::truncated : kcoro::errc::malformed_response));
    }
}

TEST_CASE("record_batch_test: offsets and timestamps at the ends of int64 wrap instead of overflowing") {
    // A broker (or a corrupt but CRC-valid batch) may carry a base offset or timestamp at the
    // end of the range; adding a record's delta must not be signed overflow (UBSan checks it).
    kcoro::record_batch_builder b;
    for (int i = 0; i < 2; ++i)
        REQUIRE(b.try_append(ts0 + i, kcoro::as_bytes("k"), kcoro::as_bytes("v"), {}, 1 << 20) == kcoro::append_status::appended);
    auto fin = b.finish({});
    REQUIRE(fin);
    bytes batch = copy(*fin);
    set_be(batch, 0, INT64_MAX, 8);   // baseOffset
    set_be(batch, 27, INT64_MAX, 8);  // baseTimestamp
    set_be(batch, 17, crc32c_bitwise(batch.data() + 21, batch.size() - 21), 4);
    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(kcoro::bytes_view(batch.data(), batch.size()), d));
    REQUIRE(d.records.size() == 2);
    CHECK(d.records[0].offset == INT64_MAX);
    CHECK(d.records[1].offset == INT64_MIN);
    CHECK(d.records[0].timestamp == INT64_MAX);
    CHECK(d.records[1].timestamp == INT64_MIN);
}

TEST_CASE("record_batch_test: writers of declared size give the same bytes, and a wrong declaration is still written right") {
    const std::string key = "key-1", value(300, 'v');
    const kcoro::byte hv[] = {'x', 'y'};
    const std::array<kcoro::record_header, 2> headers{{{.key = "h1", .value = kcoro::bytes_view(hv)}, {.key = "h2", .value = std::nullopt}}};
    auto build = [&](auto&& k, auto&& v) {
        kcoro::record_batch_builder b;
        for (int i = 0; i < 3; ++i)
            REQUIRE(b.try_append(ts0 + i, k, v, headers, 1 << 20) == kcoro::append_status::appended);
        auto fin = b.finish({});
        REQUIRE(fin);
        return copy(*fin);
    };
    auto write_value = [&](auto& sink) { sink.write(value.data(), value.size()); };
    auto write_key = [&](auto& sink) {
        for (char c : key) sink.put(static_cast<kcoro::byte>(c));
    };
    const bytes reference = build(kcoro::as_bytes(key), kcoro::as_bytes(value));
    // A callable without a size (length written after the bytes) gives the same batch.
    CHECK(build(write_key, write_value) == reference);
    // Declared sizes, right: the same bytes.
    CHECK(build(kcoro::sized_record_field{key.size(), write_key}, kcoro::sized_record_field{value.size(), write_value}) == reference);
    // Declared too small or too large: the record is written the general way, still right.
    CHECK(build(kcoro::as_bytes(key), kcoro::sized_record_field{value.size() - 7, write_value}) == reference);
    CHECK(build(kcoro::sized_record_field{key.size() + 3, write_key}, kcoro::as_bytes(value)) == reference);
    // Null fields.
    CHECK(build(kcoro::null_record_field{}, kcoro::null_record_field{}) == build(std::nullopt, std::nullopt));
    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(kcoro::bytes_view(reference.data(), reference.size()), d));
    REQUIRE(d.records.size() == 3);
    CHECK(str(d.records[2].value) == value);
    CHECK(d.records[2].offset == 2);
    REQUIRE(d.records[2].headers.size() == 2);
    CHECK_FALSE(d.records[2].headers[1].second.has_value());
}

TEST_CASE("record_batch_test: with sizes known, a record past the limit is refused before anything is written") {
    kcoro::record_batch_builder b;
    const std::string v(1000, 'a');
    REQUIRE(b.try_append(ts0, kcoro::null_record_field{}, kcoro::as_bytes(v), {}, 1500) == kcoro::append_status::appended);
    const bytes before = copy(b.bytes());
    CHECK(b.try_append(ts0, kcoro::null_record_field{}, kcoro::as_bytes(v), {}, 1500) == kcoro::append_status::full);
    CHECK(copy(b.bytes()) == before);
    CHECK(b.record_count() == 1);
    // A first record is always taken, whatever the limit.
    kcoro::record_batch_builder c;
    CHECK(c.try_append(ts0, kcoro::null_record_field{}, kcoro::as_bytes(v), {}, 10) == kcoro::append_status::appended);
}

}  // namespace record_batch_test
