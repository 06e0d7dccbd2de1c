// kcoro::errc: every Kafka protocol error code, plus the errors the client itself raises,
// as a std::error_code category. Errors are values; nothing here throws.
#pragma once

#include "detail/prelude.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

// X(name, code, retriable, hint). The hint says what went wrong and, where the user can act,
// what to change; it is empty where the error's detail always says both (bad_config names the
// field). Codes follow org.apache.kafka.common.protocol.Errors.
#define KCORO_KAFKA_ERRORS(X)                                                                                      \
    X(offset_out_of_range, 1, false, "the requested offset is outside the log's range")                          \
    X(corrupt_message, 2, true, "the broker found a corrupt record batch (CRC mismatch or bad size)")             \
    X(unknown_topic_or_partition, 3, true,                                                                         \
      "the topic or partition does not exist on this broker; create it or enable auto creation")                   \
    X(invalid_fetch_size, 4, false, "the requested fetch size is invalid")                                        \
    X(leader_not_available, 5, true, "the partition has no leader right now (election in progress)")             \
    X(not_leader_or_follower, 6, true, "this broker no longer leads the partition; metadata is refreshed")       \
    X(request_timed_out, 7, true, "the broker timed out waiting for replication; raise request_timeout?")         \
    X(broker_not_available, 8, false, "the broker is not available")                                             \
    X(replica_not_available, 9, true, "a replica is not available")                                              \
    X(message_too_large, 10, false,                                                                                \
      "the record is larger than the topic's max.message.bytes; send smaller records or raise that limit")        \
    X(stale_controller_epoch, 11, false, "stale controller epoch")                                               \
    X(offset_metadata_too_large, 12, false, "offset metadata string too large")                                  \
    X(network_exception, 13, true, "the broker's connection was closed while the request was in flight")          \
    X(coordinator_load_in_progress, 14, true, "the coordinator is still loading")                                \
    X(coordinator_not_available, 15, true, "the coordinator is not available")                                   \
    X(not_coordinator, 16, true, "this broker is not the coordinator")                                           \
    X(invalid_topic_exception, 17, false, "the topic name is invalid (legal: [a-zA-Z0-9._-], at most 249 chars)") \
    X(record_list_too_large, 18, false, "the request's record list is larger than the broker accepts")           \
    X(not_enough_replicas, 19, true, "fewer in-sync replicas than min.insync.replicas; acks=all waits for them")   \
    X(not_enough_replicas_after_append, 20, true, "written, but fewer in-sync replicas than required")           \
    X(invalid_required_acks, 21, false, "acks must be 0, 1 or -1 (all)")                                         \
    X(illegal_generation, 22, false, "illegal group generation")                                                 \
    X(inconsistent_group_protocol, 23, false, "inconsistent group protocol")                                     \
    X(invalid_group_id, 24, false, "invalid group id")                                                           \
    X(unknown_member_id, 25, false, "unknown member id")                                                         \
    X(invalid_session_timeout, 26, false, "invalid session timeout")                                             \
    X(rebalance_in_progress, 27, false, "rebalance in progress")                                                 \
    X(invalid_commit_offset_size, 28, false, "invalid commit offset size")                                       \
    X(topic_authorization_failed, 29, false, "not authorized to write to the topic; grant WRITE on it")          \
    X(group_authorization_failed, 30, false, "not authorized for the group")                                     \
    X(cluster_authorization_failed, 31, false,                                                                     \
      "not authorized on the cluster (idempotent producers need IDEMPOTENT_WRITE; or disable idempotence)")        \
    X(invalid_timestamp, 32, false, "the record timestamp is outside the topic's accepted range")                \
    X(unsupported_sasl_mechanism, 33, false, "the broker does not enable this SASL mechanism")                   \
    X(illegal_sasl_state, 34, false, "SASL request out of sequence")                                             \
    X(unsupported_version, 35, false, "the broker does not support this request version")                        \
    X(topic_already_exists, 36, false, "the topic already exists")                                               \
    X(invalid_partitions, 37, false, "invalid number of partitions")                                             \
    X(invalid_replication_factor, 38, false, "invalid replication factor (more than the live brokers?)")         \
    X(invalid_replica_assignment, 39, false, "invalid replica assignment")                                       \
    X(invalid_config, 40, false, "invalid configuration")                                                        \
    X(not_controller, 41, true, "this broker is not the controller")                                             \
    X(invalid_request, 42, false, "the broker rejected the request as malformed; see the broker log")            \
    X(unsupported_for_message_format, 43, false, "the topic's message format does not support this request")    \
    X(policy_violation, 44, false, "the request violates a broker policy")                                       \
    X(out_of_order_sequence_number, 45, false, "the broker saw a sequence gap from this idempotent producer")     \
    X(duplicate_sequence_number, 46, false, "the batch was already written (duplicate sequence)")                \
    X(invalid_producer_epoch, 47, false, "the producer epoch is stale: another producer fenced this one")         \
    X(invalid_txn_state, 48, false, "transactional operation in an invalid state")                               \
    X(invalid_producer_id_mapping, 49, false, "the producer id is not assigned to this transactional id")        \
    X(invalid_transaction_timeout, 50, false, "transaction timeout is larger than the broker's maximum")         \
    X(concurrent_transactions, 51, true, "another transactional operation is still in progress")                 \
    X(transaction_coordinator_fenced, 52, false, "transaction coordinator fenced")                               \
    X(transactional_id_authorization_failed, 53, false, "not authorized for the transactional id")               \
    X(security_disabled, 54, false, "security features are disabled on the broker")                              \
    X(operation_not_attempted, 55, false, "the broker did not attempt this operation")                           \
    X(kafka_storage_error, 56, true, "the broker hit a disk error")                                              \
    X(log_dir_not_found, 57, false, "log directory not found")                                                   \
    X(sasl_authentication_failed, 58, false, "SASL authentication failed: check the credentials (user and password, or token)") \
    X(unknown_producer_id, 59, false, "the broker no longer knows this producer id")                             \
    X(reassignment_in_progress, 60, false, "partition reassignment in progress")                                 \
    X(delegation_token_auth_disabled, 61, false, "delegation tokens are disabled")                               \
    X(delegation_token_not_found, 62, false, "delegation token not found")                                       \
    X(delegation_token_owner_mismatch, 63, false, "delegation token owner mismatch")                             \
    X(delegation_token_request_not_allowed, 64, false, "delegation token request not allowed")                   \
    X(delegation_token_authorization_failed, 65, false, "delegation token authorization failed")                 \
    X(delegation_token_expired, 66, false, "delegation token expired")                                           \
    X(invalid_principal_type, 67, false, "invalid principal type")                                               \
    X(non_empty_group, 68, false, "the group is not empty")                                                      \
    X(group_id_not_found, 69, false, "group id not found")                                                       \
    X(fetch_session_id_not_found, 70, true, "fetch session id not found")                                        \
    X(invalid_fetch_session_epoch, 71, true, "invalid fetch session epoch")                                      \
    X(listener_not_found, 72, true, "the leader has no listener of the name the client connected through")       \
    X(topic_deletion_disabled, 73, false, "topic deletion is disabled on the broker")                            \
    X(fenced_leader_epoch, 74, true, "the leader epoch is older than the broker's")                              \
    X(unknown_leader_epoch, 75, true, "the leader epoch is newer than the broker's")                             \
    X(unsupported_compression_type, 76, false, "the broker does not support this compression type")              \
    X(stale_broker_epoch, 77, false, "stale broker epoch")                                                       \
    X(offset_not_available, 78, true, "offset not available")                                                    \
    X(member_id_required, 79, false, "member id required")                                                       \
    X(preferred_leader_not_available, 80, true, "preferred leader not available")                                \
    X(group_max_size_reached, 81, false, "group max size reached")                                               \
    X(fenced_instance_id, 82, false, "fenced instance id")                                                       \
    X(eligible_leaders_not_available, 83, true, "eligible leaders not available")                                \
    X(election_not_needed, 84, true, "election not needed")                                                      \
    X(no_reassignment_in_progress, 85, false, "no reassignment in progress")                                     \
    X(group_subscribed_to_topic, 86, false, "group subscribed to topic")                                         \
    X(invalid_record, 87, false, "the broker rejected a record (e.g. a compacted topic needs a key)")            \
    X(unstable_offset_commit, 88, true, "unstable offset commit")                                                \
    X(throttling_quota_exceeded, 89, true, "throttling quota exceeded")                                          \
    X(producer_fenced, 90, false, "a newer producer with the same transactional id fenced this one")             \
    X(resource_not_found, 91, false, "resource not found")                                                       \
    X(duplicate_resource, 92, false, "duplicate resource")                                                       \
    X(unacceptable_credential, 93, false, "unacceptable credential")                                             \
    X(inconsistent_voter_set, 94, false, "inconsistent voter set")                                               \
    X(invalid_update_version, 95, false, "invalid update version")                                               \
    X(feature_update_failed, 96, false, "feature update failed")                                                 \
    X(principal_deserialization_failure, 97, false, "principal deserialization failure")                         \
    X(snapshot_not_found, 98, false, "snapshot not found")                                                       \
    X(position_out_of_range, 99, false, "position out of range")                                                 \
    X(unknown_topic_id, 100, true, "unknown topic id")                                                           \
    X(duplicate_broker_registration, 101, false, "duplicate broker registration")                                \
    X(broker_id_not_registered, 102, false, "broker id not registered")                                          \
    X(inconsistent_topic_id, 103, true, "inconsistent topic id")                                                 \
    X(inconsistent_cluster_id, 104, false, "inconsistent cluster id")                                            \
    X(transactional_id_not_found, 105, false, "transactional id not found")                                      \
    X(fetch_session_topic_id_error, 106, true, "fetch session topic id error")                                   \
    X(ineligible_replica, 107, false, "ineligible replica")                                                      \
    X(new_leader_elected, 108, false, "new leader elected")                                                      \
    X(offset_moved_to_tiered_storage, 109, false, "offset moved to tiered storage")                              \
    X(fenced_member_epoch, 110, false, "fenced member epoch")                                                    \
    X(unreleased_instance_id, 111, false, "unreleased instance id")                                              \
    X(unsupported_assignor, 112, false, "unsupported assignor")                                                  \
    X(stale_member_epoch, 113, false, "stale member epoch")                                                      \
    X(mismatched_endpoint_type, 114, false, "mismatched endpoint type")                                          \
    X(unsupported_endpoint_type, 115, false, "unsupported endpoint type")                                        \
    X(unknown_controller_id, 116, false, "unknown controller id")                                                \
    X(unknown_subscription_id, 117, false, "unknown subscription id")                                            \
    X(telemetry_too_large, 118, false, "telemetry too large")                                                    \
    X(invalid_registration, 119, false, "invalid registration")                                                  \
    X(transaction_abortable, 120, false, "the transaction must be aborted; abort it and start a new one")        \
    X(invalid_record_state, 121, false, "invalid record state")                                                  \
    X(share_session_not_found, 122, true, "share session not found")                                             \
    X(invalid_share_session_epoch, 123, true, "invalid share session epoch")                                     \
    X(fenced_state_epoch, 124, false, "fenced state epoch")                                                      \
    X(invalid_voter_key, 125, false, "invalid voter key")                                                        \
    X(duplicate_voter, 126, false, "duplicate voter")                                                            \
    X(voter_not_found, 127, false, "voter not found")                                                            \
    X(invalid_regular_expression, 128, false, "invalid regular expression")                                      \
    X(rebootstrap_required, 129, false, "the client must rebootstrap")

// Errors raised by kcoro itself. Their values start at 10000 so they never collide with Kafka's.
#define KCORO_CLIENT_ERRORS(X)                                                                                      \
    X(timed_out, 10000, true, "the operation did not complete within its timeout")                               \
    X(delivery_timeout, 10001, false,                                                                              \
      "the record was not acknowledged within delivery_timeout; check broker health or raise delivery_timeout")  \
    X(buffer_exhausted, 10002, false, "the producer's buffer is full; produce slower or raise buffer_memory")      \
    X(record_too_large, 10003, false,                                                                              \
      "the record is larger than max_request_size or buffer_memory; raise them or send smaller records")          \
    X(connection_failed, 10004, true, "could not connect to the broker; check bootstrap_servers and the network")  \
    X(connection_lost, 10005, true, "the connection to the broker was lost")                                     \
    X(malformed_response, 10006, false, "the peer sent bytes that are not a valid Kafka response")               \
    X(truncated, 10007, false, "the input ended before the structure it holds was complete")                    \
    X(bad_config, 10008, false, "")                                                                                \
    X(resolve_failed, 10009, true, "the broker host name could not be resolved")                                 \
    X(no_supported_version, 10010, false,                                                                          \
      "the broker supports no version of a required API that kcoro speaks (Kafka 2.1 or newer is needed)")        \
    X(producer_closed, 10011, false, "the producer is closed; no new records are accepted")                      \
    X(cancelled, 10012, false, "the operation was cancelled")                                                    \
    X(unsupported_compression, 10013, false, "this build of kcoro does not include the requested codec")         \
    X(compression_failed, 10014, false, "the codec failed to compress or decompress the data")                   \
    X(unknown_partition, 10015, false,                                                                             \
      "the partition (set on the record, or chosen by the partitioner) does not exist in the topic")             \
    X(serialization_failed, 10016, false, "the serializer could not write the key or value")                     \
    X(fatal_producer_state, 10017, false, "the producer is in a fatal state (e.g. fenced); create a new one")    \
    X(auth_failed, 10018, false, "authentication with the broker failed")                                        \
    X(tls_failed, 10019, false, "the TLS handshake or session failed")                                          \
    X(producer_destroyed, 10020, false, "the producer was destroyed before the operation completed")            \
    X(invalid_json, 10021, false, "the text is not valid JSON; the message says where")                         \
    X(invalid_schema, 10022, false, "the Avro schema is invalid; the message says where and why")                \
    X(schema_mismatch, 10023, false,                                                                               \
      "the C++ type does not match the Avro schema; the message names the first field that differs")              \
    X(malformed_http, 10024, false, "the peer sent bytes that are not a valid HTTP/1.1 response")

KCORO_NAMESPACE_BEGIN

enum class errc : int {
    unknown_server_error = -1,
    none = 0,
#define KCORO_X_ENUM(name, code, retriable, hint) name = code,
    KCORO_KAFKA_ERRORS(KCORO_X_ENUM) KCORO_CLIENT_ERRORS(KCORO_X_ENUM)
#undef KCORO_X_ENUM
};

struct error_info {
    std::string_view name;  // the Kafka-style upper-case-less name, e.g. "not_leader_or_follower"
    bool retriable;
    std::string_view hint;
};

namespace detail {
struct error_entry {
    int code;
    error_info info;
};
// Code 0 sits between -1 and 1 so that the table stays dense.
inline constexpr error_entry kafka_errors[] = {
#define KCORO_X_INFO(name, code, retriable, hint) {code, {#name, retriable, hint}},
    {-1, {"unknown_server_error", false, "the broker hit an unexpected error; see the broker log"}},
    {0, {"none", false, "success"}},
    KCORO_KAFKA_ERRORS(KCORO_X_INFO)
#undef KCORO_X_INFO
};
inline constexpr error_entry client_errors[] = {
#define KCORO_X_INFO(name, code, retriable, hint) {code, {#name, retriable, hint}},
    KCORO_CLIENT_ERRORS(KCORO_X_INFO)
#undef KCORO_X_INFO
};
template <std::size_t N>
constexpr const error_info* find_in(const error_entry (&table)[N], int code) noexcept {
    // Both tables are dense and sorted: index directly, then confirm.
    const int index = code - table[0].code;
    if (index < 0 || static_cast<std::size_t>(index) >= N || table[index].code != code) return nullptr;
    return &table[index].info;
}
}  // namespace detail

// Returns nullptr for codes kcoro does not know (a newer broker may send them).
constexpr const error_info* find_error_info(int code) noexcept {
    return code >= 10000 ? detail::find_in(detail::client_errors, code) : detail::find_in(detail::kafka_errors, code);
}

// True for Kafka codes below 10000 and the client errors marked retriable. Unknown Kafka codes
// are treated as non-retriable: retrying what we do not understand only delays the error.
constexpr bool is_retriable(errc e) noexcept {
    const error_info* info = find_error_info(static_cast<int>(e));
    return info != nullptr && info->retriable;
}

constexpr bool is_kafka_error(errc e) noexcept {
    return static_cast<int>(e) != 0 && static_cast<int>(e) < 10000;
}

namespace detail {
class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "kcoro"; }
    std::string message(int code) const override {
        if (code == 0) return "success";
        if (const error_info* info = find_error_info(code)) {
            std::string m(info->name);
            if (!info->hint.empty()) {
                m += ": ";
                m += info->hint;
            }
            return m;
        }
        return "unknown kafka error code " + std::to_string(code);
    }
};
}  // namespace detail

inline const std::error_category& error_category() noexcept {
    static const detail::error_category_impl cat;
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

// Maps a Kafka error code from the wire; unknown codes keep their number.
constexpr errc errc_from_kafka(std::int16_t code) noexcept { return static_cast<errc>(code); }

KCORO_NAMESPACE_END

template <>
struct std::is_error_code_enum<kcoro::errc> : std::true_type {};
