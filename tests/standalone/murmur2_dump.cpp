// Reads hex-encoded keys, one per line, and prints "<murmur2> <partition>" per key for the
// partition count given as argv[1] - the same output as tools/java/Murmur2Check.java.
#include <kcoro/kcoro.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    const int partitions = argc > 1 ? std::atoi(argv[1]) : 6;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::vector<kcoro::byte> key;
        for (std::size_t i = 0; i + 1 < line.size(); i += 2) key.push_back(static_cast<kcoro::byte>(std::stoi(line.substr(i, 2), nullptr, 16)));
        const kcoro::bytes_view b(key.data(), key.size());
        std::printf("%d %d\n", kcoro::murmur2(b), kcoro::murmur2_partition(b, partitions));
    }
    return 0;
}
