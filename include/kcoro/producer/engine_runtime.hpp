// The runtime's contract and the engine's tools on top of it live in runtime/; this header keeps
// the producer's includes of it working.
#pragma once

#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/wake_signal.hpp"
