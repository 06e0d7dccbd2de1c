// Arbitrary bytes as an Avro schema: parsing returns a schema or an error that says where, and a
// schema's canonical form is itself a schema, with the same canonical form and fingerprint.
#include <kcoro/avro.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    kcoro::json_limits limits;
    limits.max_depth = 48;
    auto s = kcoro::avro::schema::parse(text, limits);
    if (!s) {
        if (s.err().detail().find("line ") == std::string::npos) __builtin_trap();
        return 0;
    }
    auto again = kcoro::avro::schema::parse(s->canonical_form());
    if (!again || again->canonical_form() != s->canonical_form() || again->fingerprint() != s->fingerprint()) __builtin_trap();
    if (kcoro::avro::fingerprint64(s->canonical_form()) != s->fingerprint()) __builtin_trap();
    return 0;
}
