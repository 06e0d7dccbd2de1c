// CRC-32C (Castagnoli): known vectors (RFC 3720 B.4), a bit-at-a-time reference written here,
// and the hardware path against the portable one on random data, lengths and alignments.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace crc32c_test {

// Bit by bit, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF.
std::uint32_t crc32c_bitwise(const unsigned char* p, std::size_t n) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

TEST_CASE("crc32c_test: RFC 3720 and check vectors") {
    std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), ascending(32), descending(32);
    for (int i = 0; i < 32; ++i) {
        ascending[static_cast<std::size_t>(i)] = static_cast<unsigned char>(i);
        descending[static_cast<std::size_t>(i)] = static_cast<unsigned char>(31 - i);
    }
    const std::string_view check = "123456789";
    struct vec {
        const void* p;
        std::size_t n;
        std::uint32_t crc;
    };
    const vec vectors[] = {
        {zeros.data(), 32, 0x8A9136AAu},
        {ones.data(), 32, 0x62A8AB43u},
        {ascending.data(), 32, 0x46DD794Eu},
        {descending.data(), 32, 0x113FDB5Cu},
        {check.data(), check.size(), 0xE3069283u},
        {check.data(), 0, 0x00000000u},
    };
    for (const auto& v : vectors) {
        CHECK(kcoro::crc32c(v.p, v.n) == v.crc);
        CHECK(kcoro::crc32c_portable(v.p, v.n) == v.crc);
        CHECK(crc32c_bitwise(static_cast<const unsigned char*>(v.p), v.n) == v.crc);
    }
}

TEST_CASE("crc32c_test: continuing a CRC equals the CRC of the concatenation") {
    const std::string_view s = "The quick brown fox jumps over the lazy dog, and then some more bytes";
    const auto whole = kcoro::crc32c(s.data(), s.size());
    CHECK(whole == crc32c_bitwise(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
        const auto first = kcoro::crc32c(s.data(), cut);
        CHECK(kcoro::crc32c(s.data() + cut, s.size() - cut, first) == whole);
        CHECK(kcoro::crc32c_portable(s.data() + cut, s.size() - cut, kcoro::crc32c_portable(s.data(), cut)) == whole);
    }
}

TEST_CASE("crc32c_test: dispatching, portable and bitwise agree on random lengths and misaligned starts") {
    std::mt19937 rng(12345);
    std::vector<unsigned char> buf(4096 + 16);
    for (auto& b : buf) b = static_cast<unsigned char>(rng());
    INFO("hardware accelerated: " << kcoro::crc32c_hardware_accelerated());
    // Every length 0..80 at every offset 0..15 (covers the 8-byte loop and every tail).
    for (std::size_t off = 0; off < 16; ++off)
        for (std::size_t n = 0; n <= 80; ++n) {
            const auto expected = crc32c_bitwise(buf.data() + off, n);
            CHECK(kcoro::crc32c(buf.data() + off, n) == expected);
            CHECK(kcoro::crc32c_portable(buf.data() + off, n) == expected);
        }
    // Random lengths up to 4096 at random offsets.
    std::uniform_int_distribution<std::size_t> len(0, 4096), offset(0, 15);
    for (int i = 0; i < 300; ++i) {
        const std::size_t n = len(rng), off = offset(rng);
        const auto expected = crc32c_bitwise(buf.data() + off, n);
        CHECK(kcoro::crc32c(buf.data() + off, n) == expected);
        CHECK(kcoro::crc32c_portable(buf.data() + off, n) == expected);
    }
    CHECK(kcoro::crc32c(buf.data(), 4096) == crc32c_bitwise(buf.data(), 4096));
}

TEST_CASE("crc32c_test: long inputs, cut into lanes on the hardware path, match the bitwise reference") {
    std::mt19937 rng(777);
    std::vector<unsigned char> buf(200000 + 16);
    for (auto& b : buf) b = static_cast<unsigned char>(rng());
    // Lengths around the lane boundaries (3 x 256 and 3 x 2048 bytes) and well beyond them.
    std::vector<std::size_t> lengths;
    for (std::size_t edge : {std::size_t{768}, std::size_t{1536}, std::size_t{6144}, std::size_t{12288},
                             std::size_t{16384}, std::size_t{6144 + 768}})
        for (std::size_t d = 0; d < 10; ++d) {
            lengths.push_back(edge + d);
            lengths.push_back(edge - d);
        }
    std::uniform_int_distribution<std::size_t> len(0, 200000), offset(0, 15);
    for (int i = 0; i < 20; ++i) lengths.push_back(len(rng));
    lengths.push_back(200000);
    for (const std::size_t n : lengths) {
        const std::size_t off = offset(rng);
        INFO("length " << n << " offset " << off);
        const auto expected = crc32c_bitwise(buf.data() + off, n);
        CHECK(kcoro::crc32c(buf.data() + off, n) == expected);
        CHECK(kcoro::crc32c_portable(buf.data() + off, n) == expected);
        // Continuing from a previous CRC goes through the lanes too.
        const std::size_t cut = n / 3;
        CHECK(kcoro::crc32c(buf.data() + off + cut, n - cut, kcoro::crc32c(buf.data() + off, cut)) == expected);
    }
}

}  // namespace crc32c_test
