// The runtime side of a transactional producer (transactional_id set): a connection to each
// coordinator it needs, the transaction's (FindCoordinator key type transaction, the
// transactional id) and the consumer group's whose offsets it commits (key type group, the group
// id), each found again when it moves or is loading; InitProducerId for the transactional id,
// TxnOffsetCommit to the group's, and EndTxn, each re-sent with backoff until its coordinator
// answers or the call's deadline passes. It speaks the KIP-890 flow (the cluster's finalized
// transaction.version 2 or more): Produce v12 adds each partition to the transaction,
// TxnOffsetCommit v5 the group, and EndTxn v5 answers with the producer id and epoch of the next
// transaction.
//
// The phases and what each call may do live in transaction_state.hpp; the engine asks this part
// for the round trips and keeps the records (it flushes a transaction before its EndTxn).
#pragma once

#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "../result.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/wake_signal.hpp"
#include "broker_connection.hpp"
#include "consumer_group_metadata.hpp"
#include "producer_config.hpp"
#include "producer_log.hpp"
#include "retry_policy.hpp"
#include "shared_tls_context.hpp"
#include "topic_partition_offset.hpp"
#include "transaction_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <engine_runtime Runtime>
class transaction_manager {
public:
    // What the manager asks of the engine that holds it.
    class host {
    public:
        virtual bool stopping() const noexcept = 0;
        virtual broker_connection<Runtime>* any_ready_connection() = 0;
        virtual void request_metadata() = 0;  // no connection is up: the refresh makes one

    protected:
        ~host() = default;
    };

    struct parts {
        Runtime& rt;
        const producer_config& config;
        shared_tls_context& tls;
        producer_log& log;
        detail::detached_scope& background;
        host& engine;
    };

    // The producer id and epoch the coordinator handed out.
    struct producer_identity_grant {
        std::int64_t producer_id = -1;
        std::int16_t producer_epoch = -1;
    };

    // The lowest finalized transaction.version whose flow this manager speaks.
    static constexpr std::int16_t min_transaction_version = 2;

    explicit transaction_manager(parts p) : p_(p) {}
    transaction_manager(const transaction_manager&) = delete;
    transaction_manager& operator=(const transaction_manager&) = delete;

    transaction_state& state() noexcept { return state_; }
    const transaction_state& state() const noexcept { return state_; }
    bool busy() const noexcept {
        for (const coordinator_link* l : {&txn_coordinator_, &group_coordinator_})
            if (l->connection && l->connection->busy()) return true;
        return std::any_of(retired_.begin(), retired_.end(), [](const auto& c) { return c->busy(); });
    }
    void close(const error& why) {
        for (coordinator_link* l : {&txn_coordinator_, &group_coordinator_})
            if (l->connection) l->connection->close(why);
        for (auto& c : retired_) c->close(why);
    }

    // InitProducerId for the transactional id, after checking that the cluster runs the KIP-890
    // flow. With `current` (a producer that held an id already) the coordinator bumps its epoch.
    task<result<producer_identity_grant>> init_producer_id(steady_time deadline) {
        auto version = co_await transaction_version(deadline);
        if (!version) co_return std::move(version).err();
        if (*version < min_transaction_version)
            co_return error(errc::unsupported_version,
                            "transactional_id '" + p_.config.transactional_id + "': the cluster's finalized transaction.version is " +
                                std::to_string(*version) +
                                ", and kcoro supports only the KIP-890 flow (transaction.version 2, the default of Kafka 4.0 "
                                "and later) so far; the classic flow is not supported yet");
        init_producer_id_request req;
        req.transactional_id = std::string_view(p_.config.transactional_id);
        req.transaction_timeout_ms = static_cast<std::int32_t>(p_.config.transaction_timeout.count());
        auto r = co_await call(txn_coordinator_, req, 3, "InitProducerId", deadline);
        if (!r) co_return std::move(r).err();
        co_return producer_identity_grant{r->producer_id, r->producer_epoch};
    }

    // EndTxn v5: commits or aborts the transaction of `current`; the answer names the id and epoch
    // of the next transaction (the coordinator bumps the epoch at every end), which grant_of()
    // reads. Not a coroutine of its own: the request is the manager's, one end at a time.
    task<result<end_txn_response>> end_transaction(bool commit, producer_identity_grant current, steady_time deadline) {
        end_request_.transactional_id = std::string_view(p_.config.transactional_id);
        end_request_.producer_id = current.producer_id;
        end_request_.producer_epoch = current.producer_epoch;
        end_request_.committed = commit;
        return call(txn_coordinator_, end_request_, 5, commit ? "EndTxn (commit)" : "EndTxn (abort)", deadline);
    }

    // TxnOffsetCommit v5 to the group's coordinator: the offsets become the group's if the
    // transaction of `current` commits (the v5 request adds the group to it). Every partition's
    // answer is judged (judge_offset_commit_error); one to retry sends them all again, which the
    // coordinator takes as the same commit.
    task<result<void>> commit_offsets(std::vector<topic_partition_offset> offsets, consumer_group_metadata group,
                                      producer_identity_grant current, steady_time deadline) {
        if (group_coordinator_.key != group.group_id) {
            forget_coordinator(group_coordinator_);
            group_coordinator_.key = group.group_id;
        }
        // The request's topics and partitions, in the order each topic first appears.
        std::vector<std::string_view> topic_names;
        std::vector<std::vector<txn_offset_commit_request::txn_offset_commit_request_partition>> partitions;
        for (const topic_partition_offset& o : offsets) {
            const auto at = std::find(topic_names.begin(), topic_names.end(), std::string_view(o.topic));
            const auto i = static_cast<std::size_t>(at - topic_names.begin());
            if (at == topic_names.end()) {
                topic_names.push_back(o.topic);
                partitions.emplace_back();
            }
            partitions[i].push_back({.partition_index = o.partition,
                                     .committed_offset = o.offset,
                                     .committed_leader_epoch = o.leader_epoch,
                                     .committed_metadata = std::string_view(o.metadata)});
        }
        std::vector<txn_offset_commit_request::txn_offset_commit_request_topic> topics;
        for (std::size_t i = 0; i < topic_names.size(); ++i) topics.push_back({.name = topic_names[i], .partitions = partitions[i]});
        txn_offset_commit_request req;
        req.transactional_id = std::string_view(p_.config.transactional_id);
        req.group_id = std::string_view(group.group_id);
        req.producer_id = current.producer_id;
        req.producer_epoch = current.producer_epoch;
        req.generation_id = group.generation_id;
        req.member_id = std::string_view(group.member_id);
        if (group.group_instance_id) req.group_instance_id = std::string_view(*group.group_instance_id);
        req.topics = topics;
        auto r = co_await call(group_coordinator_, req, 5, "TxnOffsetCommit", deadline);
        if (!r) co_return std::move(r).err();
        co_return ok();
    }
    static result<producer_identity_grant> grant_of(const end_txn_response& r) {
        if (r.producer_id < 0) return error(errc::malformed_response, "EndTxn v5 answered without the next transaction's producer id");
        return producer_identity_grant{r.producer_id, r.producer_epoch};
    }

    // For a producer being destroyed with a transaction open: EndTxn (abort) once, not awaited by
    // anyone, over the coordinator connection if one is up, then the connections close. Without it
    // the transaction would stay open until transaction_timeout, and read_committed consumers of
    // its partitions would wait that long. Records still in flight do no harm: EndTxn v5 bumps the
    // epoch, and a Produce of the old epoch that arrives after the abort is refused. The
    // producer's memory lasts until this coroutine ends: one round trip, at most request_timeout.
    // With no connection up, the coordinator aborts the transaction once transaction_timeout passes.
    void abandon_transaction(producer_identity_grant current) {
        detail::start_detached(p_.rt, p_.background, abort_abandoned(current));
    }

    // The error a fencing answer becomes: the coordinator knows a newer epoch for the id.
    error fenced(std::string_view call) const {
        // Appended piece by piece: g++ 12 at -O2 and above warns (-Wrestrict, falsely) on a chain
        // of operator+ that starts from a temporary.
        std::string m(call);
        m += ": another producer instance with transactional_id '";
        m += p_.config.transactional_id;
        m += "' took over (it called init_transactions() after this one); this producer can do no more work: create a new one";
        return error(errc::producer_fenced, std::move(m));
    }

private:
    // One coordinator the producer talks to: which (the key type and key FindCoordinator is asked
    // for) and the connection to it, when there is one.
    struct coordinator_link {
        coordinator_type type;
        std::string key;  // the transactional id, or the group id
        std::unique_ptr<broker_connection<Runtime>> connection;
    };

    // What an answer means: its error, and the verdict on it. TxnOffsetCommit answers for each
    // partition; the gravest partition's error stands for the answer.
    template <class Resp>
    static std::pair<errc, coordinator_verdict> judge_answer(const Resp& r) {
        return {r.error_code, judge_coordinator_error(r.error_code)};
    }
    static std::pair<errc, coordinator_verdict> judge_answer(const txn_offset_commit_response& r) {
        // Looking the coordinator up again also retries; abortable and fatal end the call.
        constexpr auto gravity = [](coordinator_verdict v) {
            switch (v) {
                case coordinator_verdict::done: return 0;
                case coordinator_verdict::retry: return 1;
                case coordinator_verdict::find_coordinator: return 2;
                case coordinator_verdict::abortable: return 3;
                case coordinator_verdict::fatal: return 4;
            }
            return 4;
        };
        std::pair<errc, coordinator_verdict> worst{errc::none, coordinator_verdict::done};
        for (const auto& t : r.topics)
            for (const auto& p : t.partitions) {
                const coordinator_verdict v = judge_offset_commit_error(p.error_code);
                if (gravity(v) > gravity(worst.second)) worst = {p.error_code, v};
            }
        return worst;
    }

    // The request to the link's coordinator, found again and re-sent with backoff until it answers
    // with anything but a retriable error or `deadline` passes. `min_version`: the lowest this flow
    // needs (EndTxn v5 carries the epoch bump, TxnOffsetCommit v5 adds the group).
    //
    // Never inlined: g++ 12, inlining this coroutine's start into its caller's, stores the
    // addresses of its resume and destroy parts from a constant outside the caller's COMDAT group;
    // when the linker keeps another translation unit's copy of that group the constant refers to
    // a discarded section and the link fails.
    template <class Req>
    [[gnu::noinline]] task<result<typename Req::response_type>> call(coordinator_link& link, const Req& req, std::int16_t min_version,
                                                                      std::string_view what, steady_time deadline) {
        int failures = 0;
        error last(errc::timed_out);
        for (;;) {
            if (p_.engine.stopping()) co_return error(errc::producer_closed, std::string(what) + ": the producer is closing");
            auto conn = co_await coordinator(link, deadline);
            if (!conn) co_return std::move(conn).err();
            auto v = negotiate<Req>((*conn)->versions());
            if (!v || *v < min_version)
                co_return error(errc::unsupported_version,
                                std::string(what) + ": the coordinator " + (*conn)->host() + ":" + std::to_string((*conn)->port()) +
                                    " does not speak version " + std::to_string(min_version) + " or later, which transactions need");
            auto r = co_await (*conn)->request(req, *v, deadline);
            if (p_.engine.stopping()) co_return error(errc::producer_closed, std::string(what) + ": the producer is closing");
            // The call's deadline came before the answer: the connection drops the answer when it
            // comes, and the call ends now with the outcome unknown.
            if (!r && r.err().kind() == errc::timed_out) co_return timed_out(what, r.err());
            const auto [code, verdict] = r ? judge_answer(*r) : std::pair{r.err().kind(), judge_coordinator_error(r.err().kind())};
            if (verdict == coordinator_verdict::done) co_return std::move(r);
            if (verdict == coordinator_verdict::abortable || verdict == coordinator_verdict::fatal)
                co_return final_error(link, code, what);
            if (verdict == coordinator_verdict::find_coordinator) forget_coordinator(link);
            last = r ? error(code, std::string(what)) : std::move(r).err();
            ++failures;
            const bool again = co_await back_off(failures, deadline);
            if (!again) co_return timed_out(what, last);
        }
    }

    detail::detached_task abort_abandoned(producer_identity_grant current) {
        if (txn_coordinator_.connection && txn_coordinator_.connection->ready()) {
            // Its own request: a call of the destroyed producer's may still hold end_request_.
            end_txn_request req;
            req.transactional_id = std::string_view(p_.config.transactional_id);
            req.producer_id = current.producer_id;
            req.producer_epoch = current.producer_epoch;
            req.committed = false;
            if (auto v = negotiate<end_txn_request>(txn_coordinator_.connection->versions()); v && *v >= 5)
                (void)co_await txn_coordinator_.connection->request(req, *v);
        }
        close(error(errc::producer_destroyed));
    }

    error final_error(const coordinator_link& link, errc code, std::string_view what) const {
        if (code == errc::producer_fenced || code == errc::invalid_producer_epoch) return fenced(what);
        std::string m(what);
        m += " for ";
        m += describe(link);
        if (group_moved_on(code))
            m += ": the group no longer has this consumer as the metadata passed describes it (it rebalanced); abort the "
                 "transaction and go on from the group's committed offsets";
        return error(code, std::move(m));
    }
    static std::string describe(const coordinator_link& link) {
        std::string m(link.type == coordinator_type::group ? "group '" : "transactional_id '");
        m += link.key;
        m += "'";
        return m;
    }

    static error timed_out(std::string_view what, const error& last) {
        return error(errc::timed_out, std::string(what) + " was not answered before the call's timeout; the last attempt: " + last.message());
    }

    // Waits the backoff of attempt `failures`, or false when it would end past `deadline`.
    task<bool> back_off(int failures, steady_time deadline) {
        const steady_time at = p_.rt.now() + retry_backoff(failures, p_.config.retry_backoff, p_.config.retry_backoff_max, p_.rt.random());
        if (at >= deadline) co_return false;
        detail::wake_signal<Runtime> pause(p_.rt);
        co_await pause.wait_until(at);
        co_return true;
    }

    void forget_coordinator(coordinator_link& link) {
        if (!link.connection) return;
        link.connection->close(error(errc::not_coordinator, "the coordinator moved"));
        retired_.push_back(std::move(link.connection));
    }

    // The link's connection, looked up (FindCoordinator on any broker) and connected when there is
    // none.
    task<result<broker_connection<Runtime>*>> coordinator(coordinator_link& link, steady_time deadline) {
        std::erase_if(retired_, [](const auto& c) { return !c->busy(); });
        const std::string_view which = link.type == coordinator_type::group ? "the group coordinator" : "the transaction coordinator";
        int failures = 0;
        std::string nobody("no broker was reachable to look ");
        nobody += which;
        nobody += " up";
        error last(errc::coordinator_not_available, std::move(nobody));
        while (!link.connection || !link.connection->ready()) {
            if (p_.engine.stopping()) co_return error(errc::producer_closed, "the producer is closing");
            if (link.connection) forget_coordinator(link);
            auto found = co_await find_coordinator(link, deadline);
            if (found) {
                link.connection = std::make_unique<broker_connection<Runtime>>(p_.rt, found->host, found->port, p_.config, &p_.background, &p_.tls);
                // Bounded by the call's deadline as well: a call returns within its timeout.
                const auto left = std::max(std::chrono::milliseconds::zero(),
                                           std::chrono::duration_cast<std::chrono::milliseconds>(deadline - p_.rt.now()));
                auto c = co_await link.connection->connect(std::min(p_.config.socket_connection_setup_timeout, left),
                                                           p_.config.request_timeout, deadline);
                if (c) {
                    if (p_.log.enabled(log_level::info)) {
                        const std::string where = link.connection->where();
                        p_.log.broker(log_level::info, -1, where, errc::none, std::string(which) + " of " + describe(link) + " is " + where);
                    }
                    break;
                }
                last = std::move(c).err();
            } else {
                last = std::move(found).err();
                if (last.kind() != errc::none && judge_coordinator_error(last.kind()) == coordinator_verdict::fatal)
                    co_return error(last.code(), "FindCoordinator for " + describe(link) + ": " + last.detail());
            }
            ++failures;
            const bool again = co_await back_off(failures, deadline);
            if (!again) {
                std::string finding("finding ");
                finding += which;
                co_return timed_out(finding, last);
            }
        }
        co_return link.connection.get();
    }

    struct coordinator_address {
        std::string host;
        std::uint16_t port = 0;
    };
    task<result<coordinator_address>> find_coordinator(const coordinator_link& link, steady_time deadline) {
        broker_connection<Runtime>* conn = p_.engine.any_ready_connection();
        if (conn == nullptr) {
            p_.engine.request_metadata();
            co_return error(errc::connection_failed, "no broker connection is up yet");
        }
        auto v = negotiate<find_coordinator_request>(conn->versions());
        if (!v) co_return std::move(v).err();
        find_coordinator_request req;
        req.key_type = link.type;
        const std::string_view keys[] = {link.key};
        if (*v >= 4) req.coordinator_keys = keys;
        else req.key = keys[0];
        auto r = co_await conn->request(req, *v, deadline);
        if (!r) co_return std::move(r).err();
        if (*v >= 4) {
            if (r->coordinators.empty()) co_return error(errc::malformed_response, "FindCoordinator answered no coordinator");
            const auto& c = r->coordinators.front();
            if (c.error_code != errc::none) co_return error(c.error_code, "FindCoordinator");
            co_return coordinator_address{std::string(c.host), static_cast<std::uint16_t>(c.port)};
        }
        if (r->error_code != errc::none) co_return error(r->error_code, "FindCoordinator");
        co_return coordinator_address{std::string(r->host), static_cast<std::uint16_t>(r->port)};
    }

    // The cluster's finalized transaction.version, from the coordinator's ApiVersions (v3+); 0
    // when the broker finalizes none (a cluster that predates the feature).
    task<result<std::int16_t>> transaction_version(steady_time deadline) {
        int failures = 0;
        for (;;) {
            auto conn = co_await coordinator(txn_coordinator_, deadline);
            if (!conn) co_return std::move(conn).err();
            auto v = negotiate<api_versions_request>((*conn)->versions());
            if (!v) co_return std::move(v).err();
            if (*v < 3) co_return std::int16_t{0};
            api_versions_request req;
            auto r = co_await (*conn)->request(req, *v, deadline);
            if (r && r->error_code == errc::none) {
                for (const auto& f : r->finalized_features)
                    if (f.name == "transaction.version") co_return f.max_version_level;
                co_return std::int16_t{0};
            }
            const error last = r ? error(r->error_code, "ApiVersions") : std::move(r).err();
            forget_coordinator(txn_coordinator_);
            ++failures;
            const bool again = co_await back_off(failures, deadline);
            if (!again) co_return timed_out("ApiVersions at the transaction coordinator", last);
        }
    }

    parts p_;
    transaction_state state_;
    end_txn_request end_request_;
    coordinator_link txn_coordinator_{coordinator_type::transaction, p_.config.transactional_id, nullptr};
    coordinator_link group_coordinator_{coordinator_type::group, {}, nullptr};
    std::vector<std::unique_ptr<broker_connection<Runtime>>> retired_;  // closed, still busy
};

KCORO_NAMESPACE_END
