#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <string>
#include <typeinfo>

#define KCORO_TEST_STR2(x) #x
#define KCORO_TEST_STR(x) KCORO_TEST_STR2(x)

TEST_CASE("the version string and the ABI namespace are made from the version macros") {
    const std::string version = std::to_string(KCORO_VERSION_MAJOR) + "." + std::to_string(KCORO_VERSION_MINOR) + "." +
                                std::to_string(KCORO_VERSION_PATCH);
    CHECK(std::string(KCORO_VERSION_STRING) == version);

    // v<major>_<minor>_f<zstd><lz4><zlib><snappy><openssl>, in the mangled name of a kcoro type.
    const std::string ns = "v" + std::to_string(KCORO_VERSION_MAJOR) + "_" + std::to_string(KCORO_VERSION_MINOR) + "_f" +
                           std::to_string(KCORO_HAS_ZSTD) + std::to_string(KCORO_HAS_LZ4) + std::to_string(KCORO_HAS_ZLIB) +
                           std::to_string(KCORO_HAS_SNAPPY) + std::to_string(KCORO_HAS_OPENSSL);
    CHECK(std::string(KCORO_TEST_STR(KCORO_ABI_NS)) == ns);
    CHECK(std::string(typeid(kcoro::producer_config).name()).find(ns) != std::string::npos);
}
