// A one-node Kafka broker in memory, on a manual_loop: enough of the protocol for the producer
// (ApiVersions, Metadata, InitProducerId, Produce at versions it advertises), with the rules the
// tests rely on (topic existence, max.message.bytes, idempotent sequences per partition) and
// switches for faults (latency, held responses, refused or dropped connections, injected errors,
// listeners that are not Kafka). It records when each Produce arrived, in virtual time.
//
// It stands in for a broker only where a test needs control the real one does not give (virtual
// time, exact fault timing); what the producer writes is also checked against the real broker by
// the integration tests.
#pragma once

#include "manual_runtime.hpp"

#include <kcoro/kcoro.hpp>

#include <climits>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace kcoro_test {

// Several fake brokers that describe one cluster: each answers Metadata with every node and with
// the leaders set here (a partition not listed is led by the broker answering).
struct fake_cluster {
    struct node {
        std::int32_t id = -1;
        std::string host;
        std::uint16_t port = 0;
    };
    std::vector<node> nodes;
    std::map<std::pair<std::string, std::int32_t>, std::int32_t> leaders;
    std::int32_t leader_epoch = 0;  // raised by move_leader
    void move_leader(const std::string& topic, std::int32_t partition, std::int32_t to) {
        leaders[{topic, partition}] = to;
        ++leader_epoch;
    }
};

class fake_broker {
public:
    // What answers on the listener: Kafka, or something a client may reach by mistake.
    enum class listener_kind {
        kafka,
        closes_at_once,     // closes as soon as bytes arrive (a TLS listener spoken to in plaintext)
        sasl_required,      // answers ApiVersions, closes on anything else (a SASL listener)
    };

    struct produce_arrival {
        steady_time at{};
        std::string topic;
        std::int32_t partition = -1;
        std::int32_t records = 0;
        std::int32_t base_sequence = -1;
        std::int64_t producer_id = -1;
        std::int16_t producer_epoch = -1;
        std::size_t batch_bytes = 0;
        kcoro::errc answer = kcoro::errc::none;
    };
    struct stored_record {
        std::int64_t offset = -1;
        std::optional<std::string> key;
        std::optional<std::string> value;
    };

    fake_broker(manual_loop& loop, std::string host = "127.0.0.1", std::uint16_t port = 9092, std::int32_t node_id = 1)
        : loop_(&loop), host_(std::move(host)), port_(port), node_id_(node_id) {
        start();
    }
    fake_broker(const fake_broker&) = delete;
    fake_broker& operator=(const fake_broker&) = delete;
    ~fake_broker() {
        loop_->unlisten(host_, port_);
        for (auto& c : connections_) detach(*c);
    }

    const std::string& host() const noexcept { return host_; }
    std::uint16_t port() const noexcept { return port_; }
    std::string bootstrap() const { return host_ + ":" + std::to_string(port_); }

    // ---- topics ----------------------------------------------------------------------------------

    void create_topic(const std::string& name, int partitions, std::size_t max_message_bytes = 1048588) {
        auto& t = topics_[name];
        t.partitions.resize(static_cast<std::size_t>(partitions));
        t.max_message_bytes = max_message_bytes;
        t.leader_not_available_answers = 0;
    }
    // The topic exists once `answers` Metadata answers have said LEADER_NOT_AVAILABLE for it, as a
    // broker says while it creates a topic.
    void create_topic_after(const std::string& name, int partitions, int answers) {
        create_topic(name, partitions);
        topics_[name].leader_not_available_answers = answers;
    }
    const std::vector<stored_record>& log(const std::string& topic, int partition) const {
        return topics_.at(topic).partitions.at(static_cast<std::size_t>(partition)).records;
    }

    // ---- behaviour --------------------------------------------------------------------------------

    void set_listener(listener_kind k) { kind_ = k; }
    // Answer Metadata as one broker of `c`, which must outlive this broker.
    void join(const fake_cluster& c) { cluster_ = &c; }
    // From a request's arrival to its response (responses keep their order on a connection).
    void set_latency(std::chrono::nanoseconds d) { latency_ = d; }
    // Held responses are kept back until release_responses(): a broker that stopped answering.
    void hold_responses(bool on) { holding_ = on; }
    void release_responses() {
        holding_ = false;
        auto held = std::move(held_);
        held_.clear();
        for (auto& h : held) send_later(h.first, std::move(h.second));
    }
    // Stop: connections close and new ones are refused. Start: listening again.
    void stop() {
        loop_->unlisten(host_, port_);
        close_connections();
    }
    void start() {
        loop_->listen(host_, port_, [this](std::shared_ptr<memory_pipe> p) { accept(std::move(p)); });
    }
    void close_connections() {
        for (auto& c : connections_) {
            c->pipe->close_from_server();
            detach(*c);
        }
        connections_.clear();
        held_.clear();
    }
    // Called for every partition of every Produce; an error it returns is the partition's answer.
    std::function<std::optional<kcoro::errc>(const std::string& topic, std::int32_t partition)> produce_error;

    // ---- what happened ----------------------------------------------------------------------------

    const std::vector<produce_arrival>& produce_log() const noexcept { return produce_log_; }
    int metadata_requests() const noexcept { return metadata_requests_; }
    int init_producer_id_requests() const noexcept { return init_pid_requests_; }
    int connections_accepted() const noexcept { return accepted_; }
    std::size_t open_connections() const noexcept { return connections_.size(); }

private:
    struct partition_log {
        std::vector<stored_record> records;
    };
    struct topic_state {
        std::vector<partition_log> partitions;
        std::size_t max_message_bytes = 1048588;
        int leader_not_available_answers = 0;
    };
    // Idempotence: what the broker remembers of one producer on one partition.
    struct sequence_state {
        std::int16_t epoch = -1;
        std::int32_t last_sequence = -1;
        std::vector<std::pair<std::int32_t, std::int64_t>> recent;  // (base sequence, base offset) of the last 5 batches
    };
    struct connection {
        std::uint64_t id = 0;
        std::shared_ptr<memory_pipe> pipe;
        std::vector<kcoro::byte> in;
        steady_time last_send{};
        bool closed = false;
    };

    static bool flexible_header(std::int16_t api_key, std::int16_t version) {
        switch (api_key) {
            case 18: return version >= 3;
            case 3: return version >= 9;
            case 0: return version >= 9;
            case 22: return version >= 2;
            default: return false;
        }
    }

    void accept(std::shared_ptr<memory_pipe> p) {
        ++accepted_;
        auto c = std::make_unique<connection>();
        c->id = ++next_connection_id_;
        c->pipe = std::move(p);
        connection* raw = c.get();
        raw->pipe->on_client_bytes = [this, raw](kcoro::bytes_view b) { on_bytes(*raw, b); };
        raw->pipe->on_client_close = [this, raw] { forget(*raw); };
        connections_.push_back(std::move(c));
    }
    static void detach(connection& c) {
        c.closed = true;
        c.pipe->on_client_bytes = nullptr;
        c.pipe->on_client_close = nullptr;
    }
    void forget(connection& c) {
        detach(c);
        std::erase_if(held_, [&](const auto& h) { return h.first == &c; });
        std::erase_if(connections_, [&](const auto& p) { return p.get() == &c; });
    }
    void hang_up(connection& c) {
        c.pipe->close_from_server();
        forget(c);
    }

    void on_bytes(connection& c, kcoro::bytes_view b) {
        if (kind_ == listener_kind::closes_at_once) {
            hang_up(c);
            return;
        }
        c.in.insert(c.in.end(), b.begin(), b.end());
        std::size_t at = 0;
        while (c.in.size() - at >= 4) {
            const auto size = static_cast<std::size_t>(kcoro::detail::load_be(c.in.data() + at, 4));
            if (c.in.size() - at - 4 < size) break;
            const kcoro::bytes_view frame(c.in.data() + at + 4, size);
            at += 4 + size;
            if (!handle(c, frame)) return;  // the connection is gone, and `c` with it
        }
        c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(at));
    }

    // One request; false when the connection was closed.
    bool handle(connection& c, kcoro::bytes_view frame) {
        kcoro::wire_reader r(frame);
        const auto api_key = *r.i16();
        const auto version = *r.i16();
        const auto corr = *r.i32();
        (void)r.nullable_string(false);  // client id
        if (flexible_header(api_key, version)) (void)r.tagged_fields(true);
        if (kind_ == listener_kind::sasl_required && api_key != 18) {
            hang_up(c);
            return false;
        }
        kcoro::byte_buffer body;
        kcoro::wire_writer w(body);
        bool answer = true;
        switch (api_key) {
            case 18: api_versions(w, version); break;
            case 3: metadata(r, w, version); break;
            case 22: init_producer_id(r, w, version); break;
            case 0: answer = produce(r, w, version); break;
            default: hang_up(c); return false;
        }
        if (!answer) return true;
        kcoro::byte_buffer out;
        kcoro::wire_writer f(out);
        f.i32(0);
        f.i32(corr);
        if (api_key != 18 && flexible_header(api_key, version)) f.tagged_fields(true);
        f.raw(body.view());
        f.patch_i32(0, static_cast<std::int32_t>(out.size() - 4));
        if (holding_) held_.emplace_back(&c, std::move(out));
        else send_later(&c, std::move(out));
        return true;
    }

    void send_later(connection* c, kcoro::byte_buffer frame) {
        const steady_time at = std::max(loop_->now() + latency_, c->last_send);
        c->last_send = at;
        (void)loop_->schedule(at, [this, id = c->id, bytes = std::make_shared<kcoro::byte_buffer>(std::move(frame))] {
            for (auto& p : connections_)
                if (p->id == id && !p->closed) p->pipe->send_to_client(bytes->view());
        });
    }

    void api_versions(kcoro::wire_writer& w, std::int16_t version) {
        const bool flexible = version >= 3;
        struct range {
            std::int16_t key, min, max;
        };
        const range ranges[] = {{0, 3, 8}, {3, 1, 8}, {18, 0, 4}, {22, 0, 4}};
        w.i16(0);
        w.array_length(static_cast<std::int32_t>(std::size(ranges)), flexible);
        for (const auto& x : ranges) {
            w.i16(x.key);
            w.i16(x.min);
            w.i16(x.max);
            w.tagged_fields(flexible);
        }
        if (version >= 1) w.i32(0);
        w.tagged_fields(flexible);
    }

    void metadata(kcoro::wire_reader& r, kcoro::wire_writer& w, std::int16_t version) {
        REQUIRE(version == 8);
        ++metadata_requests_;
        std::vector<std::string> names;
        const auto n = *r.array_length(false);
        for (std::int32_t i = 0; i < n; ++i) names.emplace_back(*r.string(false));
        if (n < 0)
            for (auto& [name, t] : topics_) names.push_back(name);
        w.i32(0);  // throttle
        if (cluster_ != nullptr) {
            w.array_length(static_cast<std::int32_t>(cluster_->nodes.size()), false);
            for (const auto& n : cluster_->nodes) {
                w.i32(n.id);
                w.string(n.host, false);
                w.i32(n.port);
                w.nullable_string(std::nullopt, false);
            }
        } else {
            w.array_length(1, false);
            w.i32(node_id_);
            w.string(host_, false);
            w.i32(port_);
            w.nullable_string(std::nullopt, false);
        }
        w.nullable_string(std::optional<std::string_view>("fake-cluster"), false);
        w.i32(node_id_);
        w.array_length(static_cast<std::int32_t>(names.size()), false);
        for (const auto& name : names) {
            auto it = topics_.find(name);
            if (it == topics_.end()) {
                w.i16(3);  // UNKNOWN_TOPIC_OR_PARTITION
                w.string(name, false);
                w.boolean(false);
                w.array_length(0, false);
                w.i32(INT32_MIN);
                continue;
            }
            topic_state& t = it->second;
            if (t.leader_not_available_answers > 0) {
                --t.leader_not_available_answers;
                w.i16(5);  // LEADER_NOT_AVAILABLE
                w.string(name, false);
                w.boolean(false);
                w.array_length(0, false);
                w.i32(INT32_MIN);
                continue;
            }
            w.i16(0);
            w.string(name, false);
            w.boolean(false);
            w.array_length(static_cast<std::int32_t>(t.partitions.size()), false);
            for (std::size_t p = 0; p < t.partitions.size(); ++p) {
                std::int32_t leader = node_id_;
                if (cluster_ != nullptr)
                    if (auto l = cluster_->leaders.find({name, static_cast<std::int32_t>(p)}); l != cluster_->leaders.end())
                        leader = l->second;
                w.i16(0);
                w.i32(static_cast<std::int32_t>(p));
                w.i32(leader);
                w.i32(cluster_ != nullptr ? cluster_->leader_epoch : 0);  // leader epoch
                w.array_length(1, false);
                w.i32(leader);
                w.array_length(1, false);
                w.i32(leader);
                w.array_length(0, false);
            }
            w.i32(INT32_MIN);
        }
        w.i32(INT32_MIN);
    }

    void init_producer_id(kcoro::wire_reader& r, kcoro::wire_writer& w, std::int16_t version) {
        const bool flexible = version >= 2;
        ++init_pid_requests_;
        (void)r.nullable_string(flexible);
        (void)r.i32();
        std::int64_t pid = -1;
        std::int16_t epoch = -1;
        if (version >= 3) {
            pid = *r.i64();
            epoch = *r.i16();
        }
        if (pid < 0) {
            pid = next_producer_id_++;
            epoch = 0;
        } else {
            ++epoch;  // KIP-360: the same id with the next epoch; sequences start again
        }
        epochs_[pid] = epoch;
        w.i32(0);
        w.i16(0);
        w.i64(pid);
        w.i16(epoch);
        w.tagged_fields(flexible);
    }

    // False when acks=0 (no answer).
    bool produce(kcoro::wire_reader& r, kcoro::wire_writer& w, std::int16_t version) {
        REQUIRE(version == 8);
        (void)r.nullable_string(false);
        const auto acks = *r.i16();
        (void)r.i32();
        struct answer {
            std::int32_t partition;
            kcoro::errc error;
            std::int64_t base_offset;
            std::string message;
        };
        std::vector<std::pair<std::string, std::vector<answer>>> answers;
        const auto nt = *r.array_length(false);
        for (std::int32_t i = 0; i < nt; ++i) {
            const std::string topic(*r.string(false));
            auto& into = answers.emplace_back(topic, std::vector<answer>{}).second;
            const auto np = *r.array_length(false);
            for (std::int32_t j = 0; j < np; ++j) {
                const auto partition = *r.i32();
                const auto records = *r.nullable_bytes(false);
                answer a{partition, kcoro::errc::none, -1, {}};
                append(topic, partition, records ? *records : kcoro::bytes_view{}, a.error, a.base_offset, a.message);
                into.push_back(std::move(a));
            }
        }
        if (acks == 0) return false;
        w.array_length(static_cast<std::int32_t>(answers.size()), false);
        for (const auto& [topic, parts] : answers) {
            w.string(topic, false);
            w.array_length(static_cast<std::int32_t>(parts.size()), false);
            for (const auto& a : parts) {
                w.i32(a.partition);
                w.i16(static_cast<std::int16_t>(a.error));
                w.i64(a.base_offset);
                w.i64(-1);  // log append time
                w.i64(0);   // log start offset
                w.array_length(0, false);
                if (a.message.empty()) w.nullable_string(std::nullopt, false);
                else w.nullable_string(std::optional<std::string_view>(a.message), false);
            }
        }
        w.i32(0);  // throttle
        return true;
    }

    void append(const std::string& topic, std::int32_t partition, kcoro::bytes_view batch, kcoro::errc& error,
                std::int64_t& base_offset, std::string& message) {
        kcoro::decoded_batch decoded;
        auto ok = kcoro::read_record_batch(batch, decoded);
        REQUIRE_MESSAGE(ok, "the producer sent a record batch that does not parse");
        produce_arrival arrival;
        arrival.at = loop_->now();
        arrival.topic = topic;
        arrival.partition = partition;
        arrival.records = static_cast<std::int32_t>(decoded.records.size());
        arrival.base_sequence = decoded.base_sequence;
        arrival.producer_id = decoded.producer_id;
        arrival.producer_epoch = decoded.producer_epoch;
        arrival.batch_bytes = batch.size();
        error = decide(topic, partition, batch, decoded, base_offset, message);
        arrival.answer = error;
        produce_log_.push_back(std::move(arrival));
    }

    kcoro::errc decide(const std::string& topic, std::int32_t partition, kcoro::bytes_view batch, const kcoro::decoded_batch& d,
                       std::int64_t& base_offset, std::string& message) {
        auto it = topics_.find(topic);
        if (it == topics_.end() || partition < 0 || static_cast<std::size_t>(partition) >= it->second.partitions.size())
            return kcoro::errc::unknown_topic_or_partition;
        if (produce_error)
            if (auto e = produce_error(topic, partition)) return *e;
        topic_state& t = it->second;
        if (batch.size() > t.max_message_bytes) {
            message = "batch of " + std::to_string(batch.size()) + " bytes over max.message.bytes " + std::to_string(t.max_message_bytes);
            return kcoro::errc::message_too_large;
        }
        partition_log& log = t.partitions[static_cast<std::size_t>(partition)];
        if (d.producer_id >= 0) {
            auto ep = epochs_.find(d.producer_id);
            if (ep == epochs_.end()) return kcoro::errc::unknown_producer_id;
            if (d.producer_epoch < ep->second) return kcoro::errc::invalid_producer_epoch;
            sequence_state& s = sequences_[{d.producer_id, topic, partition}];
            if (d.producer_epoch != s.epoch) {
                // A new epoch starts at sequence 0; a producer the partition never saw may start anywhere.
                if (s.epoch >= 0 && d.base_sequence != 0) return kcoro::errc::out_of_order_sequence_number;
                s = sequence_state{d.producer_epoch, -1, {}};
            } else {
                for (const auto& [seq, offset] : s.recent)
                    if (seq == d.base_sequence) {
                        base_offset = offset;
                        return kcoro::errc::duplicate_sequence_number;
                    }
                if (d.base_sequence != s.last_sequence + 1) return kcoro::errc::out_of_order_sequence_number;
            }
            s.last_sequence = d.base_sequence + static_cast<std::int32_t>(d.records.size()) - 1;
            s.recent.emplace_back(d.base_sequence, static_cast<std::int64_t>(log.records.size()));
            if (s.recent.size() > 5) s.recent.erase(s.recent.begin());
        }
        base_offset = static_cast<std::int64_t>(log.records.size());
        for (const auto& rec : d.records) {
            stored_record s;
            s.offset = static_cast<std::int64_t>(log.records.size());
            if (rec.key) s.key = std::string(kcoro::as_string_view(*rec.key));
            if (rec.value) s.value = std::string(kcoro::as_string_view(*rec.value));
            log.records.push_back(std::move(s));
        }
        return kcoro::errc::none;
    }

    manual_loop* loop_;
    std::string host_;
    std::uint16_t port_;
    std::int32_t node_id_;
    const fake_cluster* cluster_ = nullptr;
    listener_kind kind_ = listener_kind::kafka;
    std::chrono::nanoseconds latency_{0};
    bool holding_ = false;
    std::vector<std::pair<connection*, kcoro::byte_buffer>> held_;
    std::vector<std::unique_ptr<connection>> connections_;
    std::map<std::string, topic_state> topics_;
    std::map<std::int64_t, std::int16_t> epochs_;
    std::map<std::tuple<std::int64_t, std::string, std::int32_t>, sequence_state> sequences_;
    std::int64_t next_producer_id_ = 1000;
    std::vector<produce_arrival> produce_log_;
    int metadata_requests_ = 0;
    int init_pid_requests_ = 0;
    int accepted_ = 0;
    std::uint64_t next_connection_id_ = 0;
};

}  // namespace kcoro_test
