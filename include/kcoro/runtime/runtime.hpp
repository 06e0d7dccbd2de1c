// Aggregates the runtime layer; kcoro.hpp includes this.
#pragma once
#include "steady_time.hpp"
#include "awaitable.hpp"
#include "executor.hpp"
#include "timer_service.hpp"
#include "byte_stream.hpp"
#include "transport.hpp"
#include "task.hpp"
#include "event_loop.hpp"
#include "spawn.hpp"
#include "tcp.hpp"
