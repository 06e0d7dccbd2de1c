// Reads a RecordBatch v2 back: checks magic, length and CRC, decompresses, and parses every
// record. kcoro's producer never needs this on its hot path; tests, fuzzing and tools do, and it
// is the independent check that what the builder wrote is what Kafka will read.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../protocol/wire.hpp"
#include "../result.hpp"
#include "compression.hpp"
#include "crc32c.hpp"
#include "record_batch_builder.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct decoded_record {
    std::int64_t timestamp = 0;
    std::int64_t offset = 0;  // base offset + offset delta
    std::optional<bytes_view> key;
    std::optional<bytes_view> value;
    std::vector<std::pair<std::string_view, std::optional<bytes_view>>> headers;
};

struct decoded_batch {
    std::int64_t base_offset = 0;
    std::int32_t partition_leader_epoch = 0;
    std::uint16_t attributes = 0;
    std::int32_t last_offset_delta = 0;
    std::int64_t base_timestamp = 0;
    std::int64_t max_timestamp = 0;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::int32_t base_sequence = -1;
    compression_codec codec = compression_codec::none;
    byte_buffer records_storage;  // decompressed records; decoded_record views point here or into the input
    std::vector<decoded_record> records;
};

// Parses one batch from the start of `in`. Views in the result point into `in` (uncompressed) or
// into out.records_storage (compressed): keep both alive while using them.
inline result<void> read_record_batch(bytes_view in, decoded_batch& out) {
    using namespace record_layout;
    if (in.size() < header_size) return error(errc::truncated, "record batch header");
    wire_reader r(in);
    KCORO_TRY_ASSIGN(out.base_offset, r.i64());
    KCORO_TRY_ASSIGN(auto length, r.i32());
    if (length < static_cast<std::int32_t>(header_size - 12)) return error(errc::malformed_response, "batch length");
    if (static_cast<std::size_t>(length) > in.size() - 12) return error(errc::truncated, "record batch");
    KCORO_TRY_ASSIGN(out.partition_leader_epoch, r.i32());
    KCORO_TRY_ASSIGN(auto magic, r.i8());
    if (magic != 2) return error(errc::malformed_response, "magic " + std::to_string(magic) + " (only v2 is read)");
    KCORO_TRY_ASSIGN(auto crc, r.u32());
    const std::size_t end = 12 + static_cast<std::size_t>(length);
    if (crc32c(in.data() + attributes, end - attributes) != crc) return error(errc::corrupt_message, "CRC mismatch");
    KCORO_TRY_ASSIGN(auto attrs, r.i16());
    out.attributes = static_cast<std::uint16_t>(attrs);
    KCORO_TRY_ASSIGN(out.last_offset_delta, r.i32());
    KCORO_TRY_ASSIGN(out.base_timestamp, r.i64());
    KCORO_TRY_ASSIGN(out.max_timestamp, r.i64());
    KCORO_TRY_ASSIGN(out.producer_id, r.i64());
    KCORO_TRY_ASSIGN(out.producer_epoch, r.i16());
    KCORO_TRY_ASSIGN(out.base_sequence, r.i32());
    KCORO_TRY_ASSIGN(auto count, r.i32());
    if (count < 0) return error(errc::malformed_response, "negative record count");
    const auto codec_id = out.attributes & 0x7;
    if (codec_id > 4) return error(errc::malformed_response, "unknown codec id");
    out.codec = static_cast<compression_codec>(codec_id);
    bytes_view records(in.data() + header_size, end - header_size);
    if (out.codec != compression_codec::none) {
        out.records_storage.clear();
        KCORO_TRY(decompress(out.codec, records, out.records_storage));
        records = out.records_storage.view();
    }
    wire_reader rr(records);
    out.records.clear();
    if (static_cast<std::size_t>(count) > records.size()) return error(errc::malformed_response, "record count");
    out.records.reserve(static_cast<std::size_t>(count));
    auto field = [&](wire_reader& x) -> result<std::optional<bytes_view>> {
        KCORO_TRY_ASSIGN(auto n, x.varint());
        if (n < -1) return error(errc::malformed_response, "field length");
        if (n == -1) return std::optional<bytes_view>{};
        KCORO_TRY_ASSIGN(auto b, x.raw(static_cast<std::size_t>(n)));
        return std::optional<bytes_view>(b);
    };
    for (std::int32_t i = 0; i < count; ++i) {
        KCORO_TRY_ASSIGN(auto len, rr.varint());
        if (len < 0) return error(errc::malformed_response, "record length");
        KCORO_TRY_ASSIGN(auto body, rr.raw(static_cast<std::size_t>(len)));
        wire_reader b(body);
        decoded_record rec;
        KCORO_TRY(b.i8());  // attributes
        KCORO_TRY_ASSIGN(auto ts_delta, b.varlong());
        KCORO_TRY_ASSIGN(auto off_delta, b.varint());
        // Deltas from untrusted bytes: add as unsigned so extreme values wrap instead of
        // overflowing (undefined behaviour in signed arithmetic).
        rec.timestamp = static_cast<std::int64_t>(static_cast<std::uint64_t>(out.base_timestamp) + static_cast<std::uint64_t>(ts_delta));
        rec.offset = static_cast<std::int64_t>(static_cast<std::uint64_t>(out.base_offset) +
                                               static_cast<std::uint64_t>(static_cast<std::int64_t>(off_delta)));
        KCORO_TRY_ASSIGN(rec.key, field(b));
        KCORO_TRY_ASSIGN(rec.value, field(b));
        KCORO_TRY_ASSIGN(auto nh, b.varint());
        if (nh < 0 || static_cast<std::size_t>(nh) > b.remaining()) return error(errc::malformed_response, "header count");
        for (std::int32_t h = 0; h < nh; ++h) {
            KCORO_TRY_ASSIGN(auto k, field(b));
            if (!k) return error(errc::malformed_response, "null header key");
            KCORO_TRY_ASSIGN(auto v, field(b));
            rec.headers.emplace_back(as_string_view(*k), v);
        }
        if (!b.empty()) return error(errc::malformed_response, "bytes after a record's headers");
        out.records.push_back(std::move(rec));
    }
    if (!rr.empty()) return error(errc::malformed_response, "bytes after the last record");
    return ok();
}

KCORO_NAMESPACE_END
