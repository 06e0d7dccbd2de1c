// What a user hands to send(): a record addressed to a topic, and what they get back.
#pragma once

#include "../detail/prelude.hpp"
#include "../record/record.hpp"
#include "field_view.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

KCORO_NAMESPACE_BEGIN

// A record of views: the key and value are serialized into the batch during send(), so the record
// and the objects it refers to need only live until send() has returned or its co_await has
// resumed. It is trivially destructible, which keeps `co_await p.send({...})` safe under g++ 12
// (see field_view.hpp).
template <class Key, class Value>
struct producer_record {
    std::string_view topic{};
    field_view<Key> key{};                       // none: partitioned without a key
    field_view<Value> value{};                   // none: a null value (a tombstone on compacted topics)
    std::span<const record_header> headers{};
    std::optional<std::int32_t> partition{};     // set: bypasses the partitioner
    std::optional<std::int64_t> timestamp{};     // milliseconds since the epoch; unset: now
};

// Where the broker put the record. `offset` is -1 with acks::none (the broker does not answer).
struct record_metadata {
    std::string_view topic{};                   // valid while the producer lives
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    std::int64_t timestamp = -1;                // create time, or the broker's log-append time
};

KCORO_NAMESPACE_END
