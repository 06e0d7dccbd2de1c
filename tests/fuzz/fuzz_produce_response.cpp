// Arbitrary bytes as a Produce response: the first byte picks the version (3-12), the rest is the
// body. Views must stay inside the body; fields a version does not carry keep their defaults.
#include <kcoro/kcoro.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
bool inside(std::string_view s, const std::uint8_t* b, std::size_t n) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    return s.empty() || (p >= b && p + s.size() <= b + n);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto version = static_cast<std::int16_t>(3 + data[0] % 10);
    const std::uint8_t* body = data + 1;
    const std::size_t n = size - 1;
    kcoro::wire_reader r(kcoro::bytes_view(body, n));
    auto out = kcoro::produce_response::decode(r, version);
    if (!out) return 0;
    if (out->topics.size() > n) __builtin_trap();
    for (const auto& t : out->topics) {
        if (!inside(t.name, body, n)) __builtin_trap();
        for (const auto& p : t.partitions) {
            if (version < 5 && p.log_start_offset != -1) __builtin_trap();
            if (version < 8 && (!p.record_errors.empty() || p.error_message)) __builtin_trap();
            if (version < 10 && (p.current_leader_id != -1 || p.current_leader_epoch != -1)) __builtin_trap();
            if (p.error_message && !inside(*p.error_message, body, n)) __builtin_trap();
            for (const auto& e : p.record_errors)
                if (e.message && !inside(*e.message, body, n)) __builtin_trap();
        }
    }
    return 0;
}
