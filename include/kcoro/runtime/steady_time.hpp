// The one clock every runtime piece speaks: steady (never jumps), so deadlines stay meaningful
// across wall-clock changes. A simulated runtime keeps the same type and supplies virtual values.
#pragma once

#include "../detail/prelude.hpp"

#include <chrono>

KCORO_NAMESPACE_BEGIN

using steady_time = std::chrono::steady_clock::time_point;

KCORO_NAMESPACE_END
