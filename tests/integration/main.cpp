#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    // Integration tests need a real broker; without one they fail loudly instead of skipping.
    if (std::getenv("KCORO_BOOTSTRAP") == nullptr) {
        std::fprintf(stderr, "KCORO_BOOTSTRAP is not set: start a broker with scripts/kafka start, or run scripts/test\n");
        return 2;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
