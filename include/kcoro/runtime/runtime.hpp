// Aggregates the runtime layer; kcoro.hpp includes this.
#pragma once
#include "runtime_concepts.hpp"
#include "task.hpp"
#include "detached_task.hpp"
#include "wake_signal.hpp"
#include "teardown_list.hpp"
#include "event_loop.hpp"
#include "fd_wait.hpp"
#include "ip_endpoint.hpp"
#include "dns.hpp"
#include "tcp.hpp"
#include "tls_context.hpp"
#include "tls_stream.hpp"
