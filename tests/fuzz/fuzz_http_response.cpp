// Arbitrary bytes as an HTTP/1.1 response, fed whole and in two pieces split where the first
// input byte says: both ways give the same outcome (the same body, or the same error), and
// nothing crashes or grows past the limits.
#include <kcoro/avro.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {
struct outcome {
    bool ok = false;
    std::string error;
    std::string body;
    int status = 0;
};

outcome run(std::string_view text, std::size_t split, bool head) {
    kcoro::http_limits limits;
    limits.max_head_bytes = 4096;
    limits.max_headers = 16;
    limits.max_body_bytes = 1 << 16;
    kcoro::http_response_parser p(limits);
    if (head) p.expect_no_body();
    outcome o;
    for (std::string_view piece : {text.substr(0, split), text.substr(split)}) {
        if (p.done()) break;
        auto n = p.feed(piece);
        if (!n) {
            o.error = n.err().detail();
            return o;
        }
        if (*n < piece.size()) break;
    }
    if (!p.done()) {
        auto f = p.finish();
        if (!f) {
            o.error = f.err().detail();
            return o;
        }
    }
    o.ok = true;
    o.status = p.response().status();
    o.body = std::string(p.response().body());
    if (o.body.size() > limits.max_body_bytes) __builtin_trap();
    return o;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const bool head = data[0] & 1;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t split = text.empty() ? 0 : (data[0] >> 1) % (text.size() + 1);
    const outcome whole = run(text, text.size(), head);
    const outcome pieces = run(text, split, head);
    if (whole.ok != pieces.ok || whole.error != pieces.error || whole.body != pieces.body || whole.status != pieces.status)
        __builtin_trap();
    return 0;
}
