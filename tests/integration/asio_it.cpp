// The Asio adapter against the real broker: completion tokens (callback, deferred, use_awaitable
// inside asio::awaitable) deliver records that kcat reads back, over the plaintext listener and
// over SASL_SSL and mTLS, and transactions committed and aborted through the async_ calls are read
// back by kcat at read_committed and read_uncommitted.
#include <kcoro/kcoro.hpp>

#if KCORO_HAS_ASIO && KCORO_HAS_EXCEPTIONS  // asio::awaitable needs exceptions; kcoro's core does not
#include <kcoro/asio.hpp>

#if ASIO_VERSION < 102600
#include <asio/experimental/deferred.hpp>
namespace kcoro_it {
inline constexpr auto& deferred = asio::experimental::deferred;
}
#else
namespace kcoro_it {
inline constexpr auto& deferred = asio::deferred;
}
#endif

#include <doctest/doctest.h>

#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace asio_it {

using namespace std::chrono_literals;
using txn_producer = kcoro::asio_producer<>;

TEST_CASE("asio: callback, deferred and use_awaitable sends are delivered") {
    const std::string topic = kcoro_it::unique_topic("asio");
    kcoro_it::create_topic(topic, 3);
    asio::io_context io;
    auto p = kcoro::asio_producer<>::create(io.get_executor(), {.bootstrap_servers = kcoro_it::bootstrap()});
    REQUIRE(p);
    int callbacks = 0, awaited = 0, deferred = 0, failures = 0;

    const std::string v1 = "callback";
    p->async_send({.topic = topic, .key = "a", .value = v1}, [&](kcoro::delivery_result r) { r ? ++callbacks : ++failures; });

    const std::string v2 = "deferred";
    auto op = p->async_send({.topic = topic, .key = "b", .value = v2}, kcoro_it::deferred);
    std::move(op)([&](kcoro::delivery_result r) { r ? ++deferred : ++failures; });

    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 10; ++i) {
                const std::string v = "awaited-" + std::to_string(i);
                auto r = co_await p->async_send({.topic = topic, .key = "c", .value = v}, asio::use_awaitable);
                r ? ++awaited : ++failures;
            }
            co_await p->async_flush(asio::use_awaitable);
            auto c = co_await p->async_close(std::chrono::seconds(10), asio::use_awaitable);
            if (!c) ++failures;
        },
        asio::detached);
    io.run();
    CHECK(failures == 0);
    CHECK(callbacks == 1);
    CHECK(deferred == 1);
    CHECK(awaited == 10);
    CHECK(kcoro_it::read_back_with_kcat(topic).size() == 12);
}

// Keyed records through asio_producer over `c`'s secured listener; how many were delivered.
int send_secured(kcoro::producer_config c, const std::string& topic, int records) {
    asio::io_context io;
    auto p = kcoro::asio_producer<>::create(io.get_executor(), std::move(c));
    REQUIRE(p);
    int delivered = 0;
    // Until each send completes (async_send keeps views of them).
    std::vector<std::string> keys, values;
    for (int i = 0; i < records; ++i) {
        // Not "k" + std::to_string(...): inlined here, g++ 12 -O3 warns falsely of a memcpy
        // beyond any object's size in that insert.
        keys.emplace_back(1, 'k');
        keys.back() += std::to_string(i % 7);
        values.push_back(std::to_string(i));
    }
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (std::size_t i = 0; i < values.size(); ++i) {
                p->async_send({.topic = topic, .key = keys[i], .value = values[i]}, [&](kcoro::delivery_result r) {
                    if (r) ++delivered;
                });
            }
            co_await p->async_flush(asio::use_awaitable);
            (void)co_await p->async_close(std::chrono::seconds(10), asio::use_awaitable);
        },
        asio::detached);
    io.run();
    return delivered;
}

// Each key's values rise with the offset, on one partition, and every value is there once.
void check_in_order(const std::vector<kcoro_it::consumed_record>& got, int records) {
    std::map<std::string, std::pair<std::int32_t, int>> last;
    std::set<int> seen;
    std::vector<kcoro_it::consumed_record> sorted = got;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
    });
    for (const auto& r : sorted) {
        REQUIRE(r.key);
        REQUIRE(r.value);
        const int v = std::stoi(*r.value);
        CHECK(seen.insert(v).second);
        auto it = last.find(*r.key);
        if (it != last.end()) {
            CHECK(it->second.first == r.partition);
            CHECK(it->second.second < v);
        }
        last[*r.key] = {r.partition, v};
    }
    CHECK(seen.size() == static_cast<std::size_t>(records));
}

TEST_CASE("asio: over SASL_SSL with SCRAM-SHA-512 and over mTLS the records arrive once, in order, read back over the same listener") {
    const char* dir = std::getenv("KAFKA_DIR");
    REQUIRE(dir != nullptr);
    const std::string ca = std::string(dir) + "/tls/ca.pem";
    constexpr int records = 5000;
    SUBCASE("SASL_SSL, SCRAM-SHA-512") {
        const std::string topic = kcoro_it::unique_topic("asio-sasl-ssl");
        kcoro_it::create_topic(topic, 3);
        const std::string listener = kcoro_it::listener_of("sasl_ssl_bootstrap");
        kcoro::producer_config c;
        c.bootstrap_servers = listener;
        c.security_protocol = kcoro::security_protocol::sasl_ssl;
        c.sasl_mechanism = kcoro::sasl_mechanism::scram_sha_512;
        c.sasl_username = "kcoro";  // the account scripts/kafka start --sasl creates
        c.sasl_password = "kcoro-secret";
        c.ssl_ca_location = ca;
        CHECK(send_secured(std::move(c), topic, records) == records);
        // Debian's kcat cannot log in with SCRAM to Kafka 4: it reads with PLAIN on the same listener.
        check_in_order(kcoro_it::read_back_with_kcat(topic, 60, kcoro_it::isolation::read_committed,
                                                     "-b '" + listener + "' -X security.protocol=sasl_ssl -X ssl.ca.location='" + ca +
                                                         "' -X sasl.mechanisms=PLAIN -X sasl.username=kcoro -X sasl.password=kcoro-secret"),
                       records);
    }
    SUBCASE("SSL with a client certificate") {
        const std::string topic = kcoro_it::unique_topic("asio-mtls");
        kcoro_it::create_topic(topic, 3);
        const std::string listener = kcoro_it::listener_of("mtls_bootstrap");
        kcoro::producer_config c;
        c.bootstrap_servers = listener;
        c.security_protocol = kcoro::security_protocol::ssl;
        c.ssl_ca_location = ca;
        c.ssl_certificate_location = std::string(dir) + "/tls/client.pem";
        c.ssl_key_location = std::string(dir) + "/tls/client.key";
        c.ssl_key_password = "kcoro-key-secret";  // the passphrase scripts/kafka start --tls encrypts it with
        CHECK(send_secured(c, topic, records) == records);
        check_in_order(kcoro_it::read_back_with_kcat(topic, 60, kcoro_it::isolation::read_committed,
                                                     "-b '" + listener + "' -X security.protocol=ssl -X ssl.ca.location='" + ca +
                                                         "' -X ssl.certificate.location='" + c.ssl_certificate_location +
                                                         "' -X ssl.key.location='" + c.ssl_key_location +
                                                         "' -X ssl.key.password=kcoro-key-secret"),
                       records);
    }
}

kcoro::producer_config transactional_config(const std::string& stem) {
    kcoro::producer_config c;
    c.bootstrap_servers = kcoro_it::bootstrap();
    c.transactional_id = kcoro_it::unique_topic("asio-txn-" + stem);
    c.transaction_timeout = 30000ms;
    return c;
}

// What each transaction of a run sends: `committed`, then `aborted` (each record delivered before
// the abort, so that a read_uncommitted consumer sees it was written), then `after`, committed, so
// that read_committed reads past the aborted records rather than stopping at a pending transaction.
struct txn_values {
    std::vector<std::string> committed, aborted, after;
    explicit txn_values(const std::string& stem) {
        for (int i = 0; i < 10; ++i) {
            committed.push_back(stem + "-committed-" + std::to_string(i));
            aborted.push_back(stem + "-aborted-" + std::to_string(i));
        }
        after.push_back(stem + "-after");
    }
};

void note(std::vector<std::string>& failures, const std::string& what, const kcoro::result<void>& r) {
    if (!r) failures.push_back(what + ": " + r.err().message());
}

// Each transaction also commits one offset of the group `group_of(topic)` for partition
// `offset_partition` (a consumer's position), which becomes the group's only if it commits.
std::string group_of(const std::string& topic) { return topic + "-group"; }

asio::awaitable<void> awaited_transaction(txn_producer& p, const std::string& topic, const std::vector<std::string>& values, bool commit,
                                          std::int32_t offset_partition, std::vector<std::string>& failures) {
    note(failures, "begin", p->begin_transaction());
    for (const auto& v : values) {
        auto d = co_await p.async_send({.topic = topic, .key = v, .value = v}, asio::use_awaitable);
        if (!d) failures.push_back("send " + v + ": " + d.err().message());
    }
    const kcoro::topic_partition_offset position{
        .topic = topic, .partition = offset_partition, .offset = 5 + offset_partition, .leader_epoch = -1, .metadata = {}};
    const auto sent = co_await p.async_send_offsets_to_transaction(std::span(&position, 1), group_of(topic), 30s, asio::use_awaitable);
    note(failures, "send offsets", sent);
    kcoro::result<void> end = kcoro::ok();  // not co_await inside ?:, which g++ 12 mishandles
    if (commit) end = co_await p.async_commit_transaction(30s, asio::use_awaitable);
    else end = co_await p.async_abort_transaction(30s, asio::use_awaitable);
    note(failures, commit ? "commit" : "abort", end);
}

asio::awaitable<void> awaited_run(txn_producer& p, const std::string& topic, const txn_values& v, std::vector<std::string>& failures) {
    const auto init = co_await p.async_init_transactions(60s, asio::use_awaitable);
    note(failures, "init", init);
    co_await awaited_transaction(p, topic, v.committed, true, 0, failures);
    co_await awaited_transaction(p, topic, v.aborted, false, 1, failures);
    co_await awaited_transaction(p, topic, v.after, true, 2, failures);
    const auto closed = co_await p.async_close(10s, asio::use_awaitable);
    note(failures, "close", closed);
}

// The same run with plain callbacks, each step started from the handler of the one before. A
// transaction's records are sent without waiting, then it is committed (which waits for them), or
// flushed and aborted.
struct callback_run {
    txn_producer& p;
    const std::string& topic;
    const txn_values& v;
    std::vector<std::string> failures;

    void start() {
        p.async_init_transactions(60s, [this](kcoro::result<void> r) {
            note(failures, "init", r);
            transaction(v.committed, true, [this] {
                transaction(v.aborted, false, [this] {
                    transaction(v.after, true, [this] { p.async_close(10s, [this](kcoro::result<void> c) { note(failures, "close", c); }); });
                });
            });
        });
    }

    void transaction(const std::vector<std::string>& values, bool commit, std::function<void()> next) {
        note(failures, "begin", p->begin_transaction());
        for (const auto& value : values)
            p.async_send({.topic = topic, .key = value, .value = value}, [this, &value](kcoro::delivery_result d) {
                if (!d) failures.push_back("send " + value + ": " + d.err().message());
            });
        auto ended = [this, commit, next = std::move(next)](kcoro::result<void> r) {
            note(failures, commit ? "commit" : "abort", r);
            next();
        };
        if (commit) {
            p.async_commit_transaction(30s, std::move(ended));
            return;
        }
        p.async_flush([this, ended = std::move(ended)]() mutable { p.async_abort_transaction(30s, std::move(ended)); });
    }
};

// What kcat reads at each isolation level: the committed records and `after`, each once, and
// nothing aborted at read_committed; every record at read_uncommitted.
void check_read_back(const std::string& topic, const txn_values& v) {
    std::multiset<std::string> expected(v.committed.begin(), v.committed.end());
    expected.insert(v.after.begin(), v.after.end());
    const auto committed = kcoro_it::values_of(kcoro_it::read_back_at_least(topic, kcoro_it::isolation::read_committed, expected.size()));
    CHECK(std::multiset<std::string>(committed.begin(), committed.end()) == expected);
    expected.insert(v.aborted.begin(), v.aborted.end());
    const auto all = kcoro_it::values_of(kcoro_it::read_back_at_least(topic, kcoro_it::isolation::read_uncommitted, expected.size()));
    CHECK(std::multiset<std::string>(all.begin(), all.end()) == expected);
}

TEST_CASE("asio: transactions committed and aborted with use_awaitable are read back at read_committed") {
    const std::string topic = kcoro_it::unique_topic("asio-txn-awaited");
    kcoro_it::create_topic(topic, 3);
    asio::io_context io;
    auto p = txn_producer::create(io.get_executor(), transactional_config("awaited"));
    REQUIRE_MESSAGE(p, (p ? "" : p.err().message()));
    const txn_values v("awaited");
    std::vector<std::string> failures;
    asio::co_spawn(io, awaited_run(*p, topic, v, failures), asio::detached);
    io.run();
    for (const auto& f : failures) FAIL_CHECK(f);
    check_read_back(topic, v);
    // Partitions 0 and 2 were committed with their transactions; 1 was aborted with its own.
    const std::map<std::int32_t, std::int64_t> committed{{0, 5}, {2, 7}};
    CHECK(kcoro_it::group_offsets_when(group_of(topic), topic, committed) == committed);
}

TEST_CASE("asio: transactions committed and aborted with callbacks are read back at read_committed") {
    const std::string topic = kcoro_it::unique_topic("asio-txn-callback");
    kcoro_it::create_topic(topic, 3);
    asio::io_context io;
    auto p = txn_producer::create(io.get_executor(), transactional_config("callback"));
    REQUIRE_MESSAGE(p, (p ? "" : p.err().message()));
    const txn_values v("callback");
    callback_run run{*p, topic, v, {}};
    run.start();
    io.run();
    for (const auto& f : run.failures) FAIL_CHECK(f);
    check_read_back(topic, v);
}

TEST_CASE("asio: the transactional calls complete with the engine's error through deferred and use_future too") {
    asio::io_context io;
    auto p = kcoro::asio_producer<>::create(io.get_executor(), {.bootstrap_servers = kcoro_it::bootstrap()});
    REQUIRE(p);
    kcoro::result<void> init = kcoro::ok();
    p->async_init_transactions(1s, kcoro_it::deferred)([&](kcoro::result<void> r) { init = std::move(r); });
    std::future<kcoro::result<void>> commit = p->async_commit_transaction(1s, asio::use_future);
    kcoro::result<void> aborted = kcoro::ok();
    p->async_abort_transaction(1s, [&](kcoro::result<void> r) { aborted = std::move(r); });
    p->async_close(10s, [](kcoro::result<void>) {});
    io.run();
    // A producer without transactional_id: each call says what it needs.
    REQUIRE(!init);
    CHECK(init.err() == kcoro::errc::invalid_txn_state);
    CHECK_MESSAGE(init.err().message().find("init_transactions() needs a transactional producer") != std::string::npos, init.err().message());
    REQUIRE(commit.wait_for(0s) == std::future_status::ready);
    const auto c = commit.get();
    REQUIRE(!c);
    CHECK(c.err() == kcoro::errc::invalid_txn_state);
    CHECK_MESSAGE(c.err().message().find("commit_transaction()") != std::string::npos, c.err().message());
    REQUIRE(!aborted);
    CHECK(aborted.err() == kcoro::errc::invalid_txn_state);
}

}  // namespace asio_it
#endif
