// The producer engine for kcoro's event loop, compiled once for kcoro's own tests, examples,
// tools and benchmarks when they are built with KCORO_SEPARATE_COMPILATION (the CMake option of
// that name); a program of a user's does the same in one file of its own.
#include <kcoro/impl/src.hpp>
