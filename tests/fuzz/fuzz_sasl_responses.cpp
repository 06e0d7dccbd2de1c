// Feeds arbitrary bytes to the SaslHandshake and SaslAuthenticate response decoders.
// Byte 0 picks the message and version; the rest is the response body.
#include <kcoro/kcoro.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const kcoro::bytes_view body(data + 1, size - 1);
    kcoro::wire_reader r(body);
    if (data[0] & 0x80) {
        auto out = kcoro::sasl_handshake_response::decode(r, static_cast<std::int16_t>(data[0] & 1));
        // Every mechanism consumed at least its 2-byte length.
        if (out && out->mechanisms.size() * 2 > body.size()) __builtin_trap();
    } else {
        auto out = kcoro::sasl_authenticate_response::decode(r, static_cast<std::int16_t>(data[0] % 3));
        if (out && out->auth_bytes.size() > body.size()) __builtin_trap();
    }
    return 0;
}
