// What a partitioner sees of one record and of its topic when it chooses the record's partition.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

// Returned by a partitioner that cannot choose (no partitions known); the producer then waits for
// metadata instead of sending.
inline constexpr std::int32_t no_partition = -1;

// Everything here is borrowed from the producer for the duration of one partition() call.
struct partition_context {
    std::string_view topic;
    // The serialized key; none when the record has no key. An engaged empty span is an empty key,
    // which Kafka (and the hash partitioners) tell apart from a null one.
    std::optional<bytes_view> key;
    std::int32_t partition_count = 0;
    // Partitions whose leader is known now, ascending. Empty: unknown, every partition is a candidate.
    std::span<const std::int32_t> available_partitions{};
    // Load per partition, indexed by partition id (bytes or batches waiting to be sent, whichever
    // the accumulator counts). Empty: no adaptive partitioning, choices are uniform.
    std::span<const std::size_t> queue_sizes{};
    // How many bytes uniform sticky partitioning sends to one partition before it moves on.
    std::size_t batch_size = 16384;
};

// A record that names its own partition bypasses the partitioner; this is the check it gets
// instead, with an error that says what is wrong.
inline result<std::int32_t> check_record_partition(std::string_view topic, std::int32_t partition,
                                                   std::int32_t partition_count) {
    if (partition >= 0 && partition < partition_count) return partition;
    return error(errc::unknown_partition, "topic '" + std::string(topic) + "' has " + std::to_string(partition_count) +
                                              " partitions; partition " + std::to_string(partition) + " does not exist");
}

KCORO_NAMESPACE_END
