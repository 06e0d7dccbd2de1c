// What the producer knows of the cluster: brokers, and per topic its partitions and their leaders.
// Filled from Metadata responses; read on every send to partition and route records.
#pragma once

#include "../detail/last_lookup.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct broker_node {
    std::int32_t node_id = -1;
    std::string host;
    std::uint16_t port = 0;
};

struct partition_leader {
    std::int32_t leader = -1;        // -1: no leader right now
    std::int32_t leader_epoch = -1;
    errc error = errc::none;
};

struct topic_metadata {
    errc error = errc::none;               // e.g. unknown_topic_or_partition, topic_authorization_failed
    std::vector<partition_leader> partitions;  // indexed by partition id
    std::vector<std::int32_t> available;   // partitions that have a leader, ascending
    std::uint64_t generation = 0;          // bumps on every update that changed leaders or counts

    std::int32_t partition_count() const noexcept { return static_cast<std::int32_t>(partitions.size()); }
};

namespace detail {
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
}  // namespace detail

class cluster_metadata {
public:
    const broker_node* broker(std::int32_t id) const noexcept {
        for (const auto& b : brokers_)
            if (b.node_id == id) return &b;
        return nullptr;
    }
    const std::vector<broker_node>& brokers() const noexcept { return brokers_; }
    void set_brokers(std::vector<broker_node> b) { brokers_ = std::move(b); }

    const topic_metadata* topic(std::string_view name) const noexcept {
        if (auto* e = last_topic_.find(name)) return &e->second;
        auto it = topics_.find(name);
        if (it == topics_.end()) return nullptr;
        last_topic_.remember(&*it);
        return &it->second;
    }

    // Replaces what is known of a topic; returns true when leaders or the partition count changed.
    bool update_topic(std::string_view name, errc error, std::vector<partition_leader> parts) {
        auto it = topics_.find(name);
        if (it == topics_.end()) it = topics_.emplace(std::string(name), topic_metadata{}).first;
        topic_metadata& t = it->second;
        bool changed = t.error != error || t.partitions.size() != parts.size();
        for (std::size_t i = 0; !changed && i < parts.size(); ++i)
            changed = t.partitions[i].leader != parts[i].leader || t.partitions[i].leader_epoch != parts[i].leader_epoch;
        t.error = error;
        t.partitions = std::move(parts);
        t.available.clear();
        for (std::size_t i = 0; i < t.partitions.size(); ++i)
            if (t.partitions[i].leader >= 0) t.available.push_back(static_cast<std::int32_t>(i));
        if (changed) ++t.generation;
        return changed;
    }

    // A leader moved (NOT_LEADER_OR_FOLLOWER with a hint, or a failed broker): forget it until the
    // next refresh so nothing is routed to a broker known to be wrong.
    void forget_leader(std::string_view name, std::int32_t partition) {
        auto it = topics_.find(name);
        if (it == topics_.end() || partition < 0 || partition >= it->second.partition_count()) return;
        it->second.partitions[static_cast<std::size_t>(partition)].leader = -1;
        ++it->second.generation;
    }

    std::string cluster_id;
    std::int32_t controller_id = -1;

private:
    std::vector<broker_node> brokers_;
    std::unordered_map<std::string, topic_metadata, detail::string_hash, std::equal_to<>> topics_;
    mutable detail::last_lookup<const std::pair<const std::string, topic_metadata>> last_topic_;  // nodes never move; none is erased
};

KCORO_NAMESPACE_END
