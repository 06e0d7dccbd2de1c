// Arbitrary bytes as a Metadata response: the first byte picks the version (1-13), the rest is the
// body. Rejecting is fine; crashing, reading out of bounds, allocating without bound or returning
// views outside the body is not.
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
    const auto version = static_cast<std::int16_t>(1 + data[0] % 13);
    const std::uint8_t* body = data + 1;
    const std::size_t n = size - 1;
    kcoro::wire_reader r(kcoro::bytes_view(body, n));
    auto out = kcoro::metadata_response::decode(r, version);
    if (!out) return 0;
    if (r.position() > n) __builtin_trap();
    // Every element took at least one byte of the body.
    if (out->brokers.size() > n || out->topics.size() > n) __builtin_trap();
    for (const auto& b : out->brokers) {
        if (!inside(b.host, body, n)) __builtin_trap();
        if (b.rack && !inside(*b.rack, body, n)) __builtin_trap();
    }
    for (const auto& t : out->topics) {
        if (t.name && !inside(*t.name, body, n)) __builtin_trap();
        if (version < 12 && !t.name) __builtin_trap();  // only v12+ may carry a null name
        for (const auto& p : t.partitions)
            if (p.partition_index < 0 || p.replica_nodes.size() * 4 > n || p.isr_nodes.size() * 4 > n) __builtin_trap();
    }
    return 0;
}
