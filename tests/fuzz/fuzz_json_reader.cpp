// Arbitrary bytes as JSON: the reader returns a document or an error with a position, never
// crashes, and never recurses past its depth limit (kept small here so deep inputs are reached).
#include <kcoro/avro.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
// Every value's offset lies inside the text.
bool offsets_inside(const kcoro::json_value& v, std::size_t size) {
    if (v.offset() >= size) return false;
    for (const kcoro::json_value& item : v.items())
        if (!offsets_inside(item, size)) return false;
    for (const kcoro::json_member& m : v.members())
        if (m.key_offset >= size || !offsets_inside(m.value, size)) return false;
    return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    kcoro::json_limits limits;
    limits.max_depth = 32;
    auto r = kcoro::parse_json(text, limits);
    if (r) {
        if (!offsets_inside(*r, size)) __builtin_trap();
    } else if (r.err().detail().find("line ") == std::string::npos) {
        __builtin_trap();  // every refusal says where
    }
    return 0;
}
