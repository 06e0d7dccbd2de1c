// The producer engine: everything between a record's bytes and the broker's answer, instantiated
// once per runtime. basic_producer (the front) serializes and partitions, then hands the record to
// append(); the engine wires the parts that do the rest, each in its own header and owning its
// state: the record accumulator, the parked sends, delivery reporting, the producer identity, the
// retry policy, the metadata refresher, one sender per broker and, with a transactional_id, the
// transaction manager. It keeps the lifecycle, flush and close, the producer id loop and the
// transactional calls (each flushes its transaction before the coordinator ends it).
// docs/architecture.md draws it.
#pragma once

#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "../record/record.hpp"
#include "../result.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/wake_signal.hpp"
#include "broker_connection.hpp"
#include "broker_sender.hpp"
#include "cluster_metadata.hpp"
#include "consumer_group_metadata.hpp"
#include "delivery.hpp"
#include "delivery_handle.hpp"
#include "delivery_reporter.hpp"
#include "metadata_refresher.hpp"
#include "parked_sends.hpp"
#include "producer_batch.hpp"
#include "producer_config.hpp"
#include "producer_id_requester.hpp"
#include "producer_identity.hpp"
#include "producer_log.hpp"
#include "producer_record.hpp"
#include "producer_stats.hpp"
#include "record_accumulator.hpp"
#include "retry_policy.hpp"
#include "shared_tls_context.hpp"
#include "topic_partition_offset.hpp"
#include "transaction_manager.hpp"
#include "transaction_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <engine_runtime Runtime>
class producer_engine final : private broker_sender<Runtime>::host,
                              private metadata_refresher<Runtime>::host,
                              private producer_id_requester<Runtime>::host,
                              private transaction_manager<Runtime>::host {
    using sender = broker_sender<Runtime>;
    using refresher = metadata_refresher<Runtime>;
    using id_requester = producer_id_requester<Runtime>;
    using txn_manager = transaction_manager<Runtime>;

public:
    producer_engine(Runtime rt, producer_config config, std::vector<broker_address> bootstrap);
    ~producer_engine();
    producer_engine(const producer_engine&) = delete;
    producer_engine& operator=(const producer_engine&) = delete;

    // Starts connecting: the metadata loop, and the producer id's when idempotent. A transactional
    // producer gets its id from init_transactions() instead.
    void start();

    // ---- metadata before the first send --------------------------------------------------------

    // True once the topic's partitions are known, so that try_send to it is not refused for want
    // of metadata (leader_not_available).
    bool has_metadata(std::string_view topic_name) const noexcept { return refresher_.has_metadata(topic_name); }

    // Looks the topics up now, without sending, and resumes once every one has_metadata(): ok, the
    // broker's error for a topic it refuses (an invalid name, no authorization), or timed_out
    // naming the topics still unknown after `timeout`. A game loop warms up before its first frame
    // with run_until_complete(loop, producer.wait_for_metadata({"events"}, 10s)); the names are
    // copied, so the list need not outlive the call.
    task<result<void>> wait_for_metadata(std::initializer_list<std::string_view> topics, std::chrono::milliseconds timeout) {
        return wait_for_metadata(std::span<const std::string_view>(topics.begin(), topics.size()), timeout);
    }
    task<result<void>> wait_for_metadata(std::span<const std::string_view> topics, std::chrono::milliseconds timeout);

    // Records whose outcome nobody awaits (send_and_forget, try_send without callback) report
    // failures here.
    void set_error_handler(std::function<void(const record_metadata&, const error&)> h) { reporter_.set_error_handler(std::move(h)); }
    // What the producer has to say (log_record.hpp) at `least` and above goes to `h`; nothing is
    // logged without one.
    void set_log_handler(producer_log::handler h, log_level least) { log_.set(std::move(h), least); }

    // ---- flush and close ----------------------------------------------------------------------

    // Sends everything buffered now, ignoring linger, and resumes when every record enqueued before
    // the call has been acknowledged or has failed. Records sent while it waits leave at once too
    // (linger is ignored while a flush waits), but it does not wait for them: beside a steady
    // stream of sends it would never resume.
    task<void> flush();

    // Stops accepting records, delivers what it can within `timeout`, fails the rest with
    // errc::timed_out, closes every connection and returns once no background work is left.
    // Sends parked before close() (waiting for metadata or buffer memory) still go out if they
    // can within the timeout; those that cannot fail with errc::producer_closed, saying close()
    // interrupted them. Ok only if every record accepted or parked before close() was delivered;
    // otherwise the first failure, with how many there were.
    //
    // An open transaction is aborted first (within the same timeout), so that none of its records
    // becomes visible to read_committed consumers; a failed abort is close()'s error. A
    // send_offsets_to_transaction() in flight is awaited first, within the timeout too: the abort's
    // EndTxn would otherwise bump the epoch under its TxnOffsetCommit.
    task<result<void>> close(std::chrono::milliseconds timeout);

    // ---- transactions (transactional_id set) ----------------------------------------------------

    bool transactional() const noexcept { return !config_.transactional_id.empty(); }
    transaction_phase transaction() const noexcept { return txn_.state().phase(); }

    // Finds the transaction coordinator and gets the producer id for the transactional id, which
    // fences every older producer with the same id (the coordinator aborts a transaction one left
    // open). Needed once, before the first begin_transaction(); begin does not do it. After a
    // timeout, calling it again resumes.
    task<result<void>> init_transactions(std::chrono::milliseconds timeout);

    // Opens a transaction: the records sent from now on are committed or aborted together. Nothing
    // goes to the broker (a partition joins the transaction with its first Produce), so there is
    // nothing to wait for.
    result<void> begin_transaction() {
        if (auto t = transactional_call("begin_transaction()"); !t) return t;
        return txn_.state().begin();
    }

    // Commits the consumer group's offsets inside the open transaction (TxnOffsetCommit to the
    // group's coordinator): the group sees them only if the transaction commits, which is what makes
    // a consume-transform-produce loop exactly-once. With the full metadata of the group's consumer
    // the coordinator refuses a consumer the group rebalanced away from (the transaction must then
    // be aborted); the group id alone skips that check. The offsets and the group are copied: they
    // need not outlive the call. Commit and abort are refused while it is in flight; after it timed
    // out the commit is refused until it is called again (abort is not).
    task<result<void>> send_offsets_to_transaction(std::span<const topic_partition_offset> offsets,
                                                   const consumer_group_metadata& group, std::chrono::milliseconds timeout) {
        return offsets_to_transaction(std::vector<topic_partition_offset>(offsets.begin(), offsets.end()), group, timeout);
    }
    task<result<void>> send_offsets_to_transaction(std::span<const topic_partition_offset> offsets, std::string_view group_id,
                                                   std::chrono::milliseconds timeout) {
        return offsets_to_transaction(std::vector<topic_partition_offset>(offsets.begin(), offsets.end()),
                                      consumer_group_metadata::from_group_id(group_id), timeout);
    }

    // Sends what the transaction buffered, waits for every record of it, then commits it (EndTxn).
    // A record that was not delivered fails the commit with that record's error; the transaction
    // must then be aborted. A timeout leaves the outcome unknown: calling commit_transaction()
    // again resumes it (abort_transaction() is refused until then).
    task<result<void>> commit_transaction(std::chrono::milliseconds timeout);

    // Aborts the transaction: records not yet sent fail with errc::cancelled, those in flight are
    // awaited, then the coordinator aborts it (EndTxn), which read_committed consumers never see.
    // After an abortable error this is the only way on. A timeout: call it again to resume.
    task<result<void>> abort_transaction(std::chrono::milliseconds timeout);

    // With acks::none the broker never answers a Produce request, so "written to the socket" is all
    // the producer knows; a broker drops what it has not read yet when the connection closes. A
    // request that does get an answer, sent after them on the same connection, is answered only once
    // the broker has handled every request before it (one connection's requests are processed in
    // order), which makes flush() and close() mean "the broker has these records" here too.
    task<void> acks_none_barrier();

    // A snapshot, valid until the next call (copy it to keep it).
    const producer_stats& stats() const;
    const producer_config& config() const noexcept { return config_; }
    const cluster_metadata& metadata() const noexcept { return refresher_.metadata(); }
    // What last went wrong reaching the cluster (a connect, a name lookup, a broker that hung up),
    // saying where; empty until something did.
    const error& last_error() const noexcept { return refresher_.last_error(); }
    std::int64_t producer_id() const noexcept { return identity_.id(); }
    std::int16_t producer_epoch() const noexcept { return identity_.epoch(); }
    Runtime& runtime() noexcept { return rt_; }
    // The producer's background coroutines. An adapter that starts coroutines of its own around
    // the producer starts them here, so that they are counted and torn down with the producer's.
    detail::detached_scope& background() noexcept { return background_; }

    // The destructor's work, done while the memory stays valid for the coroutines still to run:
    // every outcome reported now, every background coroutine told to end.
    void abandon() noexcept;

    enum class enqueue_status { enqueued, failed, blocked_memory, blocked_metadata };

    // ---- for the front: a record's way in ------------------------------------------------------

    // Whether a record for the topic may be taken now, and where it would go: its topic's state and
    // metadata, or why not (failed: last_enqueue_error() says why; blocked_metadata: parked until
    // the metadata comes). A send parked before close() is still taken while close() runs.
    struct admission {
        enqueue_status status = enqueue_status::enqueued;
        topic_state* topic = nullptr;
        const topic_metadata* metadata = nullptr;
    };
    admission admit(std::string_view topic_name, bool parked_before_close) {
        admission a;
        if (stopping() || (closing() && !parked_before_close)) {
            last_enqueue_error_ = destroyed() ? error(errc::producer_destroyed, "send to a producer being destroyed")
                                              : error(errc::producer_closed, "send after close");
            a.status = enqueue_status::failed;
            return a;
        }
        if (fatal_error_) {
            last_enqueue_error_ = *fatal_error_;
            a.status = enqueue_status::failed;
            return a;
        }
        if (transactional()) {
            if (auto open = txn_.state().may_send(); !open) {
                last_enqueue_error_ = std::move(open).err();
                a.status = enqueue_status::failed;
                return a;
            }
        }
        topic_state& ts = topic(topic_name);
        const topic_metadata* md = refresher_.metadata().topic(topic_name);
        if (md == nullptr || md->partitions.empty()) {
            if (md != nullptr && md->error != errc::none && !is_retriable(md->error)) {
                last_enqueue_error_ = error(md->error, "topic '" + std::string(topic_name) + "'");
                a.status = enqueue_status::failed;
                return a;
            }
            request_metadata();
            a.status = enqueue_status::blocked_metadata;
            return a;
        }
        if (ts.partitions.size() < md->partitions.size()) {
            record_accumulator::fit(ts, md->partitions.size());
            refresher_.routing_changed();  // the new partitions have leaders
        }
        a.topic = &ts;
        a.metadata = md;
        return a;
    }

    // Appends an admitted record to its partition's batch, its fields written by the writers
    // straight into it. Inline, as the writers' types are the front's; what follows is not.
    template <class KW, class VW>
    record_accumulator::append_result append(topic_state& ts, std::int32_t partition, std::int64_t timestamp, bool has_key,
                                             KW& key, bool has_value, VW& value, std::span<const record_header> headers,
                                             delivery_slot& slot) {
        auto a = accumulator_.append(ts, partition, rt_.now(), timestamp, has_key, key, has_value, value, headers, slot);
        if (a.sealed_previous || a.status == record_accumulator::append_outcome::too_large) not_appended(ts, partition, a);
        return a;
    }
    // The record is in its batch: counted, and the partition's sender woken if the batch should go
    // before the sender would wake by itself.
    void appended(topic_state& ts, std::int32_t partition, const record_accumulator::append_result& a) {
        const producer_batch& b = *a.batch;
        ++stats_.records_enqueued;
        if (transactional()) txn_.state().record_appended();
        // A new batch's linger starts now: the sender, which computed when to wake before this batch
        // existed, is woken if it would sleep past it.
        if (b.sealed || config_.linger.count() == 0 || flushing_ > 0) wake_leader(ts.name, partition);
        else if (a.status == record_accumulator::append_outcome::opened) wake_leader_by(ts.name, partition, b.created + config_.linger);
    }
    // Why the last admit() or append() refused a record; the caller takes it.
    error& last_enqueue_error() noexcept { return last_enqueue_error_; }
    // Milliseconds since the epoch, for a record sent without a timestamp.
    std::int64_t timestamp_now() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(rt_.wall_now().time_since_epoch()).count();
    }
    // The slot of a send that awaits a delivery_handle.
    detail::delivery_state_pool& handle_states() noexcept { return reporter_.handle_states(); }
    std::function<void(std::coroutine_handle<>)>* handle_post() noexcept { return &rt_post_; }

    void park(parked_send* s) {
        parked_.park(s);
        if (s->reason == park_reason::metadata) {
            topic(s->topic);
            request_metadata();
        }
        refresher_.notify();  // its loop also expires parked sends at their max_block
    }
    // While close() runs, each record pending when it was called that fails makes close() fail.
    void note_if_closing(const error& e) { reporter_.note_failure(e); }
    void request_metadata() override { refresher_.request(); }
    // Why a topic has no usable metadata, as an error (metadata_refresher::missing).
    error metadata_missing(std::string_view topic, std::string what, errc otherwise) const {
        return refresher_.missing(topic, std::move(what), otherwise);
    }

private:
    void not_appended(topic_state& ts, std::int32_t partition, const record_accumulator::append_result& a);

    // One way through, never back: open -> closing (close() delivers what it can within its
    // timeout) -> stopping (what is left fails, connections close) -> closed; destroying the
    // producer jumps to destroyed from any of them.
    enum class lifecycle : std::uint8_t { open, closing, stopping, closed, destroyed };
    bool closing() const noexcept override { return state_ >= lifecycle::closing; }    // no new sends
    bool stopping() const noexcept override { return state_ >= lifecycle::stopping; }  // background work ends
    bool closed() const noexcept { return state_ == lifecycle::closed; }
    // The destructor ran; the memory lives on for the coroutines still to end.
    bool destroyed() const noexcept override { return state_ == lifecycle::destroyed; }

    topic_state& topic(std::string_view name) {
        bool created = false;
        topic_state& ts = accumulator_.topic(name, created);
        if (created) {
            refresher_.routing_changed();
            request_metadata();
        }
        return ts;
    }

    // ---- parked sends -------------------------------------------------------------------------

    void retry_parked() {
        parked_.retry();
        parked_sends_left();
    }
    void expire_parked(steady_time now) {
        parked_.expire(now, [&](const parked_send& s) {
            if (s.reason == park_reason::metadata)
                return metadata_missing(s.topic,
                                        "topic '" + std::string(s.topic) + "' not present in metadata after max_block (" +
                                            std::to_string(config_.max_block.count()) + " ms)",
                                        errc::timed_out);
            return error(errc::buffer_exhausted, "buffer_memory (" + std::to_string(config_.buffer_memory) +
                                                     " bytes) stayed full for max_block (" +
                                                     std::to_string(config_.max_block.count()) +
                                                     " ms); a longer max_block waits longer");
        });
        parked_sends_left();
    }
    // A flush() still waiting for sends parked before it may go on.
    void parked_sends_left() {
        for (const flush_waiter* w : flush_waiters_)
            if (!w->counting && !parked_.any_through(w->parked_through)) w->signal->notify();
    }
    void fail_waiting_senders(const error& e) {
        parked_.fail_all([&](const parked_send&) { return e; });
        parked_sends_left();
        if (idle()) notify_idle();
    }
    // Fails every parked send with `kind`, the reason, and what the send was waiting for.
    void fail_waiting_senders(errc kind, std::string_view reason) {
        parked_.fail_all([&](const parked_send& s) {
            std::string detail(reason);
            if (s.reason == park_reason::metadata) detail += " while it waited for metadata of topic '" + std::string(s.topic) + "'";
            else detail += " while it waited for buffer memory";
            return error(kind, std::move(detail));
        });
        parked_sends_left();
        if (idle()) notify_idle();
    }

    // ---- completion (for the senders) ---------------------------------------------------------

    void complete_batch(producer_batch* b, std::int64_t base_offset, std::int64_t log_append_time) override {
        partition_state& ps = partition_of(*b);
        ps.records_delivered += static_cast<std::uint64_t>(b->record_count());
        ++ps.batches_delivered;
        stats_.delivery_latency.record(std::chrono::duration_cast<std::chrono::microseconds>(rt_.now() - b->created));
        reporter_.complete(*b, base_offset, log_append_time, poster());
        release_batch(b);
    }
    void fail_batch(producer_batch* b, const error& e) override {
        partition_of(*b).records_failed += static_cast<std::uint64_t>(b->record_count());
        if (transactional()) transaction_records_failed(e, b->record_count());
        report_failure(b, e);
        release_batch(b);
        // A batch given up after it got a sequence needs a new epoch (producer_identity::gave_up).
        if (identity_.bump_needed()) id_requester_.notify();
    }
    // The batch keeps its memory (a write may still refer to it).
    void report_failure(producer_batch* b, const error& e) { reporter_.fail(*b, e, poster()); }
    auto poster() noexcept {
        return [this](std::coroutine_handle<> h) { rt_.post(h); };
    }

    void release_batch(producer_batch* b) override {
        accumulator_.release(b);
        batch_released();
    }
    // Memory came back: parked sends may get in, and flush() or close() may be done.
    void batch_released() {
        retry_parked();
        if (idle()) notify_idle();
        for (const flush_waiter* w : flush_waiters_)
            if (w->counting && accumulator_.flush_round_done(w->round)) w->signal->notify();
    }

    bool idle() const noexcept { return accumulator_.outstanding_batches() == 0 && parked_.empty(); }

    void fail_all_queued(const error& e) { fail_all_queued(e, e); }
    // `sent_before`: for a batch queued again after an attempt, whose outcome is not known.
    void fail_all_queued(const error& e, const error& sent_before) {
        accumulator_.take_all([&](producer_batch* b) { fail_batch(b, b->attempts > 0 ? sent_before : e); });
    }

    void coroutine_started() override { ++live_coroutines_; }
    void coroutine_ended() override {
        --live_coroutines_;
        notify_idle();
    }
    void notify_idle() {
        for (auto* s : idle_waiters_) s->notify();
    }

    // ---- the senders --------------------------------------------------------------------------

    bool sending_everything() const noexcept override { return flushing_ > 0 || closing(); }
    void broker_connected() override {
        id_requester_.notify();
        refresher_.notify();
    }
    void request_answered() override {
        if (identity_.needs_id() || identity_.bump_needed()) id_requester_.notify();
    }

    sender& broker(std::int32_t id);

    void wake_leader(std::string_view topic_name, std::int32_t partition) override { wake_leader_by(topic_name, partition, steady_time::max()); }
    // Wakes the partition's sender if it sleeps past `when` (a new batch's linger deadline).
    void wake_leader_by(std::string_view topic_name, std::int32_t partition, steady_time when) {
        const topic_metadata* md = refresher_.metadata().topic(topic_name);
        if (md == nullptr || partition >= md->partition_count()) return;
        const std::int32_t leader = md->partitions[static_cast<std::size_t>(partition)].leader;
        if (leader < 0) return;
        auto it = senders_.find(leader);
        sender& s = it != senders_.end() ? *it->second : broker(leader);
        if (when == steady_time::max()) s.notify();
        else s.notify_by(when);
    }
    void notify_all_senders_only() {
        for (auto& [id, s] : senders_) s->notify();
    }
    void notify_all_senders() {
        notify_all_senders_only();
        refresher_.notify();
    }
    bool connections_busy() const {
        for (auto& [id, s] : senders_)
            if (s->busy()) return true;
        return refresher_.busy() || txn_.busy();
    }

    // ---- the metadata refresher ---------------------------------------------------------------

    broker_connection<Runtime>* ready_connection() override {
        for (auto& [id, s] : senders_)
            if (s->ready()) return s->connection();
        return nullptr;
    }
    broker_connection<Runtime>* any_ready_connection() override {
        broker_connection<Runtime>* c = ready_connection();
        return c != nullptr ? c : refresher_.ready_bootstrap();
    }
    void leader_seen(std::int32_t id) override { (void)broker(id); }
    void refresh_ended() override {
        retry_parked();
        if (idle()) notify_idle();  // sends parked for a topic that does not exist failed
        notify_all_senders_only();
        if (identity_.needs_id() || identity_.bump_needed()) id_requester_.notify();  // a connection may be up now
    }
    // Parked sends at their max_block and queued batches at their delivery timeout fail, whoever
    // leads their partition (a partition without a leader has no sender to expire it).
    steady_time housekeeping(steady_time now) override {
        expire_parked(now);
        if (idle()) notify_idle();
        steady_time next = parked_.earliest_deadline();
        for (auto& [name, ts] : accumulator_.topics())
            for (std::size_t i = 0; i < ts->partitions.size(); ++i)
                sender::expire_partition(sender_parts_, *ts, static_cast<std::int32_t>(i), now, next);
        return next;
    }

    // ---- the producer id -----------------------------------------------------------------------

    int requests_in_flight() const override {
        int n = 0;
        for (auto& [id, s] : senders_) n += s->in_flight();
        return n;
    }
    void producer_id_assigned() override { notify_all_senders(); }
    void producer_id_refused(const error& e) override {
        fatal_error_ = e;
        fail_waiting_senders(*fatal_error_);
        fail_all_queued(*fatal_error_);
    }
    // ---- transactions ---------------------------------------------------------------------------

    result<void> transactional_call(std::string_view call) const {
        if (!transactional())
            return error(errc::invalid_txn_state, std::string(call) + " needs a transactional producer: set transactional_id");
        if (fatal_error_ && !txn_.state().fatal()) return *fatal_error_;
        if (stopping() || (closing() && txn_.state().phase() != transaction_phase::aborting))
            return error(destroyed() ? errc::producer_destroyed : errc::producer_closed, std::string(call) + " after close()");
        return ok();
    }
    bool transaction_open() const noexcept {
        const transaction_phase p = txn_.state().phase();
        return p == transaction_phase::in_transaction || p == transaction_phase::abortable_error || p == transaction_phase::aborting;
    }

    // Waits until no record of the transaction is buffered, parked or in flight, or `deadline`.
    task<bool> drain_transaction(steady_time deadline) {
        ++flushing_;
        notify_all_senders();
        detail::wake_signal<Runtime> signal(rt_);
        idle_waiters_.push_back(&signal);
        while (!idle() && !destroyed() && rt_.now() < deadline) co_await signal.wait_until(deadline);
        std::erase(idle_waiters_, &signal);
        --flushing_;
        co_return idle();
    }
    // Waits until no send_offsets_to_transaction() is in flight (each one's end notifies the idle
    // waiters), or `deadline`; false when one still is.
    task<bool> offsets_settled(steady_time deadline) {
        detail::wake_signal<Runtime> signal(rt_);
        idle_waiters_.push_back(&signal);
        while (txn_.state().offsets_in_flight() && !destroyed() && rt_.now() < deadline) co_await signal.wait_until(deadline);
        std::erase(idle_waiters_, &signal);
        co_return !txn_.state().offsets_in_flight();
    }
    // Records of an aborted transaction that have not left: they fail now rather than go out.
    void discard_unsent(const error& why) {
        fail_waiting_senders(why);
        accumulator_.take_all([&](producer_batch* b) { fail_batch(b, why); });
    }

    // The work of send_offsets_to_transaction(), on copies held by the coroutine.
    task<result<void>> offsets_to_transaction(std::vector<topic_partition_offset> offsets, consumer_group_metadata group,
                                              std::chrono::milliseconds timeout);

    // EndTxn when the transaction reached the broker; then the next transaction may begin, with the
    // id and epoch the coordinator returned.
    task<result<void>> complete_transaction(bool commit, steady_time deadline, std::chrono::milliseconds timeout) {
        const char* call = commit ? "commit_transaction()" : "abort_transaction()";
        if (txn_.state().needs_end_txn()) {
            auto answer = co_await txn_.end_transaction(commit, {identity_.id(), identity_.epoch()}, deadline);
            if (destroyed()) co_return error(errc::producer_destroyed, std::string("the producer was destroyed during ") + call);
            if (!answer) co_return transaction_failed(std::move(answer).err(), call, timeout);
            auto grant = txn_manager::grant_of(*answer);
            if (!grant) co_return transaction_failed(std::move(grant).err(), call, timeout);
            next_transaction_epoch(*grant);
            ++stats_.epoch_bumps;
        }
        txn_.state().ended();
        co_return ok();
    }

    // The coordinator's id and epoch for the next transaction: every partition restarts at
    // sequence 0 (nothing is queued between transactions).
    void next_transaction_epoch(const typename txn_manager::producer_identity_grant& g) {
        identity_.assign(g.producer_id, g.producer_epoch);
        id_requester::restart_sequences(accumulator_);
        notify_all_senders();
    }

    // What a failed coordinator call leaves: a timeout or a closing producer changes nothing (the
    // call may be made again); an abortable error (as `judge` tells them) leaves only abort;
    // anything else is fatal.
    error transaction_failed(error e, std::string_view call, std::chrono::milliseconds timeout,
                             coordinator_verdict (*judge)(errc) noexcept = judge_coordinator_error) {
        const errc k = e.kind();
        if (k == errc::timed_out)
            return error(errc::timed_out, std::string(call) + " did not finish within " + std::to_string(timeout.count()) +
                                              " ms, so its outcome is unknown; call it again to resume it (" + e.detail() + ")");
        if (k == errc::producer_closed || k == errc::producer_destroyed) return e;
        if (judge(k) == coordinator_verdict::abortable) {
            txn_.state().to_abortable(e);
            if (log_.enabled(log_level::warning))
                log_.producer(log_level::warning, k, std::string(call) + " failed, so the transaction can only be aborted: " + e.message());
            return e;
        }
        transaction_fatal(e);
        return e;
    }
    // The producer refuses all further work, saying why; what it still holds fails with the reason.
    void transaction_fatal(const error& e) {
        if (log_.enabled(log_level::error) && !txn_.state().fatal())
            log_.producer(log_level::error, e.kind(), "the transactional producer can go no further: " + e.message());
        txn_.state().to_fatal(e);
        if (!fatal_error_) fatal_error_ = e;
        fail_waiting_senders(e);
    }
    // Records of the transaction failed: it can only be aborted now, or, for a fencing error, the
    // producer is done.
    void transaction_records_failed(const error& e, std::int64_t records) {
        if (fatal_in_transaction(e.kind()) && !txn_.state().fatal())
            transaction_fatal(e.kind() == errc::producer_fenced ? txn_.fenced("a Produce request") : e);
        else txn_.state().record_failed(e, records);
    }

    Runtime rt_;
    producer_config config_;
    shared_tls_context tls_;  // before every part that holds connections made from it
    steady_time created_;
    mutable producer_stats stats_;
    producer_log log_;
    record_accumulator accumulator_{config_};
    delivery_reporter reporter_;
    std::function<void(std::coroutine_handle<>)> rt_post_;
    error last_enqueue_error_;
    parked_sends parked_;
    producer_identity identity_;
    std::optional<error> fatal_error_;
    refresher refresher_;
    typename sender::parts sender_parts_{rt_, config_, tls_, accumulator_, identity_, refresher_, stats_, log_, background_, *this};
    std::map<std::int32_t, std::unique_ptr<sender>> senders_;

    id_requester id_requester_{{rt_, config_, identity_, accumulator_, stats_, log_, *this}};
    txn_manager txn_{{rt_, config_, tls_, log_, background_, *this}};
    std::vector<detail::wake_signal<Runtime>*> idle_waiters_;
    // Each flush() waiting: first for the sends parked before it (up to a serial), then for a round
    // of batches.
    struct flush_waiter {
        std::uint64_t parked_through = 0;
        bool counting = false;  // the sends have left the parked list; `round` is the round
        std::uint64_t round = 0;
        detail::wake_signal<Runtime>* signal = nullptr;
    };
    std::vector<flush_waiter*> flush_waiters_;

    int flushing_ = 0;
    lifecycle state_ = lifecycle::open;
    int live_coroutines_ = 0;
    detail::detached_scope background_;
};

// The members a program calls once or seldom (construction, start, flush, close, the transactional
// calls, destruction) are defined outside the class: not being inline, they are compiled only where
// the engine is, which with KCORO_SEPARATE_COMPILATION is the one file that defines it
// (engine_instances.hpp). Defined in the class, each would be compiled again, with every part it
// reaches, in every file that calls it. What stays in the class is the per-record path.

template <engine_runtime Runtime>
producer_engine<Runtime>::producer_engine(Runtime rt, producer_config config, std::vector<broker_address> bootstrap)
    : rt_(std::move(rt)),
      config_(std::move(config)),
      created_(rt_.now()),
      identity_(config_.enable_idempotence || !config_.transactional_id.empty(), !config_.transactional_id.empty()),
      refresher_({rt_, config_, tls_, accumulator_, parked_, identity_, stats_, log_, background_, *this}, std::move(bootstrap)) {
    rt_post_ = [this](std::coroutine_handle<> h) { rt_.post(h); };
}

template <engine_runtime Runtime>
producer_engine<Runtime>::~producer_engine() = default;

template <engine_runtime Runtime>
const producer_stats& producer_engine<Runtime>::stats() const {
    producer_stats& s = stats_;
    s.buffered_bytes = accumulator_.used_memory();
    s.buffer_available_bytes = config_.buffer_memory > s.buffered_bytes ? config_.buffer_memory - s.buffered_bytes : 0;
    s.records_delivered = reporter_.delivered();
    s.records_failed = reporter_.failed();
    s.waiting_sends = parked_.size();
    s.requests_in_flight = static_cast<std::uint64_t>(requests_in_flight());
    s.uptime_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(rt_.now() - created_).count());
    s.brokers.resize(senders_.size());
    std::size_t i = 0;
    for (const auto& [id, sender] : senders_) sender->snapshot(s.brokers[i++]);
    s.partitions.clear();
    for (const auto& [name, ts] : accumulator_.topics()) {
        for (std::size_t p = 0; p < ts->partitions.size(); ++p) {
            const partition_state& ps = ts->partitions[p];
            if (ps.batches_delivered == 0 && ps.records_failed == 0 && ps.retries == 0 && ps.queue.empty() && ps.in_flight == 0) continue;
            partition_stats& out = s.partitions.emplace_back();
            out.topic = ts->name;
            out.partition = static_cast<std::int32_t>(p);
            out.records_delivered = ps.records_delivered;
            out.records_failed = ps.records_failed;
            out.batches_delivered = ps.batches_delivered;
            out.retries = ps.retries;
            out.queued_batches = ps.queue.size();
            out.in_flight_batches = static_cast<std::uint64_t>(ps.in_flight);
        }
    }
    std::sort(s.partitions.begin(), s.partitions.end(), [](const partition_stats& a, const partition_stats& b) {
        return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
    });
    return s;
}

template <engine_runtime Runtime>
void producer_engine<Runtime>::start() {
    ++live_coroutines_;
    detail::start_detached(rt_, background_, refresher_.loop());
    if (identity_.idempotent() && !transactional()) {
        ++live_coroutines_;
        detail::start_detached(rt_, background_, id_requester_.loop());
    }
}

template <engine_runtime Runtime>
task<result<void>> producer_engine<Runtime>::wait_for_metadata(std::span<const std::string_view> topics,
                                                            std::chrono::milliseconds timeout) {
    std::vector<std::string> names(topics.begin(), topics.end());
    for (const std::string& name : names) (void)topic(name);  // the next metadata refresh asks for it
    return refresher_.wait_for(std::move(names), timeout);
}

template <engine_runtime Runtime>
task<void> producer_engine<Runtime>::flush() {
    const detail::detached_scope::hold keep(background_);  // first: the producer outlives this frame
    ++flushing_;
    notify_all_senders();
    detail::wake_signal<Runtime> signal(rt_);
    idle_waiters_.push_back(&signal);  // the destructor wakes these
    flush_waiter w;
    w.parked_through = parked_.last_serial();
    w.signal = &signal;
    flush_waiters_.push_back(&w);
    // Sends suspended before the call (an Asio async_send initiated before it is one) are waited
    // for until they are in the buffer or have failed (parked_sends_left() ends the wait); then
    // every batch of the round that ends there (batch_released() ends that wait).
    while (parked_.any_through(w.parked_through) && !destroyed()) co_await signal.wait_until(steady_time::max());
    w.round = accumulator_.begin_flush_round();
    w.counting = true;
    while (!accumulator_.flush_round_done(w.round) && !destroyed()) co_await signal.wait_until(steady_time::max());
    std::erase(idle_waiters_, &signal);
    std::erase(flush_waiters_, &w);
    if (!destroyed()) co_await acks_none_barrier();
    --flushing_;
}

template <engine_runtime Runtime>
task<result<void>> producer_engine<Runtime>::close(std::chrono::milliseconds timeout) {
    const detail::detached_scope::hold keep(background_);  // first: the producer outlives this frame
    if (closed()) co_return ok();
    if (destroyed()) co_return error(errc::producer_destroyed, "close() on a producer being destroyed");
    std::optional<error> abort_failed;
    if (transactional() && transaction_open() && !closing()) {
        const steady_time started = rt_.now();
        const bool settled = co_await offsets_settled(started + timeout);
        if (destroyed()) co_return error(errc::producer_destroyed, "the producer was destroyed during close()");
        timeout -= std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(rt_.now() - started));
        if (!settled) {
            abort_failed = error(errc::timed_out, "close(): a send_offsets_to_transaction() was still in flight when close()'s "
                                                  "timeout passed, so the open transaction was not aborted; its coordinator "
                                                  "aborts it once transaction_timeout passes");
        } else if (transaction_open()) {
            const steady_time aborting = rt_.now();
            auto a = co_await abort_transaction(timeout);
            if (destroyed()) co_return error(errc::producer_destroyed, "the producer was destroyed during close()");
            if (!a) abort_failed = error(a.code(), "close() aborted the open transaction and that failed: " + a.err().message());
            timeout -= std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(rt_.now() - aborting));
        }
    }
    if (closed()) co_return ok();
    state_ = lifecycle::closing;
    reporter_.watch_failures(true);
    ++flushing_;
    notify_all_senders();
    const steady_time deadline = rt_.now() + timeout;
    detail::wake_signal<Runtime> signal(rt_);
    idle_waiters_.push_back(&signal);
    while (!idle() && rt_.now() < deadline && !destroyed()) co_await signal.wait_until(deadline);
    if (destroyed()) {
        std::erase(idle_waiters_, &signal);
        co_return error(errc::producer_destroyed, "the producer was destroyed during close()");
    }
    if (idle()) co_await acks_none_barrier();
    state_ = lifecycle::stopping;
    fail_waiting_senders(errc::producer_closed, "close() interrupted this send");
    const error why(errc::timed_out, "not acknowledged before close()'s timeout (" + std::to_string(timeout.count()) + " ms)");
    fail_all_queued(why);
    for (auto& [id, s] : senders_) s->close(error(errc::producer_closed), false);
    refresher_.close(error(errc::producer_closed), false);
    txn_.close(error(errc::producer_closed));
    id_requester_.notify();
    while ((live_coroutines_ > 0 || accumulator_.outstanding_batches() > 0 || connections_busy()) && !destroyed()) {
        co_await signal.wait_until(rt_.now() + std::chrono::milliseconds(10));
        fail_all_queued(why);
    }
    std::erase(idle_waiters_, &signal);
    if (destroyed()) co_return error(errc::producer_destroyed, "the producer was destroyed during close()");
    state_ = lifecycle::closed;
    --flushing_;
    if (abort_failed) co_return std::move(*abort_failed);
    if (reporter_.watched_failures() > 0)
        co_return error(reporter_.first_watched_failure().code(), "close(): " + std::to_string(reporter_.watched_failures()) +
                                                         " of the records pending when it was called failed; the first: " +
                                                         reporter_.first_watched_failure().detail());
    co_return ok();
}

template <engine_runtime Runtime>
task<result<void>> producer_engine<Runtime>::init_transactions(std::chrono::milliseconds timeout) {
    const detail::detached_scope::hold keep(background_);
    if (auto t = transactional_call("init_transactions()"); !t) co_return t;
    if (auto s = txn_.state().start_init(); !s) co_return s;
    auto grant = co_await txn_.init_producer_id(rt_.now() + timeout);
    if (destroyed()) co_return error(errc::producer_destroyed, "the producer was destroyed during init_transactions()");
    if (!grant) co_return transaction_failed(std::move(grant).err(), "init_transactions()", timeout);
    next_transaction_epoch(*grant);
    txn_.state().initialized();
    co_return ok();
}

template <engine_runtime Runtime>
task<result<void>> producer_engine<Runtime>::commit_transaction(std::chrono::milliseconds timeout) {
    const detail::detached_scope::hold keep(background_);
    if (auto t = transactional_call("commit_transaction()"); !t) co_return t;
    if (auto s = txn_.state().start_commit(); !s) co_return s;
    const steady_time deadline = rt_.now() + timeout;
    const bool drained = co_await drain_transaction(deadline);
    if (destroyed()) co_return error(errc::producer_destroyed, "the producer was destroyed during commit_transaction()");
    if (!drained)
        co_return error(errc::timed_out, "commit_transaction(): the transaction's records were not all acknowledged within " +
                                             std::to_string(timeout.count()) +
                                             " ms; its outcome is unknown: call commit_transaction() again to resume it");
    if (auto f = txn_.state().commit_flushed(); !f) co_return f;
    co_return co_await complete_transaction(true, deadline, timeout);
}

template <engine_runtime Runtime>
task<result<void>> producer_engine<Runtime>::abort_transaction(std::chrono::milliseconds timeout) {
    const detail::detached_scope::hold keep(background_);
    if (auto t = transactional_call("abort_transaction()"); !t) co_return t;
    if (auto s = txn_.state().start_abort(); !s) co_return s;
    const steady_time deadline = rt_.now() + timeout;
    discard_unsent(error(errc::cancelled, "abort_transaction() ended the transaction before the record was sent"));
    const bool drained = co_await drain_transaction(deadline);
    if (destroyed()) co_return error(errc::producer_destroyed, "the producer was destroyed during abort_transaction()");
    if (!drained)
        co_return error(errc::timed_out, "abort_transaction(): records of the transaction were still in flight after " +
                                             std::to_string(timeout.count()) + " ms; call abort_transaction() again to resume it");
    co_return co_await complete_transaction(false, deadline, timeout);
}

template <engine_runtime Runtime>
task<void> producer_engine<Runtime>::acks_none_barrier() {
    if (config_.acks != acks::none) co_return;
    for (auto& [id, s] : senders_) {
        if (!s->ready()) continue;
        api_versions_request barrier;
        auto r = co_await s->connection()->request(barrier);
        (void)r;  // an error here means the connection is gone; nothing more can be done for acks=0
    }
}

template <engine_runtime Runtime>
void producer_engine<Runtime>::abandon() noexcept {
    if (destroyed()) return;
    state_ = lifecycle::destroyed;
    reporter_.watch_failures(false);
    fail_waiting_senders(errc::producer_destroyed, "the producer was destroyed");
    // In flight: reported now; their memory goes back when their request's coroutine ends (a
    // write may still be reading it).
    const error unknown(errc::producer_destroyed,
                        "the producer was destroyed while the record's request was in flight: the broker may have written it");
    for (auto& [id, s] : senders_) s->for_each_in_flight([&](producer_batch* batch) { report_failure(batch, unknown); });
    fail_all_queued(error(errc::producer_destroyed, "the producer was destroyed before the record was sent"), unknown);
    for (auto& [id, s] : senders_) s->close(error(errc::producer_destroyed), true);
    refresher_.close(error(errc::producer_destroyed), true);
    // A transaction whose records reached the broker is aborted, unless a commit's EndTxn got
    // there first: the coordinator takes the first end it gets and refuses the other.
    const transaction_phase phase = txn_.state().phase();
    if (txn_.state().needs_end_txn() && (transaction_open() || phase == transaction_phase::committing))
        txn_.abandon_transaction({identity_.id(), identity_.epoch()});
    else
        txn_.close(error(errc::producer_destroyed));
    id_requester_.notify();
    notify_idle();
}

template <engine_runtime Runtime>
void producer_engine<Runtime>::not_appended(topic_state& ts, std::int32_t partition, const record_accumulator::append_result& a) {
    if (a.sealed_previous) wake_leader(ts.name, partition);
    if (a.status == record_accumulator::append_outcome::too_large) {
        batch_released();
        last_enqueue_error_ = error(errc::record_too_large,
                                    "a record of " + std::to_string(a.too_large_bytes) + " bytes (with batch overhead) to topic '" +
                                        ts.name + "' exceeds max_request_size (" + std::to_string(config_.max_request_size) +
                                        ") or buffer_memory");
        // As in the Java client, a record the transaction could not take fails its commit.
        if (transactional()) {
            txn_.state().record_appended();
            transaction_records_failed(last_enqueue_error_, 1);
        }
    }
}

template <engine_runtime Runtime>
typename producer_engine<Runtime>::sender& producer_engine<Runtime>::broker(std::int32_t id) {
    auto it = senders_.find(id);
    if (it == senders_.end())
        it = senders_.emplace(id, std::make_unique<sender>(sender_parts_, id)).first;
    it->second->start();
    return *it->second;
}

template <engine_runtime Runtime>
task<result<void>> producer_engine<Runtime>::offsets_to_transaction(std::vector<topic_partition_offset> offsets,
                                                                 consumer_group_metadata group, std::chrono::milliseconds timeout) {
    const detail::detached_scope::hold keep(background_);
    if (auto t = transactional_call("send_offsets_to_transaction()"); !t) co_return t;
    if (group.group_id.empty()) co_return error(errc::invalid_group_id, "send_offsets_to_transaction(): the group id is empty");
    if (auto s = txn_.state().start_send_offsets(); !s) co_return s;
    auto sent = co_await txn_.commit_offsets(std::move(offsets), std::move(group), {identity_.id(), identity_.epoch()},
                                             rt_.now() + timeout);
    if (destroyed()) co_return error(errc::producer_destroyed, "the producer was destroyed during send_offsets_to_transaction()");
    if (sent) txn_.state().offsets_sent();
    else txn_.state().offsets_unresolved();
    notify_idle();  // a close() may be waiting for this call to end
    if (!sent) co_return transaction_failed(std::move(sent).err(), "send_offsets_to_transaction()", timeout, judge_offset_commit_error);
    co_return ok();
}

KCORO_NAMESPACE_END
