// A consumer of an installed kcoro package, as conan's test_package and the vcpkg port's check
// build it. It uses every optional part the package was built with (each codec round-trips a
// buffer through its library, OpenSSL makes a SCRAM nonce, the Asio adapter runs a runtime on an
// io_context) and fails unless those parts are exactly the ones named on its command line:
//
//   test_package [zstd] [lz4] [zlib] [snappy] [openssl] [asio]
#include <kcoro/kcoro.hpp>
#if KCORO_HAS_ASIO
#include <kcoro/asio.hpp>
#endif

#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

namespace {

bool round_trips(kcoro::compression_codec codec) {
    const std::string text(4096, 'k');
    kcoro::byte_buffer packed, unpacked;
    if (!kcoro::compress(codec, kcoro::as_bytes(text), packed)) return false;
    if (!kcoro::decompress(codec, packed.view(), unpacked)) return false;
    return unpacked.size() == text.size() && std::memcmp(unpacked.data(), text.data(), text.size()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::set<std::string> built;
    bool working = true;
    const kcoro::compression_codec codecs[] = {kcoro::compression_codec::zstd, kcoro::compression_codec::lz4,
                                               kcoro::compression_codec::gzip, kcoro::compression_codec::snappy};
    const char* part_of[] = {"zstd", "lz4", "zlib", "snappy"};
    for (std::size_t i = 0; i < 4; ++i) {
        if (!kcoro::codec_available(codecs[i])) continue;
        built.insert(part_of[i]);
        if (!round_trips(codecs[i])) {
            std::printf("%s does not round-trip\n", part_of[i]);
            working = false;
        }
    }
#if KCORO_HAS_OPENSSL
    built.insert("openssl");
    auto scram = kcoro::scram_client::create(kcoro::scram_algorithm::sha256, "user", "password");
    if (!scram || !scram->client_first()) {
        std::printf("openssl: no SCRAM client-first message\n");
        working = false;
    }
#endif
#if KCORO_HAS_ASIO
    built.insert("asio");
    asio::io_context io;
    kcoro::asio_runtime runtime(io.get_executor());
    (void)runtime;
    io.poll();
#endif

    const std::set<std::string> wanted(argv + 1, argv + argc);
    std::string list;
    for (const auto& p : built) list += " " + p;
    std::printf("kcoro %s, built with:%s\n", KCORO_VERSION_STRING, list.empty() ? " no optional part" : list.c_str());
    if (built != wanted) {
        std::string want;
        for (const auto& p : wanted) want += " " + p;
        std::printf("expected:%s\n", want.empty() ? " no optional part" : want.c_str());
        return 1;
    }
    return working ? 0 : 1;
}
