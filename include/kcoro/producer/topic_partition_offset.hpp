// One partition's position for a consumer group, as send_offsets_to_transaction() commits it.
// `offset` is the next offset the group should consume (the last one processed plus one), as in
// the Java client's OffsetAndMetadata.
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>
#include <string>

KCORO_NAMESPACE_BEGIN

struct topic_partition_offset {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int32_t leader_epoch = -1;  // the epoch of the leader the record was read from; -1: unknown
    std::string metadata;            // kept with the offset, returned to whoever reads it
};

KCORO_NAMESPACE_END
