// Reads hex-encoded keys, one per line, and prints "<murmur2> <partition>" per key for the
// partition count given as argv[1] - the same output as tools/java/Murmur2Check.java.
#include <kcoro/kcoro.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {
int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || std::atoi(argv[1]) <= 0) {
        std::fprintf(stderr, "usage: %s PARTITIONS < hex-keys\n", argv[0]);
        return 2;
    }
    const int partitions = std::atoi(argv[1]);
    std::string line;
    std::vector<kcoro::byte> key;
    while (std::getline(std::cin, line)) {
        if (line.size() % 2 != 0) {
            std::fprintf(stderr, "odd number of hex digits: %s\n", line.c_str());
            return 1;
        }
        key.clear();
        for (std::size_t i = 0; i < line.size(); i += 2) {
            const int hi = hex_digit(line[i]), lo = hex_digit(line[i + 1]);
            if (hi < 0 || lo < 0) {
                std::fprintf(stderr, "not hex: %s\n", line.c_str());
                return 1;
            }
            key.push_back(static_cast<kcoro::byte>(hi * 16 + lo));
        }
        const kcoro::bytes_view b(key.data(), key.size());
        std::printf("%d %d\n", kcoro::murmur2(b), kcoro::murmur2_partition(b, partitions));
    }
    return 0;
}
