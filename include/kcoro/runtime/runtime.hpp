// Aggregates the runtime layer; kcoro.hpp includes this.
#pragma once
#include "task.hpp"
#include "event_loop.hpp"
#include "tcp.hpp"
