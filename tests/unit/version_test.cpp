#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <string>
#include <typeinfo>

namespace version_test {

#define KCORO_TEST_STR2(x) #x
#define KCORO_TEST_STR(x) KCORO_TEST_STR2(x)

TEST_CASE("the version string and the ABI namespace are made from the version macros") {
    const std::string version = std::to_string(KCORO_VERSION_MAJOR) + "." + std::to_string(KCORO_VERSION_MINOR) + "." +
                                std::to_string(KCORO_VERSION_PATCH);
    CHECK(std::string(KCORO_VERSION_STRING) == version);

    // v<major>_<minor>_f<zstd><lz4><zlib><snappy><openssl>, in the mangled name of a kcoro type.
    // Appended rather than "v" + std::string&&, which g++ 12 at -O3 warns of (GCC bug 105329).
    std::string ns("v");
    ns.append(std::to_string(KCORO_VERSION_MAJOR)).append("_").append(std::to_string(KCORO_VERSION_MINOR)).append("_f");
    for (int has : {KCORO_HAS_ZSTD, KCORO_HAS_LZ4, KCORO_HAS_ZLIB, KCORO_HAS_SNAPPY, KCORO_HAS_OPENSSL}) ns.append(std::to_string(has));
    CHECK(std::string(KCORO_TEST_STR(KCORO_ABI_NS)) == ns);
    CHECK(std::string(typeid(kcoro::producer_config).name()).find(ns) != std::string::npos);
}

}  // namespace version_test
