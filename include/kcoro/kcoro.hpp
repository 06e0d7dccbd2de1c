// kcoro: a header-only C++20 coroutine producer for Apache Kafka.
// This header includes the core: everything that needs no optional dependency to compile.
// Codec headers are included unconditionally; each guards its own library use.
#pragma once

#include "detail/prelude.hpp"
#include "error.hpp"
#include "result.hpp"
#include "bytes.hpp"
#include "byte_sink.hpp"
#include "protocol/protocol.hpp"
#include "record/record.hpp"
#include "serde/serde.hpp"
#include "partition/partition.hpp"
#include "runtime/runtime.hpp"
#include "producer/producer.hpp"
