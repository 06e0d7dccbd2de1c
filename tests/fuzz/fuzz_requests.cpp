// The broker's direction: arbitrary bytes as a request frame (request header, then body) of any API
// kcoro speaks, decoded by the generated broker side. Byte 0 is the API key, byte 1 picks the
// version; the rest is the frame. Rejecting is fine; crashing, reading out of bounds or allocating
// without bound is not. A decoded request, encoded again by the client side and decoded, must
// encode to the same bytes.
#include <kcoro/kcoro.hpp>
#include <kcoro/protocol/broker/messages.hpp>

#include <cstddef>
#include <cstdint>

namespace {

template <class Request>
kcoro::byte_buffer encoded(const Request& req, std::int16_t version) {
    kcoro::byte_buffer out;
    kcoro::wire_writer w(out);
    req.encode(w, version);
    return out;
}

template <class Req>
void decode(kcoro::bytes_view frame, std::uint8_t v) {
    using received = kcoro::with_storage_t<Req, kcoro::frame_storage>;
    const auto version = static_cast<std::int16_t>(Req::min_version + v % (Req::max_version - Req::min_version + 1));
    kcoro::wire_reader r(frame);
    kcoro::received_request_header header;
    if (!kcoro::decode_header(r, Req::request_header_version(version), header)) return;
    if (header.client_id && header.client_id->size() > frame.size()) __builtin_trap();
    received req;
    if (!kcoro::decode_request(r, version, req)) return;
    const auto once = encoded(req, version);
    kcoro::wire_reader again(once.view());
    received back;
    if (!kcoro::decode_request(again, version, back) || !again.empty()) __builtin_trap();
    if (encoded(back, version) != once) __builtin_trap();
}

template <class... Requests>
void dispatch(kcoro::api_list<Requests...>, std::int16_t api_key, kcoro::bytes_view frame, std::uint8_t v) {
    ((Requests::api_key == api_key ? decode<Requests>(frame, v) : void()), ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    dispatch(kcoro::kafka_apis{}, data[0], kcoro::bytes_view(data + 2, size - 2), data[1]);
    return 0;
}
