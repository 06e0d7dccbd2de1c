// Kafka's wire primitives. wire_writer appends to a caller-owned buffer; wire_reader reads from a
// view and returns every value as a result, so truncated or malformed input is an error value,
// never undefined behaviour. Both take a `flexible` flag where Kafka's classic and compact
// (flexible-version) encodings differ, so a message's encode/decode is written once for all versions.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct uuid {
    std::array<byte, 16> bytes{};
    friend bool operator==(const uuid&, const uuid&) = default;
    bool is_zero() const noexcept {
        for (byte b : bytes)
            if (b != 0) return false;
        return true;
    }
};

// Bytes a request refers to instead of copying them: they belong in the frame at offset `at` of the
// written buffer. Record batches are spliced this way, so that a Produce request is sent from the
// batches' own memory with one gathering write.
struct spliced_bytes {
    std::size_t at;
    bytes_view bytes;
};

class wire_writer {
public:
    explicit wire_writer(byte_buffer& out) noexcept : out_(out) {}
    // With `splices`, large_bytes() records large blobs there instead of copying them; the caller
    // then owns putting them back in place (see spliced_bytes).
    wire_writer(byte_buffer& out, std::vector<spliced_bytes>* splices) noexcept : out_(out), splices_(splices) {}

    void i8(std::int8_t v) { out_.push_back(static_cast<byte>(v)); }
    void i16(std::int16_t v) { be(static_cast<std::uint16_t>(v), 2); }
    void i32(std::int32_t v) { be(static_cast<std::uint32_t>(v), 4); }
    void u32(std::uint32_t v) { be(v, 4); }
    void i64(std::int64_t v) { be(static_cast<std::uint64_t>(v), 8); }
    void f64(double v) {
        std::uint64_t bits;
        std::memcpy(&bits, &v, 8);
        be(bits, 8);
    }
    void boolean(bool v) { i8(v ? 1 : 0); }
    void uuid_value(const uuid& u) { out_.append(u.bytes.data(), 16); }

    void uvarint(std::uint64_t v) {
        while (v >= 0x80) {
            out_.push_back(static_cast<byte>(v | 0x80));
            v >>= 7;
        }
        out_.push_back(static_cast<byte>(v));
    }
    void varint(std::int32_t v) { uvarint((static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31)); }
    void varlong(std::int64_t v) { uvarint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }

    // Classic: int16 length; compact: uvarint length + 1.
    void string(std::string_view s, bool flexible) {
        length(static_cast<std::int64_t>(s.size()), flexible, false);
        out_.append(s);
    }
    void nullable_string(std::optional<std::string_view> s, bool flexible) {
        if (!s) length(-1, flexible, false);
        else string(*s, flexible);
    }
    // Classic: int32 length; compact: uvarint length + 1.
    void bytes(bytes_view b, bool flexible) {
        length(static_cast<std::int64_t>(b.size()), flexible, true);
        out_.append(b);
    }
    // Like bytes(), but a blob of at least splice_threshold bytes is spliced rather than copied when
    // the writer collects splices. The blob must outlive the write of the frame.
    static constexpr std::size_t splice_threshold = 512;
    void large_bytes(bytes_view b, bool flexible) {
        if (splices_ == nullptr || b.size() < splice_threshold) return bytes(b, flexible);
        length(static_cast<std::int64_t>(b.size()), flexible, true);
        splices_->push_back({out_.size(), b});
        spliced_size_ += b.size();
    }
    // Bytes spliced so far: the frame is position() + spliced_size() long.
    std::size_t spliced_size() const noexcept { return spliced_size_; }
    void nullable_bytes(std::optional<bytes_view> b, bool flexible) {
        if (!b) length(-1, flexible, true);
        else bytes(*b, flexible);
    }
    // Array length: classic int32 (-1 = null), compact uvarint n + 1 (0 = null).
    void array_length(std::int32_t n, bool flexible) { length(n, flexible, true); }
    // An empty tagged-field section (flexible versions only).
    void tagged_fields(bool flexible) {
        if (flexible) uvarint(0);
    }
    void raw(bytes_view b) { out_.append(b); }

    std::size_t position() const noexcept { return out_.size(); }
    void patch_i32(std::size_t at, std::int32_t v) noexcept {
        const auto u = static_cast<std::uint32_t>(v);
        out_[at] = static_cast<byte>(u >> 24);
        out_[at + 1] = static_cast<byte>(u >> 16);
        out_[at + 2] = static_cast<byte>(u >> 8);
        out_[at + 3] = static_cast<byte>(u);
    }
    byte_buffer& buffer() noexcept { return out_; }

private:
    void be(std::uint64_t v, int n) {
        byte* p = out_.extend(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) p[i] = static_cast<byte>(v >> (8 * (n - 1 - i)));
    }
    void length(std::int64_t n, bool flexible, bool wide) {
        if (flexible) uvarint(static_cast<std::uint64_t>(n + 1));
        else if (wide) i32(static_cast<std::int32_t>(n));
        else i16(static_cast<std::int16_t>(n));
    }
    byte_buffer& out_;
    std::vector<spliced_bytes>* splices_ = nullptr;
    std::size_t spliced_size_ = 0;
};

class wire_reader {
public:
    explicit wire_reader(bytes_view in) noexcept : in_(in) {}

    std::size_t remaining() const noexcept { return in_.size() - pos_; }
    std::size_t position() const noexcept { return pos_; }
    bool empty() const noexcept { return remaining() == 0; }

    result<std::int8_t> i8() {
        KCORO_TRY_ASSIGN(auto v, be(1));
        return static_cast<std::int8_t>(v);
    }
    result<std::int16_t> i16() {
        KCORO_TRY_ASSIGN(auto v, be(2));
        return static_cast<std::int16_t>(v);
    }
    result<std::int32_t> i32() {
        KCORO_TRY_ASSIGN(auto v, be(4));
        return static_cast<std::int32_t>(v);
    }
    result<std::uint32_t> u32() {
        KCORO_TRY_ASSIGN(auto v, be(4));
        return static_cast<std::uint32_t>(v);
    }
    result<std::int64_t> i64() {
        KCORO_TRY_ASSIGN(auto v, be(8));
        return static_cast<std::int64_t>(v);
    }
    result<double> f64() {
        KCORO_TRY_ASSIGN(auto v, be(8));
        double d;
        std::memcpy(&d, &v, 8);
        return d;
    }
    result<bool> boolean() {
        KCORO_TRY_ASSIGN(auto v, be(1));
        return v != 0;
    }
    result<uuid> uuid_value() {
        if (remaining() < 16) return errc::truncated;
        uuid u;
        std::memcpy(u.bytes.data(), in_.data() + pos_, 16);
        pos_ += 16;
        return u;
    }

    // At most 10 bytes (64 bits); longer encodings or values past 64 bits are malformed.
    result<std::uint64_t> uvarint() { return uvarint_within(10, ~0ULL); }
    // Unsigned 32-bit varint (compact lengths, tagged-field counts, tags and sizes): at most five
    // bytes, as Kafka's ByteUtils reads them; a longer encoding is malformed even if its value fits.
    result<std::uint64_t> uvarint32() { return uvarint_within(5, 0xffffffffULL); }
    result<std::int32_t> varint() {
        KCORO_TRY_ASSIGN(auto u, uvarint32());
        const auto x = static_cast<std::uint32_t>(u);
        return static_cast<std::int32_t>((x >> 1) ^ (~(x & 1) + 1));
    }
    result<std::int64_t> varlong() {
        KCORO_TRY_ASSIGN(auto u, uvarint());
        return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
    }

    result<std::optional<std::string_view>> nullable_string(bool flexible) {
        KCORO_TRY_ASSIGN(auto n, length(flexible, false));
        if (n == -1) return std::optional<std::string_view>{};
        std::string_view s(reinterpret_cast<const char*>(in_.data() + pos_), static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return std::optional<std::string_view>(s);
    }
    result<std::string_view> string(bool flexible) {
        KCORO_TRY_ASSIGN(auto s, nullable_string(flexible));
        if (!s) return error(errc::malformed_response, "null where a string is required");
        return *s;
    }
    result<std::optional<bytes_view>> nullable_bytes(bool flexible) {
        KCORO_TRY_ASSIGN(auto n, length(flexible, true));
        if (n == -1) return std::optional<bytes_view>{};
        bytes_view v = in_.subspan(pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return std::optional<bytes_view>(v);
    }
    result<bytes_view> bytes(bool flexible) {
        KCORO_TRY_ASSIGN(auto b, nullable_bytes(flexible));
        if (!b) return error(errc::malformed_response, "null where bytes are required");
        return *b;
    }
    // Element count of an array that may not be null. Counts larger than the bytes left are
    // rejected at once (every element takes at least one byte), so a hostile count cannot make a
    // decoder reserve gigabytes.
    result<std::int32_t> array_length(bool flexible) {
        KCORO_TRY_ASSIGN(auto n, nullable_array_length(flexible));
        if (n < 0) return error(errc::malformed_response, "null where an array is required");
        return n;
    }
    // -1 for null.
    result<std::int32_t> nullable_array_length(bool flexible) {
        std::int64_t n;
        if (flexible) {
            KCORO_TRY_ASSIGN(auto u, uvarint32());
            if (u > 0x7fffffffULL) return errc::malformed_response;
            n = static_cast<std::int64_t>(u) - 1;
        } else {
            KCORO_TRY_ASSIGN(auto s, i32());
            n = s;
        }
        if (n < -1) return errc::malformed_response;
        if (n > static_cast<std::int64_t>(remaining())) return errc::truncated;
        return static_cast<std::int32_t>(n);
    }
    // Skips a tagged-field section (flexible versions only); `on_tag` may consume known tags:
    // it gets (tag, a reader over the field's bytes) and returns result<void>.
    template <class F>
    result<void> tagged_fields(bool flexible, F&& on_tag) {
        if (!flexible) return ok();
        KCORO_TRY_ASSIGN(auto count, uvarint32());
        if (count > remaining()) return errc::truncated;
        for (std::uint64_t i = 0; i < count; ++i) {
            KCORO_TRY_ASSIGN(auto tag, uvarint32());
            KCORO_TRY_ASSIGN(auto size, uvarint32());
            if (size > remaining()) return errc::truncated;
            wire_reader field(in_.subspan(pos_, static_cast<std::size_t>(size)));
            pos_ += static_cast<std::size_t>(size);
            KCORO_TRY(on_tag(tag, field));
        }
        return ok();
    }
    result<void> tagged_fields(bool flexible) {
        return tagged_fields(flexible, [](std::uint64_t, wire_reader&) { return ok(); });
    }
    result<bytes_view> raw(std::size_t n) {
        if (n > remaining()) return errc::truncated;
        bytes_view v = in_.subspan(pos_, n);
        pos_ += n;
        return v;
    }

private:
    result<std::uint64_t> uvarint_within(int max_bytes, std::uint64_t max_value) {
        std::uint64_t v = 0;
        for (int i = 0, shift = 0; i < max_bytes; ++i, shift += 7) {
            if (pos_ >= in_.size()) return errc::truncated;
            const byte b = in_[pos_++];
            const std::uint64_t bits = static_cast<std::uint64_t>(b & 0x7f);
            if (shift == 63 && bits > 1) return errc::malformed_response;  // past 64 bits
            v |= bits << shift;
            if ((b & 0x80) == 0) {
                if (v > max_value) return errc::malformed_response;
                return v;
            }
        }
        return errc::malformed_response;
    }

    result<std::uint64_t> be(int n) {
        if (remaining() < static_cast<std::size_t>(n)) return errc::truncated;
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i) v = (v << 8) | in_[pos_++];
        return v;
    }
    // -1 for null; otherwise a length that fits in what is left.
    result<std::int64_t> length(bool flexible, bool wide) {
        std::int64_t n;
        if (flexible) {
            KCORO_TRY_ASSIGN(auto u, uvarint32());
            if (u > 0x7fffffffULL) return errc::malformed_response;
            n = static_cast<std::int64_t>(u) - 1;
        } else if (wide) {
            KCORO_TRY_ASSIGN(auto s, i32());
            n = s;
        } else {
            KCORO_TRY_ASSIGN(auto s, i16());
            n = s;
        }
        if (n < -1) return errc::malformed_response;
        if (n > static_cast<std::int64_t>(remaining())) return errc::truncated;
        return n;
    }

    bytes_view in_;
    std::size_t pos_ = 0;
};

KCORO_NAMESPACE_END
