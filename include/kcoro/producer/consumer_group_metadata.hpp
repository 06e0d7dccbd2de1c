// The consumer group whose offsets a transaction commits (send_offsets_to_transaction), as the
// group's consumer knows it. The group coordinator checks the generation and member against its
// own; the defaults (generation -1, no member) skip that check, as the group id alone does in the
// Java client. The full metadata fences a consumer the group has rebalanced away from: its
// offsets are refused and the transaction must be aborted (a zombie cannot commit).
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

KCORO_NAMESPACE_BEGIN

struct consumer_group_metadata {
    std::string group_id;
    std::int32_t generation_id = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;  // static membership (group.instance.id), if the consumer has one

    // The group id alone (Java's `new ConsumerGroupMetadata(groupId)`): what every
    // send_offsets_to_transaction() overload taking a group id sends.
    static consumer_group_metadata from_group_id(std::string_view group_id) {
        consumer_group_metadata g;
        g.group_id = group_id;
        return g;
    }
};

KCORO_NAMESPACE_END
