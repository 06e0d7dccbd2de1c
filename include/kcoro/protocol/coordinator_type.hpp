// What a FindCoordinator key names: a consumer group, a transactional id or a share group.
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>

KCORO_NAMESPACE_BEGIN

enum class coordinator_type : std::int8_t { group = 0, transaction = 1, share = 2 };

KCORO_NAMESPACE_END
