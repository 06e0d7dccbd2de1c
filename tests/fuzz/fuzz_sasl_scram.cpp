// Feeds arbitrary server-first and server-final messages to the SCRAM parsers.
#include <kcoro/kcoro.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    constexpr std::string_view client_nonce = "fyko+d2lbbFgONRv9qkxdawL";
    if (auto first = kcoro::parse_scram_server_first(in, client_nonce)) {
        // What parses must satisfy the checks the exchange relies on.
        if (first->nonce.compare(0, client_nonce.size(), client_nonce) != 0) __builtin_trap();
        if (first->nonce.size() <= client_nonce.size() || first->salt.empty()) __builtin_trap();
        if (first->iterations < kcoro::scram_min_iterations || first->iterations > kcoro::scram_max_iterations)
            __builtin_trap();
    }
    if (auto last = kcoro::parse_scram_server_final(in)) {
        if (last->verifier.empty() == last->server_error.empty()) __builtin_trap();
    }
    return 0;
}
