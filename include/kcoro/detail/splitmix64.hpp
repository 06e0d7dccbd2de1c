// The runtimes' random source: SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
// number generators", OOPSLA 2014). The engine draws from it for retry jitter and seeds, not for
// anything secret; one 64-bit word of state makes a runtime cheap to copy and a simulated run
// repeatable from its seed.
#pragma once

#include "prelude.hpp"

#include <cstdint>
#include <random>

KCORO_NAMESPACE_BEGIN
namespace detail {

class splitmix64 {
public:
    explicit constexpr splitmix64(std::uint64_t seed) noexcept : state_(seed) {}

    constexpr std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t state_;
};

// A seed from the system's entropy source, for a runtime that does not need to repeat a run.
inline std::uint64_t entropy_seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace detail
KCORO_NAMESPACE_END
