// Arbitrary bytes as what a connection received: split them into response frames the way a
// pipelining reader does, then read each frame's header and body as a Metadata or Produce
// response. Splitting must account for every byte it consumes and never read past the input.
#include <kcoro/kcoro.hpp>

#include <cstddef>
#include <cstdint>

namespace {
template <class Req>
void decode(kcoro::bytes_view body, std::uint8_t v, std::int32_t correlation_id) {
    const int span = Req::max_version - Req::min_version + 1;
    const auto version = static_cast<std::int16_t>(Req::min_version + v % span);
    auto out = kcoro::decode_response_frame<Req>(body, version, correlation_id);
    (void)out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t choice = data[0];
    // A small limit lets the fuzzer reach the "too large" path with short inputs.
    const std::size_t limit = (choice & 0x80) ? 64 : kcoro::default_max_response_frame_size;
    kcoro::bytes_view rest(data + 1, size - 1);
    while (true) {
        auto need = kcoro::response_frame_bytes_needed(rest, limit);
        auto split = kcoro::split_response_frame(rest, limit);
        if (static_cast<bool>(need) != static_cast<bool>(split)) __builtin_trap();
        if (!split) break;
        if (!*split) {
            // Incomplete: exactly when fewer bytes are there than needed.
            if (*need <= rest.size()) __builtin_trap();
            break;
        }
        const auto& f = **split;
        if (f.size != *need || f.size > rest.size() || f.size < 8 || f.body.size() + 4 != f.size) __builtin_trap();
        if (f.body.data() != rest.data() + 4) __builtin_trap();
        const auto c = static_cast<std::uint32_t>(f.body[0]) << 24 | static_cast<std::uint32_t>(f.body[1]) << 16 |
                       static_cast<std::uint32_t>(f.body[2]) << 8 | f.body[3];
        if (static_cast<std::int32_t>(c) != f.correlation_id) __builtin_trap();
        switch (choice % 3) {
            case 0: decode<kcoro::metadata_request>(f.body, choice >> 2, f.correlation_id); break;
            case 1: decode<kcoro::produce_request>(f.body, choice >> 2, f.correlation_id); break;
            default: decode<kcoro::api_versions_request>(f.body, choice >> 2, f.correlation_id); break;
        }
        rest = rest.subspan(f.size);
    }
    return 0;
}
