// The client's direction: arbitrary bytes as a response to any request kcoro sends. Byte 0 is the
// API key, byte 1 picks the version (within the versions kcoro speaks), the rest is the body.
// Rejecting is fine; crashing, reading out of bounds, allocating without bound, returning views
// outside the body or filling fields the version does not carry is not. A decoded response, encoded
// again by the broker side and decoded, must encode to the same bytes.
#include <kcoro/kcoro.hpp>
#include <kcoro/protocol/broker/messages.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

struct body_span {
    const std::uint8_t* data;
    std::size_t size;
    bool holds(std::string_view s) const {
        const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
        return s.empty() || (p >= data && p + s.size() <= data + size);
    }
};

void check(const kcoro::api_versions_response& out, std::int16_t version, body_span body) {
    if (out.api_keys.size() * 6 > body.size) __builtin_trap();  // each ApiKeys entry is six bytes
    if (version < 3 && (!out.finalized_features.empty() || !out.supported_features.empty())) __builtin_trap();
    const auto ranges = kcoro::to_version_ranges(out);
    // The last entry for a key is the one that counts.
    for (std::size_t i = 0; i < out.api_keys.size(); ++i) {
        const auto& k = out.api_keys[i];
        bool last = true;
        for (std::size_t j = i + 1; j < out.api_keys.size(); ++j)
            if (out.api_keys[j].api_key == k.api_key) last = false;
        if (!last || k.api_key < 0 || k.api_key >= kcoro::api_version_ranges::max_api_key) continue;
        if (ranges.supports(k.api_key) != (k.max_version >= 0)) __builtin_trap();
        if (ranges.min(k.api_key) != k.min_version || ranges.max(k.api_key) != k.max_version) __builtin_trap();
    }
    // Negotiation never picks Produce below v3 nor outside both ranges.
    if (auto v = kcoro::negotiate<kcoro::produce_request>(ranges)) {
        if (*v < 3 || *v > kcoro::produce_request::max_version || *v > ranges.max(0) || *v < ranges.min(0))
            __builtin_trap();
    }
}

void check(const kcoro::metadata_response& out, std::int16_t version, body_span body) {
    if (out.brokers.size() > body.size || out.topics.size() > body.size) __builtin_trap();
    for (const auto& b : out.brokers) {
        if (!body.holds(b.host)) __builtin_trap();
        if (b.rack && !body.holds(*b.rack)) __builtin_trap();
    }
    for (const auto& t : out.topics) {
        if (t.name && !body.holds(*t.name)) __builtin_trap();
        if (version < 12 && !t.name) __builtin_trap();  // only v12+ may carry a null name
        for (const auto& p : t.partitions)
            if (p.partition_index < 0 || p.replica_nodes.size() * 4 > body.size || p.isr_nodes.size() * 4 > body.size)
                __builtin_trap();
    }
}

void check(const kcoro::produce_response& out, std::int16_t version, body_span body) {
    if (out.topics.size() > body.size) __builtin_trap();
    for (const auto& t : out.topics) {
        if (!body.holds(t.name)) __builtin_trap();
        for (const auto& p : t.partitions) {
            if (version < 5 && p.log_start_offset != -1) __builtin_trap();
            if (version < 8 && (!p.record_errors.empty() || p.error_message)) __builtin_trap();
            if (version < 10 && (p.current_leader.leader_id != -1 || p.current_leader.leader_epoch != -1)) __builtin_trap();
            if (p.error_message && !body.holds(*p.error_message)) __builtin_trap();
            for (const auto& e : p.record_errors)
                if (e.batch_index_error_message && !body.holds(*e.batch_index_error_message)) __builtin_trap();
        }
    }
}

void check(const kcoro::find_coordinator_response& out, std::int16_t version, body_span body) {
    // Before v4 the coordinator is in the top-level fields, from v4 in the array.
    if (version < 4 && !out.coordinators.empty()) __builtin_trap();
    if (out.coordinators.size() > body.size) __builtin_trap();
}

void check(const kcoro::end_txn_response& out, std::int16_t version, body_span) {
    // Before v5 the response carries no producer id or epoch.
    if (version < 5 && (out.producer_id != -1 || out.producer_epoch != -1)) __builtin_trap();
}

void check(const kcoro::sasl_handshake_response& out, std::int16_t, body_span body) {
    if (out.mechanisms.size() * 2 > body.size) __builtin_trap();  // each took at least its length
}

void check(const kcoro::sasl_authenticate_response& out, std::int16_t, body_span body) {
    if (out.auth_bytes.size() > body.size) __builtin_trap();
}

template <class Response>
void check(const Response&, std::int16_t, body_span) {}

template <class Response>
kcoro::byte_buffer encoded(const Response& resp, std::int16_t version) {
    kcoro::byte_buffer out;
    kcoro::wire_writer w(out);
    kcoro::encode_response(w, version, resp);
    return out;
}

template <class Req>
void decode(body_span body, std::uint8_t v) {
    using response = typename Req::response_type;
    const auto version = static_cast<std::int16_t>(Req::min_version + v % (Req::max_version - Req::min_version + 1));
    kcoro::wire_reader r(kcoro::bytes_view(body.data, body.size));
    auto out = response::decode(r, version);
    if (!out) return;
    if (r.position() > body.size) __builtin_trap();
    check(*out, version, body);
    const auto once = encoded(*out, version);
    kcoro::wire_reader again(once.view());
    auto back = response::decode(again, version);
    if (!back || !again.empty()) __builtin_trap();
    if (encoded(*back, version) != once) __builtin_trap();
}

template <class... Requests>
void dispatch(kcoro::api_list<Requests...>, std::int16_t api_key, body_span body, std::uint8_t v) {
    ((Requests::api_key == api_key ? decode<Requests>(body, v) : void()), ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    dispatch(kcoro::kafka_apis{}, data[0], body_span{data + 2, size - 2}, data[1]);
    return 0;
}
