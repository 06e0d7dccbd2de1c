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
#include "../detail/varint.hpp"
#include "../result.hpp"
#include "../byte_sink.hpp"
#include "compression.hpp"
#include "crc32c.hpp"

#include <algorithm>
#include <bit>
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

// A key or value writer that knows how many bytes it writes (a serializer's serialized_size):
// the builder then writes the record's length first and every byte once, in place. `write`
// is a callable `void(auto& sink)`; writing another number of bytes than `size` is tolerated
// (the record is written again the slow way), but costs the speed it was for.
template <class F>
struct sized_record_field {
    std::size_t size;
    F write;
};
template <class F>
sized_record_field(std::size_t, F) -> sized_record_field<F>;

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
inline void store_be(byte* p, std::uint64_t v, int n) noexcept {
    for (int i = 0; i < n; ++i) p[i] = static_cast<byte>(v >> (8 * (n - 1 - i)));
}
inline std::uint64_t load_be(const byte* p, int n) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}

template <class T>
struct is_sized_record_field : std::false_type {};
template <class F>
struct is_sized_record_field<sized_record_field<F>> : std::true_type {};

// Writers whose encoded size is known before writing them.
template <class W>
inline constexpr bool known_size_field_v =
    std::is_same_v<std::remove_cvref_t<W>, null_record_field> || std::is_same_v<std::remove_cvref_t<W>, std::nullopt_t> ||
    std::is_convertible_v<std::remove_cvref_t<W>, bytes_view> || is_sized_record_field<std::remove_cvref_t<W>>::value;

// Bytes the field takes in the record: length varint plus content (a null is the varint -1).
template <class W>
std::size_t field_wire_size(const W& w) noexcept {
    using T = std::remove_cvref_t<W>;
    if constexpr (std::is_same_v<T, null_record_field> || std::is_same_v<T, std::nullopt_t>) {
        return 1;
    } else if constexpr (is_sized_record_field<T>::value) {
        return varint_size(zigzag64(static_cast<std::int64_t>(w.size))) + w.size;
    } else {
        const bytes_view b = w;
        return varint_size(zigzag64(static_cast<std::int64_t>(b.size()))) + b.size();
    }
}

// A sink over memory the builder has already sized: it never writes past `end`, and notes a
// writer that writes more or fewer bytes than it declared.
struct bounded_sink {
    byte* p;
    byte* end;
    bool overflow = false;
    void write(const void* src, std::size_t n) noexcept {
        if (static_cast<std::size_t>(end - p) < n) {
            overflow = true;
            return;
        }
        std::memcpy(p, src, n);
        p += n;
    }
    void put(byte b) noexcept {
        if (p == end) {
            overflow = true;
            return;
        }
        *p++ = b;
    }
};

// Writes a field of known size at p; false if a sized writer wrote another number of bytes.
template <class W>
bool write_known_field(byte*& p, W& w) noexcept(!is_sized_record_field<std::remove_cvref_t<W>>::value) {
    using T = std::remove_cvref_t<W>;
    if constexpr (std::is_same_v<T, null_record_field> || std::is_same_v<T, std::nullopt_t>) {
        *p++ = 1;
        return true;
    } else if constexpr (is_sized_record_field<T>::value) {
        p = put_uvarint(p, zigzag64(static_cast<std::int64_t>(w.size)));
        bounded_sink sink{p, p + w.size};
        w.write(sink);
        if (sink.overflow || sink.p != sink.end) return false;
        p = sink.p;
        return true;
    } else {
        const bytes_view b = w;
        p = put_uvarint(p, zigzag64(static_cast<std::int64_t>(b.size())));
        if (!b.empty()) std::memcpy(p, b.data(), b.size());
        p += b.size();
        return true;
    }
}

// Appends a length-prefixed field whose length is only known after writing: reserve the widest
// varint for the length, write, then move the bytes back over the unused prefix bytes.
template <class W>
void write_field(byte_buffer& buf, W& writer) {
    using T = std::remove_cvref_t<W>;
    if constexpr (std::is_same_v<T, null_record_field> || std::is_same_v<T, std::nullopt_t>) {
        buf.push_back(1);  // zig-zag(-1)
    } else if constexpr (is_sized_record_field<T>::value) {
        write_field(buf, writer.write);
    } else if constexpr (std::is_convertible_v<T, bytes_view>) {
        bytes_view b = writer;
        byte tmp[10];
        byte* e = put_uvarint(tmp, zigzag64(static_cast<std::int64_t>(b.size())));
        buf.append(tmp, static_cast<std::size_t>(e - tmp));
        buf.append(b);
    } else {
        const std::size_t len_at = buf.size();
        buf.extend(5);
        buffer_sink sink{buf};
        writer(sink);
        const std::size_t n = buf.size() - len_at - 5;
        byte tmp[10];
        byte* e = put_uvarint(tmp, zigzag64(static_cast<std::int64_t>(n)));
        const std::size_t vlen = static_cast<std::size_t>(e - tmp);
        if (vlen < 5) std::memmove(buf.data() + len_at + vlen, buf.data() + len_at + 5, n);
        std::memcpy(buf.data() + len_at, tmp, vlen);
        buf.resize(len_at + vlen + n);
    }
}
}  // namespace detail

class record_batch_builder {
public:
    record_batch_builder() { reset(); }

    // Starts a new, empty batch; keeps the buffer's memory.
    void reset() {
        buf_.clear();
        buf_.extend(record_layout::header_size);
        count_ = 0;
        base_timestamp_ = 0;
        max_timestamp_ = -1;
        finished_ = false;
    }

    std::int32_t record_count() const noexcept { return count_; }
    // Bytes so far: header plus uncompressed records.
    std::size_t size_bytes() const noexcept { return finished_ ? records_end_ : buf_.size(); }
    bool empty() const noexcept { return count_ == 0; }
    // Allocates room for a batch of up to `bytes` (header included) at once, instead of growing to it.
    void reserve(std::size_t bytes) { buf_.reserve(bytes); }
    // Bytes of memory the builder holds (its buffers' capacities), for a caller that keeps to a budget.
    std::size_t capacity_bytes() const noexcept { return buf_.capacity() + uncompressed_.capacity(); }
    std::int64_t base_timestamp() const noexcept { return base_timestamp_; }
    std::int64_t max_timestamp() const noexcept { return max_timestamp_; }

    // Appends one record. A writer is null_record_field / std::nullopt (a null field), a
    // bytes_view, or a callable `void(auto& sink)` that writes through a kcoro::byte_sink. When
    // the batch already holds records and this one would take it past `size_limit`, nothing
    // changes and append_status::full is returned; a first record is always taken.
    template <class KeyW, class ValueW>
    append_status try_append(std::int64_t timestamp_ms, KeyW&& key, ValueW&& value, std::span<const record_header> headers,
                             std::size_t size_limit) {
        if constexpr (detail::known_size_field_v<KeyW> && detail::known_size_field_v<ValueW>) {
            // Sizes known: check the limit before writing, write the length first and each byte once.
            const std::int64_t base = count_ == 0 ? timestamp_ms : base_timestamp_;
            const std::uint64_t ts_delta = detail::zigzag64(timestamp_ms - base);
            const std::uint64_t offset_delta = detail::zigzag64(count_);
            std::size_t body = 1 + detail::varint_size(ts_delta) + detail::varint_size(offset_delta) + detail::field_wire_size(key) +
                               detail::field_wire_size(value) +
                               detail::varint_size(detail::zigzag64(static_cast<std::int64_t>(headers.size())));
            for (const auto& h : headers) {
                body += detail::field_wire_size(as_bytes(h.key));
                body += h.value ? detail::field_wire_size(*h.value) : 1;
            }
            const std::uint64_t body_z = detail::zigzag64(static_cast<std::int64_t>(body));
            const std::size_t start = buf_.size();
            const std::size_t total = detail::varint_size(body_z) + body;
            if (count_ > 0 && start + total > size_limit) return append_status::full;
            byte* p = buf_.extend(total);
            p = detail::put_uvarint(p, body_z);
            *p++ = 0;  // record attributes
            p = detail::put_uvarint(p, ts_delta);
            p = detail::put_uvarint(p, offset_delta);
            if (detail::write_known_field(p, key) && detail::write_known_field(p, value)) {
                p = detail::put_uvarint(p, detail::zigzag64(static_cast<std::int64_t>(headers.size())));
                for (const auto& h : headers) {
                    bytes_view k = as_bytes(h.key);
                    detail::write_known_field(p, k);
                    if (h.value) detail::write_known_field(p, *h.value);
                    else *p++ = 1;
                }
                if (count_ == 0) base_timestamp_ = timestamp_ms;
                ++count_;
                if (timestamp_ms > max_timestamp_) max_timestamp_ = timestamp_ms;
                return append_status::appended;
            }
            buf_.resize(start);  // a writer wrote another size than it declared: write it the general way
        }
        const std::size_t start = buf_.size();
        if (count_ == 0) base_timestamp_ = timestamp_ms;
        // Body first, at start + 5 (room for the widest length varint), then the length in front.
        buf_.extend(5);
        buf_.push_back(0);  // record attributes
        {
            byte tmp[20];
            byte* e = detail::put_uvarint(tmp, detail::zigzag64(timestamp_ms - base_timestamp_));
            e = detail::put_uvarint(e, detail::zigzag64(count_));
            buf_.append(tmp, static_cast<std::size_t>(e - tmp));
        }
        detail::write_field(buf_, key);
        detail::write_field(buf_, value);
        {
            byte tmp[10];
            byte* e = detail::put_uvarint(tmp, detail::zigzag64(static_cast<std::int64_t>(headers.size())));
            buf_.append(tmp, static_cast<std::size_t>(e - tmp));
        }
        for (const auto& h : headers) {
            bytes_view k = as_bytes(h.key);
            detail::write_field(buf_, k);
            if (h.value) detail::write_field(buf_, *h.value);
            else buf_.push_back(1);
        }
        const std::size_t body = buf_.size() - start - 5;
        byte tmp[10];
        byte* e = detail::put_uvarint(tmp, detail::zigzag64(static_cast<std::int64_t>(body)));
        const std::size_t vlen = static_cast<std::size_t>(e - tmp);
        std::memmove(buf_.data() + start + vlen, buf_.data() + start + 5, body);
        std::memcpy(buf_.data() + start, tmp, vlen);
        buf_.resize(start + vlen + body);
        if (count_ > 0 && buf_.size() > size_limit) {
            buf_.resize(start);
            return append_status::full;
        }
        ++count_;
        if (timestamp_ms > max_timestamp_) max_timestamp_ = timestamp_ms;
        return append_status::appended;
    }

    // Seals the batch: compresses the records if asked, fills the header and CRC. The returned
    // bytes stay valid until reset() or the next finish().
    result<bytes_view> finish(const batch_finish_params& p) {
        namespace rl = record_layout;
        if (!finished_) records_end_ = buf_.size();
        // Where the plain records live: in buf_ until a finish compressed them; from then on
        // uncompressed_ holds header and plain records, so any later finish starts from them.
        const bool plain_in_buf = !finished_ || codec_ == compression_codec::none;
        if (p.codec != compression_codec::none) {
            if (plain_in_buf || codec_ != p.codec) {
                if (plain_in_buf) std::swap(buf_, uncompressed_);  // no copy of the records
                buf_.clear();
                buf_.append(bytes_view(uncompressed_.data(), rl::header_size));
                auto c = compress(p.codec, bytes_view(uncompressed_.data() + rl::header_size, records_end_ - rl::header_size), buf_,
                                  p.compression_level);
                if (!c) {
                    // The batch stays as it was before the call, uncompressed.
                    std::swap(buf_, uncompressed_);
                    codec_ = compression_codec::none;
                    return std::move(c).err();
                }
            }
        } else if (!plain_in_buf) {
            std::swap(buf_, uncompressed_);
        }
        finished_ = true;
        codec_ = p.codec;
        byte* h = buf_.data();
        detail::store_be(h + rl::base_offset, 0, 8);
        detail::store_be(h + rl::batch_length, static_cast<std::uint32_t>(buf_.size() - 12), 4);
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

    // Rewrites producer id, epoch and base sequence of a finished batch and its CRC: an
    // idempotent producer that bumped its epoch resends old batches with new ids, unchanged.
    bytes_view restamp(std::int64_t producer_id_v, std::int16_t producer_epoch_v, std::int32_t base_sequence_v) {
        namespace rl = record_layout;
        byte* h = buf_.data();
        detail::store_be(h + rl::producer_id, static_cast<std::uint64_t>(producer_id_v), 8);
        detail::store_be(h + rl::producer_epoch, static_cast<std::uint16_t>(producer_epoch_v), 2);
        detail::store_be(h + rl::base_sequence, static_cast<std::uint32_t>(base_sequence_v), 4);
        detail::store_be(h + rl::crc, crc32c(h + rl::attributes, buf_.size() - rl::attributes), 4);
        return buf_.view();
    }

    std::int32_t base_sequence() const noexcept {
        return static_cast<std::int32_t>(detail::load_be(buf_.data() + record_layout::base_sequence, 4));
    }
    bytes_view bytes() const noexcept { return buf_.view(); }

private:
    byte_buffer buf_;
    byte_buffer uncompressed_;
    std::int32_t count_ = 0;
    std::int64_t base_timestamp_ = 0;
    std::int64_t max_timestamp_ = -1;
    std::size_t records_end_ = 0;
    bool finished_ = false;
    compression_codec codec_ = compression_codec::none;
};

KCORO_NAMESPACE_END
