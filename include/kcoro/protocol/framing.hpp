// Request and response framing, sans-I/O: a whole size-prefixed request written in one pass, and
// a splitter that finds complete response frames in whatever bytes have arrived so far, so a
// connection can pipeline requests and match each response to its request by correlation id.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "kafka_request.hpp"
#include "wire.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

KCORO_NAMESPACE_BEGIN

// Larger size prefixes are refused before anything is buffered: a corrupt or hostile prefix must
// not make a connection wait for (or allocate) gigabytes. Brokers cap responses far below this.
inline constexpr std::size_t default_max_response_frame_size = std::size_t{1} << 30;

// Request header v2 (with tagged fields) for flexible request versions, v1 otherwise.
template <kafka_request Req>
constexpr std::int16_t request_header_version(std::int16_t version) noexcept {
    return version >= Req::first_flexible_version ? 2 : 1;
}

// Response header v1 (with tagged fields) for flexible versions, v0 otherwise; ApiVersions
// responses always use v0 so that a client of any version can read the broker's answer.
template <kafka_request Req>
constexpr std::int16_t response_header_version(std::int16_t version) noexcept {
    if constexpr (Req::api_key == 18) return 0;
    else return version >= Req::first_flexible_version ? 1 : 0;
}

// Appends one whole request frame (size, header, body) to `out`, which may already hold earlier
// frames: pipelined requests can be gathered in one buffer and written at once.
template <kafka_request Req>
void encode_request_frame(byte_buffer& out, const Req& req, std::int16_t version, std::int32_t correlation_id,
                          std::optional<std::string_view> client_id) {
    wire_writer w(out);
    const std::size_t start = w.position();
    w.i32(0);  // back-filled below
    w.i16(Req::api_key);
    w.i16(version);
    w.i32(correlation_id);
    // The client id stays a classic nullable string in header v2: brokers read it before they
    // know whether the version is flexible.
    w.nullable_string(client_id, false);
    w.tagged_fields(request_header_version<Req>(version) >= 2);
    req.encode(w, version);
    w.patch_i32(start, static_cast<std::int32_t>(w.position() - start - 4));
}

// One complete response frame found at the front of the received bytes.
struct response_frame {
    std::size_t size = 0;  // bytes it occupies, the 4-byte size prefix included: consume this many
    std::int32_t correlation_id = 0;
    bytes_view body;  // after the size prefix: the response header, then the response
};

// The front of `received`: a complete frame, or nullopt when more bytes are needed (then
// `response_frame_bytes_needed` says how many in total). A size prefix that cannot hold a
// correlation id, or exceeds `max_size`, is an error: the stream cannot be resynchronised.
inline result<std::optional<response_frame>> split_response_frame(
    bytes_view received, std::size_t max_size = default_max_response_frame_size) {
    if (received.size() < 4) return std::optional<response_frame>{};
    wire_reader r(received);
    KCORO_TRY_ASSIGN(const std::int32_t body_size, r.i32());
    if (body_size < 4) return error(errc::malformed_response, "response frame too short for a correlation id");
    if (static_cast<std::size_t>(body_size) > max_size)
        return error(errc::malformed_response, "response frame larger than the limit");
    const std::size_t total = 4 + static_cast<std::size_t>(body_size);
    if (received.size() < total) return std::optional<response_frame>{};
    response_frame f;
    f.size = total;
    f.body = received.subspan(4, static_cast<std::size_t>(body_size));
    KCORO_TRY_ASSIGN(f.correlation_id, r.i32());
    return std::optional<response_frame>(f);
}

// How many bytes from the front of `received` the next frame needs in all: 4 until its size prefix
// is there, then the whole frame. Errors as split_response_frame.
inline result<std::size_t> response_frame_bytes_needed(bytes_view received,
                                                       std::size_t max_size = default_max_response_frame_size) {
    if (received.size() < 4) return std::size_t{4};
    wire_reader r(received);
    KCORO_TRY_ASSIGN(const std::int32_t body_size, r.i32());
    if (body_size < 4) return error(errc::malformed_response, "response frame too short for a correlation id");
    if (static_cast<std::size_t>(body_size) > max_size)
        return error(errc::malformed_response, "response frame larger than the limit");
    return 4 + static_cast<std::size_t>(body_size);
}

// Reads the response header from a frame's body and decodes the response after it. The
// correlation id must be the one the request was sent with: a mismatch means the stream is out of
// step, and nothing on it can be trusted any more.
template <kafka_request Req>
result<typename Req::response_type> decode_response_frame(bytes_view body, std::int16_t version,
                                                          std::int32_t expected_correlation_id) {
    wire_reader r(body);
    KCORO_TRY_ASSIGN(const std::int32_t correlation_id, r.i32());
    if (correlation_id != expected_correlation_id)
        return error(errc::malformed_response, "response correlation id does not match the request");
    KCORO_TRY(r.tagged_fields(response_header_version<Req>(version) >= 1));
    return Req::response_type::decode(r, version);
}

KCORO_NAMESPACE_END
