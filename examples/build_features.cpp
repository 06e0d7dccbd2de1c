// Which optional parts this build of kcoro has: the codecs and OpenSSL are switched on by
// KCORO_HAS_* macros, which the package (CMake, meson, conan, vcpkg, pkg-config) defines for what
// it found and links. A producer asked for a codec the build lacks is refused at make_producer,
// naming the field, rather than failing its first batch.
//
//   build_features [bootstrap servers]      (default: 127.0.0.1:9092; nothing is sent)
#include <kcoro/kcoro.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    std::printf("kcoro %s\n", KCORO_VERSION_STRING);
    // [docs:codecs]
    for (auto codec : {kcoro::compression_codec::gzip, kcoro::compression_codec::snappy, kcoro::compression_codec::lz4,
                       kcoro::compression_codec::zstd})
        std::printf("%-6s %s\n", kcoro::codec_name(codec), kcoro::codec_available(codec) ? "yes" : "no");
    std::printf("TLS and SCRAM (OpenSSL): %s\n", KCORO_HAS_OPENSSL ? "yes" : "no");
    // [docs:end]

    // [docs:refused]
    kcoro::producer_config config{.bootstrap_servers = argc > 1 ? argv[1] : "127.0.0.1:9092"};
    config.compression = kcoro::compression_codec::zstd;
    kcoro::event_loop loop;
    auto p = kcoro::make_producer(loop, config);
    if (!p) std::printf("%s\n", p.err().message().c_str());  // compression: this build does not include that codec ...
    // [docs:end]
    return 0;
}
