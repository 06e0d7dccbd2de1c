// Builds a RecordBatch v2 in place in one reusable buffer: records are appended as they come
// (keys and values written straight in by serializers), then finish() fills the 61-byte header,
// compresses the records if asked and computes the CRC. No allocation in steady state.
//
// Layout (Kafka's DefaultRecordBatch): baseOffset i64, batchLength i32, partitionLeaderEpoch i32,
// magic i8 = 2, crc u32 (CRC-32C of attributes..end), attributes i16, lastOffsetDelta i32,
// baseTimestamp i64, maxTimestamp i64, producerId i64, producerEpoch i16, baseSequence i32,
// recordCount i32, then the records.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "../serde/byte_sink.hpp"
#include "compression.hpp"
#include "crc32c.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

KCORO_NAMESPACE_BEGIN

struct record_header {
    std::string_view key{};
    std::optional<bytes_view> value{};  // none: a null header value
};

// Passed as a key or value writer: the field is null.
struct null_record_field {};

enum class append_status { appended, full };

struct batch_finish_params {
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::int32_t base_sequence = -1;
    bool transactional = false;
    std::int32_t partition_leader_epoch = -1;
    compression_codec codec = compression_codec::none;
    std::optional<int> compression_level{};
};

namespace record_layout {
inline constexpr std::size_t base_offset = 0;
inline constexpr std::size_t batch_length = 8;
inline constexpr std::size_t partition_leader_epoch = 12;
inline constexpr std::size_t magic = 16;
inline constexpr std::size_t crc = 17;
inline constexpr std::size_t attributes = 21;
inline constexpr std::size_t last_offset_delta = 23;
inline constexpr std::size_t base_timestamp = 27;
inline constexpr std::size_t max_timestamp = 35;
inline constexpr std::size_t producer_id = 43;
inline constexpr std::size_t producer_epoch = 51;
inline constexpr std::size_t base_sequence = 53;
inline constexpr std::size_t record_count = 57;
inline constexpr std::size_t header_size = 61;
}  // namespace record_layout

namespace detail {
inline constexpr std::size_t varint_size(std::uint64_t v) noexcept {
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}
inline constexpr std::uint64_t zigzag64(std::int64_t v) noexcept {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline byte* put_uvarint(byte* p, std::uint64_t v) noexcept {
    while (v >= 0x80) {
        *p++ = static_cast<byte>(v | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<byte>(v);
    return p;
}
inline void store_be(byte* p, std::uint64_t v, int n) noexcept {
    for (int i = 0; i < n; ++i) p[i] = static_cast<byte>(v >> (8 * (n - 1 - i)));
}
inline std::uint64_t load_be(const byte* p, int n) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}

template <class W>
inline constexpr bool is_null_writer_v =
    std::is_same_v<std::remove_cvref_t<W>, null_record_field> || std::is_same_v<std::remove_cvref_t<W>, std::nullopt_t>;
template <class W>
inline constexpr bool is_bytes_writer_v = !is_null_writer_v<W> && std::is_convertible_v<const std::remove_cvref_t<W>&, bytes_view>;
// Null and bytes_view fields have a length known before writing; only callables need the
// reserve-then-compact dance.
template <class W>
inline constexpr bool is_sized_writer_v = is_null_writer_v<W> || is_bytes_writer_v<W>;

template <class W>
std::size_t sized_field_bytes(const W& w) noexcept {
    if constexpr (is_null_writer_v<W>) {
        return 1;
    } else {
        const bytes_view b = w;
        return varint_size(zigzag64(static_cast<std::int64_t>(b.size()))) + b.size();
    }
}

// Writes a field of known size at p; returns the end.
template <class W>
byte* put_sized_field(byte* p, const W& w) noexcept {
    if constexpr (is_null_writer_v<W>) {
        *p++ = 1;  // zig-zag(-1)
        return p;
    } else {
        const bytes_view b = w;
        p = put_uvarint(p, zigzag64(static_cast<std::int64_t>(b.size())));
        if (!b.empty()) std::memcpy(p, b.data(), b.size());
        return p + b.size();
    }
}

inline constexpr std::size_t max_length_varint = 5;  // an int32 length, zig-zag encoded

// Appends a length-prefixed field whose length is only known after writing: reserve the widest
// varint for the length, write, then move the bytes back over the unused prefix bytes.
template <class W>
void append_field(byte_buffer& buf, W& writer) {
    if constexpr (is_sized_writer_v<W>) {
        byte* p = buf.extend(sized_field_bytes(writer));
        put_sized_field(p, writer);
    } else {
        const std::size_t len_at = buf.size();
        buf.extend(max_length_varint);
        buffer_sink sink{buf};
        writer(sink);
        const std::size_t n = buf.size() - len_at - max_length_varint;
        byte tmp[10];
        const std::size_t vlen =
            static_cast<std::size_t>(put_uvarint(tmp, zigzag64(static_cast<std::int64_t>(n))) - tmp);
        if (vlen < max_length_varint)
            std::memmove(buf.data() + len_at + vlen, buf.data() + len_at + max_length_varint, n);
        std::memcpy(buf.data() + len_at, tmp, vlen);
        buf.resize(len_at + vlen + n);
    }
}

inline std::size_t headers_bytes(std::span<const record_header> headers) noexcept {
    std::size_t n = varint_size(zigzag64(static_cast<std::int64_t>(headers.size())));
    for (const auto& h : headers) {
        n += varint_size(zigzag64(static_cast<std::int64_t>(h.key.size()))) + h.key.size();
        n += h.value ? varint_size(zigzag64(static_cast<std::int64_t>(h.value->size()))) + h.value->size() : 1;
    }
    return n;
}

inline byte* put_headers(byte* p, std::span<const record_header> headers) noexcept {
    p = put_uvarint(p, zigzag64(static_cast<std::int64_t>(headers.size())));
    for (const auto& h : headers) {
        p = put_sized_field(p, as_bytes(h.key));
        if (h.value) p = put_sized_field(p, *h.value);
        else *p++ = 1;
    }
    return p;
}

// Differences of timestamps near the ends of the int64 range must wrap, not overflow.
inline std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) noexcept {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
}  // namespace detail

// Rewrites producer id, epoch and base sequence of a finished batch, and its CRC, wherever its
// bytes now live: an idempotent producer that bumped its epoch resends old batches with new ids,
// otherwise unchanged. `batch` must hold a whole batch as finish() wrote it.
inline bytes_view restamp_record_batch(std::span<byte> batch, std::int64_t producer_id, std::int16_t producer_epoch,
                                       std::int32_t base_sequence) noexcept {
    namespace rl = record_layout;
    byte* h = batch.data();
    detail::store_be(h + rl::producer_id, static_cast<std::uint64_t>(producer_id), 8);
    detail::store_be(h + rl::producer_epoch, static_cast<std::uint16_t>(producer_epoch), 2);
    detail::store_be(h + rl::base_sequence, static_cast<std::uint32_t>(base_sequence), 4);
    detail::store_be(h + rl::crc, crc32c(h + rl::attributes, batch.size() - rl::attributes), 4);
    return bytes_view(batch.data(), batch.size());
}

class record_batch_builder {
public:
    record_batch_builder() { reset(); }

    // Starts a new, empty batch; keeps the buffers' memory.
    void reset() {
        records_.clear();
        records_.extend(record_layout::header_size);
        compressed_.clear();
        count_ = 0;
        base_timestamp_ = 0;
        max_timestamp_ = -1;
        finished_ = false;
        codec_ = compression_codec::none;
        level_.reset();
    }

    std::int32_t record_count() const noexcept { return count_; }
    // Header plus uncompressed records: what the accumulator estimates with, before and after finish().
    std::size_t size_bytes() const noexcept { return records_.size(); }
    bool empty() const noexcept { return count_ == 0; }
    bool finished() const noexcept { return finished_; }
    std::int64_t base_timestamp() const noexcept { return base_timestamp_; }
    std::int64_t max_timestamp() const noexcept { return max_timestamp_; }

    // Appends one record. A writer is null_record_field / std::nullopt (a null field), a
    // bytes_view, or a callable `void(auto& sink)` that writes through a kcoro::byte_sink. When
    // the batch already holds records and this one would take it past `size_limit`, nothing
    // changes and append_status::full is returned; a first record is always taken. A finished
    // batch is sealed: it takes no more records. The record's offset delta is record_count() - 1.
    template <class KeyW, class ValueW>
    append_status try_append(std::int64_t timestamp_ms, KeyW&& key, ValueW&& value, std::span<const record_header> headers,
                             std::size_t size_limit) {
        if (finished_) return append_status::full;
        const std::int64_t base = count_ == 0 ? timestamp_ms : base_timestamp_;
        const std::int64_t ts_delta = detail::wrapping_sub(timestamp_ms, base);
        const std::size_t start = records_.size();
        if constexpr (detail::is_sized_writer_v<KeyW> && detail::is_sized_writer_v<ValueW>) {
            // Every length is known: check the limit first, then write each byte once.
            const std::size_t body = 1 + detail::varint_size(detail::zigzag64(ts_delta)) +
                                     detail::varint_size(detail::zigzag64(count_)) + detail::sized_field_bytes(key) +
                                     detail::sized_field_bytes(value) + detail::headers_bytes(headers);
            const std::size_t total = detail::varint_size(detail::zigzag64(static_cast<std::int64_t>(body))) + body;
            if (count_ > 0 && start + total > size_limit) return append_status::full;
            byte* p = records_.extend(total);
            p = detail::put_uvarint(p, detail::zigzag64(static_cast<std::int64_t>(body)));
            *p++ = 0;  // record attributes
            p = detail::put_uvarint(p, detail::zigzag64(ts_delta));
            p = detail::put_uvarint(p, detail::zigzag64(count_));
            p = detail::put_sized_field(p, key);
            p = detail::put_sized_field(p, value);
            detail::put_headers(p, headers);
        } else {
            // Body first, after room for the widest length varint, then the length moved in front.
            byte* p = records_.extend(detail::max_length_varint + 1 + 2 * 10);
            p += detail::max_length_varint;
            *p++ = 0;  // record attributes
            p = detail::put_uvarint(p, detail::zigzag64(ts_delta));
            p = detail::put_uvarint(p, detail::zigzag64(count_));
            records_.resize(static_cast<std::size_t>(p - records_.data()));
            detail::append_field(records_, key);
            detail::append_field(records_, value);
            detail::put_headers(records_.extend(detail::headers_bytes(headers)), headers);
            const std::size_t body = records_.size() - start - detail::max_length_varint;
            byte tmp[10];
            const std::size_t vlen = static_cast<std::size_t>(
                detail::put_uvarint(tmp, detail::zigzag64(static_cast<std::int64_t>(body))) - tmp);
            if (count_ > 0 && start + vlen + body > size_limit) {
                records_.resize(start);
                return append_status::full;
            }
            byte* at = records_.data() + start;
            std::memmove(at + vlen, at + detail::max_length_varint, body);
            std::memcpy(at, tmp, vlen);
            records_.resize(start + vlen + body);
        }
        base_timestamp_ = base;
        if (count_ == 0 || timestamp_ms > max_timestamp_) max_timestamp_ = timestamp_ms;
        ++count_;
        return append_status::appended;
    }

    // Seals the batch: compresses the records if asked, fills the header and CRC. May be called
    // again with other parameters (the uncompressed records are kept). The returned bytes stay
    // valid until reset(), release() or the next finish().
    result<bytes_view> finish(const batch_finish_params& p) {
        namespace rl = record_layout;
        if (p.codec != compression_codec::none &&
            (!finished_ || codec_ != p.codec || level_ != p.compression_level)) {
            compressed_.clear();
            compressed_.extend(rl::header_size);
            auto r = compress(p.codec, bytes_view(records_.data() + rl::header_size, records_.size() - rl::header_size),
                              compressed_, p.compression_level);
            if (!r) {
                compressed_.clear();
                finished_ = false;
                return std::move(r).err();
            }
        }
        finished_ = true;
        codec_ = p.codec;
        level_ = p.compression_level;
        byte_buffer& out = output();
        byte* h = out.data();
        detail::store_be(h + rl::base_offset, 0, 8);
        detail::store_be(h + rl::batch_length, static_cast<std::uint32_t>(out.size() - 12), 4);
        detail::store_be(h + rl::partition_leader_epoch, static_cast<std::uint32_t>(p.partition_leader_epoch), 4);
        h[rl::magic] = 2;
        std::uint16_t attrs = static_cast<std::uint16_t>(p.codec);
        if (p.transactional) attrs |= 0x10;
        detail::store_be(h + rl::attributes, attrs, 2);
        detail::store_be(h + rl::last_offset_delta, static_cast<std::uint32_t>(count_ > 0 ? count_ - 1 : 0), 4);
        detail::store_be(h + rl::base_timestamp, static_cast<std::uint64_t>(base_timestamp_), 8);
        detail::store_be(h + rl::max_timestamp, static_cast<std::uint64_t>(max_timestamp_), 8);
        detail::store_be(h + rl::record_count, static_cast<std::uint32_t>(count_), 4);
        return restamp(p.producer_id, p.producer_epoch, p.base_sequence);
    }

    // Rewrites producer id, epoch and base sequence of the finished batch, and its CRC.
    bytes_view restamp(std::int64_t producer_id, std::int16_t producer_epoch, std::int32_t base_sequence) noexcept {
        byte_buffer& out = output();
        return restamp_record_batch(std::span<byte>(out.data(), out.size()), producer_id, producer_epoch, base_sequence);
    }

    // Valid after finish().
    std::int32_t base_sequence() const noexcept {
        return static_cast<std::int32_t>(detail::load_be(output().data() + record_layout::base_sequence, 4));
    }
    // The finished batch (before finish(): the header space and the records written so far).
    bytes_view bytes() const noexcept { return output().view(); }

    // After finish(): moves the finished batch out, for an in-flight request to own, and starts a new batch in
    // `recycled` (say, the buffer of a batch the broker acknowledged): no allocation in steady state.
    byte_buffer release(byte_buffer recycled = {}) {
        byte_buffer out = std::move(output());
        if (codec_ == compression_codec::none) records_ = std::move(recycled);
        else compressed_ = std::move(recycled);
        reset();
        return out;
    }

private:
    byte_buffer& output() noexcept { return codec_ == compression_codec::none ? records_ : compressed_; }
    const byte_buffer& output() const noexcept { return codec_ == compression_codec::none ? records_ : compressed_; }

    byte_buffer records_;     // header space, then the uncompressed records
    byte_buffer compressed_;  // header, then the compressed records, when finished with a codec
    std::int32_t count_ = 0;
    std::int64_t base_timestamp_ = 0;
    std::int64_t max_timestamp_ = -1;
    bool finished_ = false;
    compression_codec codec_ = compression_codec::none;
    std::optional<int> level_{};
};

KCORO_NAMESPACE_END
