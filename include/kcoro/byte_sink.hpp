// The byte sink concept: where serializers write the bytes of a key or value. The record batch
// builder hands serializers a sink that appends straight into the batch, so values are written
// once, in place, with no temporary buffer.
#pragma once

#include "bytes.hpp"
#include "detail/prelude.hpp"

#include <concepts>
#include <cstddef>

KCORO_NAMESPACE_BEGIN

template <class S>
concept byte_sink = requires(S& s, const void* p, std::size_t n, byte b) {
    { s.write(p, n) } -> std::same_as<void>;
    { s.put(b) } -> std::same_as<void>;
};

namespace detail {
// The least a sink offers; concepts check serializers against it, so a serializer that compiles
// against the archetype works with every sink kcoro hands it.
struct byte_sink_archetype {
    void write(const void*, std::size_t) {}
    void put(byte) {}
};
}  // namespace detail

// A sink appending to a byte_buffer (tests, and serializers composed of serializers).
struct buffer_sink {
    byte_buffer& out;
    void write(const void* p, std::size_t n) { out.append(p, n); }
    void put(byte b) { out.push_back(b); }
};

KCORO_NAMESPACE_END
