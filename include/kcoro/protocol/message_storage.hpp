// How a generated message holds what it carries. Each message is a template over one of these:
//
//   spans_storage   what a sender fills: strings, bytes and arrays are views of the sender's memory
//                   (a request the client encodes, a response a broker encodes without allocating);
//   frame_storage   what a decoder fills: arrays it owns, strings and bytes that point into the frame,
//                   which the message then carries in owned_frame;
//   owning_storage  what a decoder fills when the message outlives its frame: everything copied.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

// A message that points into no frame has none to keep: one handed to it is dropped.
struct no_frame {
    no_frame& operator=(byte_buffer&&) noexcept { return *this; }
};

struct spans_storage {
    using string = std::string_view;
    using bytes = bytes_view;
    template <class T>
    using array = std::span<const T>;
    using frame = no_frame;
};

struct frame_storage {
    using string = std::string_view;
    using bytes = bytes_view;
    template <class T>
    using array = std::vector<T>;
    // Moving a byte_buffer keeps its bytes where they are, so the views stay valid.
    using frame = byte_buffer;
};

struct owning_storage {
    using string = std::string;
    using bytes = byte_buffer;
    template <class T>
    using array = std::vector<T>;
    using frame = no_frame;
};

// The same message over another storage: with_storage_t<produce_request, frame_storage> is the
// request as a broker decodes it.
template <class M, class S>
struct with_storage;
template <template <class> class Message, class From, class S>
struct with_storage<Message<From>, S> {
    using type = Message<S>;
};
template <class M, class S>
using with_storage_t = typename with_storage<M, S>::type;

KCORO_NAMESPACE_END
