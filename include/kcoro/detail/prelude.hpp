// kcoro: version, feature macros and the ABI namespace shared by every header.
// SPDX-License-Identifier: MIT
#pragma once

// The three numbers of the file VERSION (tools/version.py writes them; CMake refuses to configure
// when they differ).
#define KCORO_VERSION_MAJOR 0
#define KCORO_VERSION_MINOR 1
#define KCORO_VERSION_PATCH 0
#define KCORO_VERSION_STR2(x) #x
#define KCORO_VERSION_STR1(a, b, c) KCORO_VERSION_STR2(a) "." KCORO_VERSION_STR2(b) "." KCORO_VERSION_STR2(c)
// "MAJOR.MINOR.PATCH", as ApiVersions reports it to brokers.
#define KCORO_VERSION_STRING KCORO_VERSION_STR1(KCORO_VERSION_MAJOR, KCORO_VERSION_MINOR, KCORO_VERSION_PATCH)

// Optional codecs: the build system defines these to 1 when the library is linked.
#ifndef KCORO_HAS_ZSTD
#define KCORO_HAS_ZSTD 0
#endif
#ifndef KCORO_HAS_LZ4
#define KCORO_HAS_LZ4 0
#endif
#ifndef KCORO_HAS_ZLIB
#define KCORO_HAS_ZLIB 0
#endif
#ifndef KCORO_HAS_SNAPPY
#define KCORO_HAS_SNAPPY 0
#endif

#ifndef KCORO_HAS_OPENSSL
#define KCORO_HAS_OPENSSL 0
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define KCORO_HAS_EXCEPTIONS 1
#else
#define KCORO_HAS_EXCEPTIONS 0
#endif

// Behaviour depends on the codec macros, so two copies of kcoro configured differently in one
// program must not share symbol names: the inline namespace carries version and feature tags,
// v<major>_<minor>_f<zstd><lz4><zlib><snappy><openssl> (v0_1_f11110), made from the macros above.
#define KCORO_ABI_CAT(a, b, c, d, e, f, g, h, i, j) a##b##c##d##e##f##g##h##i##j
#define KCORO_ABI_NAME(major, minor, z, l, g, s, o) KCORO_ABI_CAT(v, major, _, minor, _f, z, l, g, s, o)
#define KCORO_ABI_NS                                                                                         \
    KCORO_ABI_NAME(KCORO_VERSION_MAJOR, KCORO_VERSION_MINOR, KCORO_HAS_ZSTD, KCORO_HAS_LZ4, KCORO_HAS_ZLIB, \
                   KCORO_HAS_SNAPPY, KCORO_HAS_OPENSSL)

#define KCORO_NAMESPACE_BEGIN \
    namespace kcoro {         \
    inline namespace KCORO_ABI_NS {
#define KCORO_NAMESPACE_END \
    }                       \
    }

#if defined(__GNUC__) || defined(__clang__)
#define KCORO_LIKELY(x) __builtin_expect(!!(x), 1)
#define KCORO_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define KCORO_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define KCORO_LIKELY(x) (x)
#define KCORO_UNLIKELY(x) (x)
#define KCORO_ALWAYS_INLINE inline
#endif
