// Aggregates the producer engine; kcoro.hpp includes this.
#pragma once
#include "producer_config.hpp"
#include "producer_properties.hpp"
#include "producer_record.hpp"
#include "delivery.hpp"
#include "delivery_handle.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "event_loop_runtime.hpp"
#include "cluster_metadata.hpp"
#include "security_protocol.hpp"
#include "ssl_endpoint_identification.hpp"
#include "sasl_authenticator.hpp"
#include "broker_connection.hpp"
#include "producer_batch.hpp"
#include "record_accumulator.hpp"
#include "parked_sends.hpp"
#include "delivery_reporter.hpp"
#include "retry_policy.hpp"
#include "producer_identity.hpp"
#include "producer_rates.hpp"
#include "producer_stats.hpp"
#include "stats_text.hpp"
#include "log_level.hpp"
#include "log_record.hpp"
#include "producer_log.hpp"
#include "consumer_group_metadata.hpp"
#include "topic_partition_offset.hpp"
#include "transaction_state.hpp"
#include "transaction_manager.hpp"
#include "producer_engine.hpp"
#include "basic_producer.hpp"
#include "admin.hpp"
#include "engine_instances.hpp"

KCORO_NAMESPACE_BEGIN

// The producer on kcoro's event loop. Keys and values default to string views; any type with a
// kcoro::default_serializer works, or pass serializer types explicitly.
template <class Key = std::string_view, class Value = std::string_view, class Partitioner = default_partitioner,
          class KeySerializer = default_serializer<Key>, class ValueSerializer = default_serializer<Value>>
using producer = basic_producer<event_loop_runtime, Key, Value, Partitioner, KeySerializer, ValueSerializer>;

using admin = basic_admin<event_loop_runtime>;

// Validates the configuration and starts a producer on `loop`.
template <class Key = std::string_view, class Value = std::string_view, class Partitioner = default_partitioner,
          class KeySerializer = default_serializer<Key>, class ValueSerializer = default_serializer<Value>>
result<std::unique_ptr<producer<Key, Value, Partitioner, KeySerializer, ValueSerializer>>> make_producer(
    event_loop& loop, producer_config config) {
    return producer<Key, Value, Partitioner, KeySerializer, ValueSerializer>::create(event_loop_runtime(loop), std::move(config));
}

// The same with policy objects, for policies that carry state (a schema, a lookup table, a fixed
// partition), their types deduced:
//   make_producer<Key, Value>(loop, config, partitioner)
//   make_producer<Key, Value>(loop, config, key_serializer, value_serializer[, partitioner])
template <class Key = std::string_view, class Value = std::string_view, class Partitioner>
auto make_producer(event_loop& loop, producer_config config, Partitioner partitioner) {
    static_assert(kcoro::partitioner<Partitioner>,
                  "kcoro: make_producer(loop, config, p): p must be a kcoro::partitioner; serializers come in pairs: "
                  "make_producer<Key, Value>(loop, config, key_serializer, value_serializer[, partitioner])");
    return producer<Key, Value, Partitioner>::create(event_loop_runtime(loop), std::move(config), {}, {}, std::move(partitioner));
}

template <class Key = std::string_view, class Value = std::string_view, class KeySerializer, class ValueSerializer,
          class Partitioner = default_partitioner>
auto make_producer(event_loop& loop, producer_config config, KeySerializer key_serializer, ValueSerializer value_serializer,
                   Partitioner partitioner = {}) {
    return producer<Key, Value, Partitioner, KeySerializer, ValueSerializer>::create(
        event_loop_runtime(loop), std::move(config), std::move(key_serializer), std::move(value_serializer),
        std::move(partitioner));
}

KCORO_NAMESPACE_END

// Built with KCORO_SEPARATE_COMPILATION, a file only declares the engine for kcoro's event loop;
// the one file that includes <kcoro/impl/src.hpp> compiles it (engine_instances.hpp says how).
#ifdef KCORO_SEPARATE_COMPILATION
KCORO_DECLARE_ENGINE(::kcoro::event_loop_runtime);
#endif
