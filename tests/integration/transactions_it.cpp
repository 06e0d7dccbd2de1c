// Transactions against the real broker (Kafka 4.1, transaction.version 2): what a transactional
// producer commits is read back complete by a read_committed consumer, what it aborts is invisible
// to that consumer and visible to a read_uncommitted one, offsets sent in a committed transaction
// become the group's and those of an aborted one do not, a second producer with the same
// transactional_id fences the first, and close() aborts an open transaction. The consumer is kcat
// (librdkafka) and the group's offsets are read by Kafka's own ConsumerGroupCommand, both
// independent of kcoro.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace transactions_it {

using namespace std::chrono_literals;

std::string unique_transactional_id(const std::string& stem) { return kcoro_it::unique_topic("txn-" + stem); }

kcoro::producer_config transactional_config(const std::string& transactional_id) {
    kcoro::producer_config c;
    c.bootstrap_servers = kcoro_it::bootstrap();
    c.transactional_id = transactional_id;
    c.transaction_timeout = 30000ms;
    return c;
}

// The values of the topic at `level` once it holds `expected` records, or as it is after 30 s.
std::vector<std::string> values_when(const std::string& topic, kcoro_it::isolation level, std::size_t expected) {
    return kcoro_it::values_of(kcoro_it::read_back_at_least(topic, level, expected));
}

std::string value_of(int transaction, int record) { return "t" + std::to_string(transaction) + "-r" + std::to_string(record); }

// Sends `n` records of transaction `t` to both topics, alternately, keyed so that they spread over
// the partitions; the commit or abort waits for them.
kcoro::task<kcoro::result<void>> send_transaction(kcoro::producer<>& p, const std::string& a, const std::string& b, int t, int n) {
    for (int i = 0; i < n; ++i) {
        const std::string key = "k" + std::to_string(i);
        const std::string value = value_of(t, i);
        auto r = co_await p.send_and_forget({.topic = (i % 2 == 0) ? a : b, .key = key, .value = value});
        if (!r) co_return std::move(r).err();
    }
    co_return kcoro::ok();
}

struct run_summary {
    std::vector<std::string> failures;
    std::vector<std::int16_t> epochs;
};

kcoro::task<run_summary> commit_and_abort(kcoro::producer<>& p, const std::string& a, const std::string& b, int transactions,
                                          int records) {
    run_summary s;
    auto init = co_await p.init_transactions(60s);
    if (!init) {
        s.failures.push_back("init_transactions: " + init.err().message());
        co_return s;
    }
    s.epochs.push_back(p.producer_epoch());
    for (int t = 0; t < transactions; ++t) {
        const bool commit = t % 2 == 0;
        if (auto r = p.begin_transaction(); !r) s.failures.push_back("begin " + std::to_string(t) + ": " + r.err().message());
        if (auto r = co_await send_transaction(p, a, b, t, records); !r)
            s.failures.push_back("send " + std::to_string(t) + ": " + r.err().message());
        kcoro::result<void> end = kcoro::ok();  // not co_await inside ?:, which g++ 12 mishandles
        if (commit) {
            end = co_await p.commit_transaction(30s);
        } else {
            co_await p.flush();  // sent, so that read_uncommitted sees them (abort drops what is unsent)
            end = co_await p.abort_transaction(30s);
        }
        if (!end) s.failures.push_back((commit ? "commit " : "abort ") + std::to_string(t) + ": " + end.err().message());
        s.epochs.push_back(p.producer_epoch());
    }
    auto c = co_await p.close(10s);
    if (!c) s.failures.push_back("close: " + c.err().message());
    co_return s;
}

TEST_CASE("committed transactions are read back complete by read_committed; aborted ones only by read_uncommitted") {
    const std::string a = kcoro_it::unique_topic("txn-a");
    const std::string b = kcoro_it::unique_topic("txn-b");
    kcoro_it::create_topic(a, 3);
    kcoro_it::create_topic(b, 3);
    constexpr int transactions = 20;  // even ones committed, odd ones aborted
    constexpr int records = 10000;
    kcoro::event_loop loop;
    auto made = kcoro::make_producer(loop, transactional_config(unique_transactional_id("commit-abort")));
    REQUIRE_MESSAGE(made, (made ? "" : made.err().message()));
    const run_summary s = kcoro::run_until_complete(loop, commit_and_abort(**made, a, b, transactions, records));
    for (const auto& f : s.failures) FAIL_CHECK(f);
    // EndTxn v5 bumps the epoch at every end, commit and abort alike.
    REQUIRE(s.epochs.size() == transactions + 1);
    for (std::size_t i = 1; i < s.epochs.size(); ++i) CHECK(s.epochs[i] == s.epochs[i - 1] + 1);

    std::multiset<std::string> committed, all;
    for (int t = 0; t < transactions; ++t)
        for (int i = 0; i < records; ++i) {
            all.insert(value_of(t, i));
            if (t % 2 == 0) committed.insert(value_of(t, i));
        }
    std::multiset<std::string> read_committed;
    for (const auto& topic : {a, b})
        for (auto& v : values_when(topic, kcoro_it::isolation::read_committed, committed.size() / 2)) read_committed.insert(std::move(v));
    CHECK(read_committed.size() == committed.size());
    CHECK(read_committed == committed);  // each committed record once, no aborted one
    std::multiset<std::string> read_uncommitted;
    for (const auto& topic : {a, b})
        for (auto& v : values_when(topic, kcoro_it::isolation::read_uncommitted, all.size() / 2)) read_uncommitted.insert(std::move(v));
    CHECK(read_uncommitted == all);  // the aborted ones were sent
}

kcoro::task<std::vector<std::string>> fenced_run(kcoro::event_loop& loop, const std::string& topic, const std::string& id) {
    std::vector<std::string> failures;
    auto first = kcoro::make_producer(loop, transactional_config(id));
    auto second = kcoro::make_producer(loop, transactional_config(id));
    if (!first || !second) co_return std::vector<std::string>{"make_producer failed"};
    kcoro::producer<>& p1 = **first;
    kcoro::producer<>& p2 = **second;
    if (auto r = co_await p1.init_transactions(60s); !r) failures.push_back("first init: " + r.err().message());
    if (auto r = p1.begin_transaction(); !r) failures.push_back("first begin: " + r.err().message());
    for (int i = 0; i < 10; ++i) {
        const std::string v = "first-" + std::to_string(i);
        auto d = co_await p1.send({.topic = topic, .key = v, .value = v});
        if (!d) failures.push_back("first send: " + d.err().message());
    }
    // The second's InitProducerId fences the first and aborts its open transaction.
    if (auto r = co_await p2.init_transactions(60s); !r) failures.push_back("second init: " + r.err().message());
    auto commit = co_await p1.commit_transaction(30s);
    if (commit) failures.push_back("the fenced producer's commit succeeded");
    else {
        if (commit.err() != kcoro::errc::producer_fenced) failures.push_back("fenced commit: " + commit.err().message());
        if (commit.err().message().find("another producer instance") == std::string::npos)
            failures.push_back("the fencing error does not say another instance took over: " + commit.err().message());
    }
    if (p1.transaction() != kcoro::transaction_phase::fatal_error) failures.push_back("the fenced producer is not in fatal_error");
    // Fatal: every further call says why.
    if (auto r = p1.begin_transaction(); r || r.err() != kcoro::errc::producer_fenced)
        failures.push_back("begin after fencing was not refused with producer_fenced");
    {
        auto d = co_await p1.send({.topic = topic, .key = "late", .value = "first-late"});
        if (d || d.err() != kcoro::errc::producer_fenced) failures.push_back("a send after fencing was not refused with producer_fenced");
    }
    if (auto r = p2.begin_transaction(); !r) failures.push_back("second begin: " + r.err().message());
    for (int i = 0; i < 5; ++i) {
        const std::string v = "second-" + std::to_string(i);
        if (auto r = co_await p2.send_and_forget({.topic = topic, .key = v, .value = v}); !r)
            failures.push_back("second send: " + r.err().message());
    }
    if (auto r = co_await p2.commit_transaction(30s); !r) failures.push_back("second commit: " + r.err().message());
    (void)co_await p1.close(10s);
    if (auto r = co_await p2.close(10s); !r) failures.push_back("second close: " + r.err().message());
    co_return failures;
}

TEST_CASE("a second producer with the same transactional_id fences the first, whose records stay invisible") {
    const std::string topic = kcoro_it::unique_topic("txn-fenced");
    kcoro_it::create_topic(topic, 3);
    kcoro::event_loop loop;
    const auto failures = kcoro::run_until_complete(loop, fenced_run(loop, topic, unique_transactional_id("fenced")));
    for (const auto& f : failures) FAIL_CHECK(f);
    const auto got = values_when(topic, kcoro_it::isolation::read_committed, 5);
    const std::set<std::string> seen(got.begin(), got.end());
    CHECK(got.size() == 5);
    for (int i = 0; i < 5; ++i) CHECK(seen.count("second-" + std::to_string(i)) == 1);
    CHECK(values_when(topic, kcoro_it::isolation::read_uncommitted, 15).size() == 15);  // the first's ten were written, then aborted
}

// A new producer with the same transactional id commits one record, "after": read_committed reads
// up to it, so what came before it was looked at, not merely still pending.
kcoro::task<void> commit_after(kcoro::event_loop& loop, const std::string& id, const std::string& topic,
                               std::vector<std::string>& failures) {
    auto next = kcoro::make_producer(loop, transactional_config(id));
    if (!next) {
        failures.push_back("next producer: " + next.err().message());
        co_return;
    }
    if (auto r = co_await (*next)->init_transactions(60s); !r) failures.push_back("next init: " + r.err().message());
    if (auto r = (*next)->begin_transaction(); !r) failures.push_back("next begin: " + r.err().message());
    if (auto r = co_await (*next)->send_and_forget({.topic = topic, .key = "after", .value = "after"}); !r)
        failures.push_back("next send: " + r.err().message());
    if (auto r = co_await (*next)->commit_transaction(30s); !r) failures.push_back("next commit: " + r.err().message());
    (void)co_await (*next)->close(10s);
}

kcoro::task<std::vector<std::string>> close_open(kcoro::event_loop& loop, const std::string& topic, const std::string& id) {
    std::vector<std::string> failures;
    {
        auto made = kcoro::make_producer(loop, transactional_config(id));
        if (!made) co_return std::vector<std::string>{made.err().message()};
        kcoro::producer<>& p = **made;
        if (auto r = co_await p.init_transactions(60s); !r) failures.push_back("init: " + r.err().message());
        if (auto r = p.begin_transaction(); !r) failures.push_back("begin: " + r.err().message());
        for (int i = 0; i < 10; ++i) {
            const std::string v = "open-" + std::to_string(i);
            auto d = co_await p.send({.topic = topic, .key = v, .value = v});
            if (!d) failures.push_back("send: " + d.err().message());
        }
        if (auto r = co_await p.close(10s); !r) failures.push_back("close: " + r.err().message());
    }
    // A committed record after the aborted ones: read_committed reads up to it, so the aborted
    // ones were looked at, not merely still pending.
    co_await commit_after(loop, id, topic, failures);
    co_return failures;
}

TEST_CASE("close() with an open transaction aborts it: its records are invisible to read_committed") {
    const std::string topic = kcoro_it::unique_topic("txn-close");
    kcoro_it::create_topic(topic, 1);
    kcoro::event_loop loop;
    const auto failures = kcoro::run_until_complete(loop, close_open(loop, topic, unique_transactional_id("close")));
    for (const auto& f : failures) FAIL_CHECK(f);
    const auto got = values_when(topic, kcoro_it::isolation::read_committed, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == "after");
    CHECK(values_when(topic, kcoro_it::isolation::read_uncommitted, 11).size() == 11);
}

// Destroys a transactional producer whose transaction is open, then writes one record to the
// same partition without a transaction. read_committed reads nothing past an open transaction, so
// "after" shows within seconds only if the destruction aborted the transaction: left to the
// coordinator, it would stay open for the whole transaction_timeout (two minutes here).
kcoro::task<std::vector<std::string>> destroy_open(kcoro::event_loop& loop, const std::string& topic, const std::string& id) {
    std::vector<std::string> failures;
    auto config = transactional_config(id);
    config.transaction_timeout = 120000ms;
    auto made = kcoro::make_producer(loop, config);
    if (!made) co_return std::vector<std::string>{made.err().message()};
    if (auto r = co_await (*made)->init_transactions(60s); !r) failures.push_back("init: " + r.err().message());
    if (auto r = (*made)->begin_transaction(); !r) failures.push_back("begin: " + r.err().message());
    for (int i = 0; i < 10; ++i) {
        const std::string v = "open-" + std::to_string(i);
        auto d = co_await (*made)->send({.topic = topic, .key = v, .value = v});
        if (!d) failures.push_back("send: " + d.err().message());
    }
    made->reset();
    co_return failures;
}

kcoro::task<std::vector<std::string>> send_after(kcoro::event_loop& loop, const std::string& topic) {
    kcoro::producer_config config;
    config.bootstrap_servers = kcoro_it::bootstrap();
    auto made = kcoro::make_producer(loop, config);
    if (!made) co_return std::vector<std::string>{made.err().message()};
    std::vector<std::string> failures;
    if (auto d = co_await (*made)->send({.topic = topic, .key = "after", .value = "after"}); !d)
        failures.push_back("send after: " + d.err().message());
    if (auto r = co_await (*made)->close(10s); !r) failures.push_back("close: " + r.err().message());
    co_return failures;
}

TEST_CASE("destroying a producer with an open transaction aborts it at once, without waiting for transaction_timeout") {
    const std::string topic = kcoro_it::unique_topic("txn-destroy");
    kcoro_it::create_topic(topic, 1);
    kcoro::event_loop loop;
    auto failures = kcoro::run_until_complete(loop, destroy_open(loop, topic, unique_transactional_id("destroy")));
    loop.run();  // until the destroyed producer's last coroutine (its abort) has ended
    for (auto& f : kcoro::run_until_complete(loop, send_after(loop, topic))) failures.push_back(std::move(f));
    for (const auto& f : failures) FAIL_CHECK(f);
    const auto got = values_when(topic, kcoro_it::isolation::read_committed, 1);  // gives up after 30 s
    REQUIRE(got.size() == 1);
    CHECK(got[0] == "after");
    CHECK(values_when(topic, kcoro_it::isolation::read_uncommitted, 11).size() == 11);  // the ten were written, then aborted
}

kcoro::task<std::vector<std::string>> undelivered_run(kcoro::event_loop& loop, const std::string& topic, const std::string& id) {
    std::vector<std::string> failures;
    auto config = transactional_config(id);
    config.max_request_size = 4096;
    auto made = kcoro::make_producer(loop, config);
    if (!made) co_return std::vector<std::string>{made.err().message()};
    kcoro::producer<>& p = **made;
    // Refused before init_transactions and outside a transaction, saying what to call.
    if (auto r = p.begin_transaction(); r || r.err() != kcoro::errc::invalid_txn_state ||
                                        r.err().message().find("init_transactions()") == std::string::npos)
        failures.push_back("begin before init was not refused naming init_transactions()");
    if (auto r = co_await p.init_transactions(60s); !r) failures.push_back("init: " + r.err().message());
    {
        auto d = co_await p.send({.topic = topic, .key = "k", .value = "outside"});
        if (d || d.err() != kcoro::errc::invalid_txn_state) failures.push_back("a send outside a transaction was not refused");
    }
    if (auto r = p.begin_transaction(); !r) failures.push_back("begin: " + r.err().message());
    if (auto r = co_await p.send_and_forget({.topic = topic, .key = "k", .value = "delivered"}); !r)
        failures.push_back("send: " + r.err().message());
    const std::string big(8000, 'x');
    (void)co_await p.send_and_forget({.topic = topic, .key = "k", .value = big});  // larger than max_request_size
    auto commit = co_await p.commit_transaction(30s);
    if (commit) failures.push_back("a commit with an undelivered record succeeded");
    else if (commit.err() != kcoro::errc::record_too_large) failures.push_back("commit: " + commit.err().message());
    if (p.transaction() != kcoro::transaction_phase::abortable_error) failures.push_back("not in abortable_error after the failed commit");
    if (auto r = co_await p.abort_transaction(30s); !r) failures.push_back("abort: " + r.err().message());
    // The producer goes on.
    if (auto r = p.begin_transaction(); !r) failures.push_back("begin after abort: " + r.err().message());
    if (auto r = co_await p.send_and_forget({.topic = topic, .key = "k", .value = "next"}); !r)
        failures.push_back("send after abort: " + r.err().message());
    if (auto r = co_await p.commit_transaction(30s); !r) failures.push_back("commit after abort: " + r.err().message());
    if (auto r = co_await p.close(10s); !r) failures.push_back("close: " + r.err().message());
    co_return failures;
}

TEST_CASE("a record that was not delivered fails the commit with its error; after the abort the producer goes on") {
    const std::string topic = kcoro_it::unique_topic("txn-undelivered");
    kcoro_it::create_topic(topic, 1);
    kcoro::event_loop loop;
    const auto failures = kcoro::run_until_complete(loop, undelivered_run(loop, topic, unique_transactional_id("undelivered")));
    for (const auto& f : failures) FAIL_CHECK(f);
    const auto got = values_when(topic, kcoro_it::isolation::read_committed, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == "next");
}

std::vector<kcoro::topic_partition_offset> offsets_of(const std::string& topic, std::initializer_list<std::int64_t> by_partition) {
    std::vector<kcoro::topic_partition_offset> out;
    std::int32_t partition = 0;
    for (std::int64_t o : by_partition) out.push_back({.topic = topic, .partition = partition++, .offset = o, .leader_epoch = -1, .metadata = ""});
    return out;
}

// Four transactions of a consume-transform-produce loop over `input`: offsets and records
// committed (group `committed`); offsets and records aborted (group `aborted`); offsets under the
// full metadata of a member the group never had, which the coordinator refuses (a zombie), then
// aborted; and offsets alone, committed.
kcoro::task<std::vector<std::string>> offsets_run(kcoro::producer<>& p, std::string input, std::string output, std::string committed,
                                                  std::string aborted) {
    std::vector<std::string> failures;
    if (auto r = co_await p.init_transactions(60s); !r) failures.push_back("init: " + r.err().message());

    if (auto r = p.begin_transaction(); !r) failures.push_back("begin 1: " + r.err().message());
    for (int i = 0; i < 10; ++i) {
        const std::string v = "committed-" + std::to_string(i);
        if (auto r = co_await p.send_and_forget({.topic = output, .key = v, .value = v}); !r)
            failures.push_back("send 1: " + r.err().message());
    }
    const auto first = offsets_of(input, {10, 20, 30});
    if (auto r = co_await p.send_offsets_to_transaction(first, committed, 30s); !r) failures.push_back("offsets 1: " + r.err().message());
    if (auto r = co_await p.commit_transaction(30s); !r) failures.push_back("commit 1: " + r.err().message());

    if (auto r = p.begin_transaction(); !r) failures.push_back("begin 2: " + r.err().message());
    for (int i = 0; i < 10; ++i) {
        const std::string v = "aborted-" + std::to_string(i);
        if (auto r = co_await p.send_and_forget({.topic = output, .key = v, .value = v}); !r)
            failures.push_back("send 2: " + r.err().message());
    }
    const auto second = offsets_of(input, {11, 21, 31});
    if (auto r = co_await p.send_offsets_to_transaction(second, aborted, 30s); !r) failures.push_back("offsets 2: " + r.err().message());
    co_await p.flush();
    if (auto r = co_await p.abort_transaction(30s); !r) failures.push_back("abort 2: " + r.err().message());

    if (auto r = p.begin_transaction(); !r) failures.push_back("begin 3: " + r.err().message());
    const kcoro::consumer_group_metadata zombie{.group_id = committed, .generation_id = 7, .member_id = "a-member-the-group-never-had",
                                                .group_instance_id = std::nullopt};
    const auto third = offsets_of(input, {99, 99, 99});
    if (auto r = co_await p.send_offsets_to_transaction(third, zombie, 30s); r)
        failures.push_back("the offsets of a member the group does not have were taken");
    else if (p.transaction() != kcoro::transaction_phase::abortable_error)
        failures.push_back("the refused offsets did not leave the transaction abortable: " + r.err().message());
    if (auto r = co_await p.abort_transaction(30s); !r) failures.push_back("abort 3: " + r.err().message());

    if (auto r = p.begin_transaction(); !r) failures.push_back("begin 4: " + r.err().message());
    const auto fourth = offsets_of(input, {12});
    if (auto r = co_await p.send_offsets_to_transaction(fourth, committed, 30s); !r) failures.push_back("offsets 4: " + r.err().message());
    if (auto r = co_await p.commit_transaction(30s); !r) failures.push_back("commit 4: " + r.err().message());
    if (auto r = co_await p.close(10s); !r) failures.push_back("close: " + r.err().message());
    co_return failures;
}

TEST_CASE("offsets sent in a committed transaction become the group's; those of an aborted or refused one do not") {
    const std::string input = kcoro_it::unique_topic("txn-offsets-in");
    const std::string output = kcoro_it::unique_topic("txn-offsets-out");
    kcoro_it::create_topic(input, 3);  // the coordinator takes offsets only for partitions that exist
    kcoro_it::create_topic(output, 1);
    const std::string committed = kcoro_it::unique_topic("txn-group-committed");
    const std::string aborted = kcoro_it::unique_topic("txn-group-aborted");
    kcoro::event_loop loop;
    auto made = kcoro::make_producer(loop, transactional_config(unique_transactional_id("offsets")));
    REQUIRE_MESSAGE(made, (made ? "" : made.err().message()));
    const auto failures = kcoro::run_until_complete(loop, offsets_run(**made, input, output, committed, aborted));
    for (const auto& f : failures) FAIL_CHECK(f);

    const std::map<std::int32_t, std::int64_t> expected{{0, 12}, {1, 20}, {2, 30}};
    CHECK(kcoro_it::group_offsets_when(committed, input, expected) == expected);
    CHECK(kcoro_it::group_offsets(aborted, input).empty());
    const auto got = values_when(output, kcoro_it::isolation::read_committed, 10);
    const std::multiset<std::string> seen(got.begin(), got.end());
    std::multiset<std::string> want;
    for (int i = 0; i < 10; ++i) want.insert("committed-" + std::to_string(i));
    CHECK(seen == want);
}

kcoro::task<void> close_into(kcoro::producer<>& p, std::optional<kcoro::result<void>>& out) { out.emplace(co_await p.close(30s)); }

// close() called while send_offsets_to_transaction() awaits the group's coordinator: close()
// waits for that call, then aborts the transaction, so neither its records nor its offsets show.
// A committed record from the next producer follows, so that read_committed has read past them.
kcoro::task<std::vector<std::string>> close_during_offsets(kcoro::event_loop& loop, std::string input, std::string output,
                                                           std::string group, std::string id) {
    std::vector<std::string> failures;
    {
        auto made = kcoro::make_producer(loop, transactional_config(id));
        if (!made) co_return std::vector<std::string>{made.err().message()};
        kcoro::producer<>& p = **made;
        if (auto r = co_await p.init_transactions(60s); !r) failures.push_back("init: " + r.err().message());
        if (auto r = p.begin_transaction(); !r) failures.push_back("begin: " + r.err().message());
        for (int i = 0; i < 5; ++i) {
            const std::string v = "closed-" + std::to_string(i);
            if (auto r = co_await p.send_and_forget({.topic = output, .key = v, .value = v}); !r)
                failures.push_back("send: " + r.err().message());
        }
        // In the log before close(): its abort fails records not yet sent, and then none would
        // show even to read_uncommitted, which checks below that the abort is what hides them.
        co_await p.flush();
        // Posted: close() runs once the offsets call below is waiting for its coordinator.
        std::optional<kcoro::result<void>> closed;
        kcoro::spawn(loop, close_into(p, closed));
        const auto position = offsets_of(input, {5});
        if (auto r = co_await p.send_offsets_to_transaction(position, group, 30s); !r)
            failures.push_back("offsets: " + r.err().message());
        while (!closed) {
            kcoro::loop_timer t(loop);
            co_await t.wait_until(loop.now() + 10ms);
        }
        if (!*closed) failures.push_back("close: " + closed->err().message());
    }
    co_await commit_after(loop, id, output, failures);
    co_return failures;
}

TEST_CASE("close() during send_offsets_to_transaction waits for it, then aborts: neither the records nor the offsets show") {
    const std::string input = kcoro_it::unique_topic("txn-close-offsets-in");
    const std::string output = kcoro_it::unique_topic("txn-close-offsets-out");
    kcoro_it::create_topic(input, 1);
    kcoro_it::create_topic(output, 1);
    const std::string group = kcoro_it::unique_topic("txn-group-closed");
    kcoro::event_loop loop;
    const auto failures =
        kcoro::run_until_complete(loop, close_during_offsets(loop, input, output, group, unique_transactional_id("close-offsets")));
    for (const auto& f : failures) FAIL_CHECK(f);
    const auto got = values_when(output, kcoro_it::isolation::read_committed, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == "after");
    CHECK(values_when(output, kcoro_it::isolation::read_uncommitted, 6).size() == 6);
    CHECK(kcoro_it::group_offsets(group, input).empty());
}

}  // namespace transactions_it
