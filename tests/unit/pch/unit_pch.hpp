// The headers every unit test includes, precompiled once per build (CMake and meson): parsing
// them took about two seconds of every test file's compile. Resolved through the target's include
// path, so the single-header test target precompiles the generated headers instead.
// No include guard: meson compiles this file as a main file, where #pragma once is an error.

#include <kcoro/kcoro.hpp>
#include <kcoro/avro.hpp>

#include <doctest/doctest.h>

// The single-header runs must compile the generated headers, not include/: one whose include path
// put include/ first would otherwise pass without testing them.
#if defined(KCORO_TEST_SINGLE_HEADER) && !defined(KCORO_SINGLE_HEADER_KCORO_DETAIL_PRELUDE_HPP)
#error "KCORO_TEST_SINGLE_HEADER is set, but <kcoro/kcoro.hpp> is not single_include's generated header"
#endif
