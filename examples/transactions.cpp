// Transactions: each order and its audit entry are written to two topics atomically, together with
// the offset of the request they were made from, as a consume-transform-produce loop commits it
// for its consumer group. A read_committed consumer sees both records or neither, and the group
// moves on only if they were committed; every third transaction is aborted to show that its
// records never become visible and its offset never the group's. (The requests are invented here:
// five per transaction, read from partition 0 of the requests topic.)
//
//   transactions <bootstrap servers> <requests topic> <orders topic> <audit topic> [transactions]
#include <kcoro/kcoro.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace std::chrono_literals;

kcoro::task<int> run(kcoro::producer<>& producer, std::string requests, std::string orders, std::string audit, int transactions) {
    if (auto init = co_await producer.init_transactions(30s); !init) {
        std::printf("init_transactions: %s\n", init.err().message().c_str());
        co_return 1;
    }
    const std::string group = "kcoro-example-" + requests;  // the consumer group of the loop
    int failures = 0;
    for (int t = 0; t < transactions; ++t) {
        if (auto begin = producer.begin_transaction(); !begin) {
            std::printf("begin_transaction: %s\n", begin.err().message().c_str());
            co_return 1;
        }
        for (int i = 0; i < 5; ++i) {
            const std::string key = "order-" + std::to_string(t * 5 + i);
            const std::string order = "{\"order\": " + std::to_string(t * 5 + i) + "}";
            const std::string entry = "created " + key;
            // Enqueued now; the commit waits for both.
            (void)co_await producer.send_and_forget({.topic = orders, .key = key, .value = order});
            (void)co_await producer.send_and_forget({.topic = audit, .key = key, .value = entry});
        }
        // The next request to read: the group resumes there if this transaction commits.
        const kcoro::topic_partition_offset consumed[] = {
            {.topic = requests, .partition = 0, .offset = (t + 1) * 5, .leader_epoch = -1, .metadata = ""}};
        if (auto sent = co_await producer.send_offsets_to_transaction(consumed, group, 30s);
            !sent && sent.err() == kcoro::errc::producer_fenced) {
            std::printf("fenced: %s\n", sent.err().message().c_str());
            co_return 1;
        }  // another error leaves the transaction abortable: the commit below reports it
        // [docs:end_transaction]
        const bool commit = t % 3 != 2;
        kcoro::result<void> end = kcoro::ok();
        if (commit) end = co_await producer.commit_transaction(30s);
        else end = co_await producer.abort_transaction(30s);
        if (!end && end.err() == kcoro::errc::producer_fenced) {
            std::printf("fenced: %s\n", end.err().message().c_str());  // another instance took over: stop
            co_return 1;
        }
        if (!end && commit) {
            // A record was not delivered: the transaction can only be aborted; the producer goes on.
            std::printf("transaction %d: %s\n", t, end.err().message().c_str());
            ++failures;
            if (auto abort = co_await producer.abort_transaction(30s); !abort) {
                std::printf("abort: %s\n", abort.err().message().c_str());
                co_return 1;
            }
            continue;
        }
        // [docs:end]
        if (!end) {
            std::printf("abort_transaction: %s\n", end.err().message().c_str());
            co_return 1;
        }
        std::printf("transaction %d %s (epoch now %d)\n", t, commit ? "committed" : "aborted", producer.producer_epoch());
    }
    auto closed = co_await producer.close(10s);
    if (!closed) std::printf("close: %s\n", closed.err().message().c_str());
    co_return failures == 0 && closed ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s <bootstrap servers> <requests topic> <orders topic> <audit topic> [transactions]\n", argv[0]);
        return 2;
    }
    kcoro::producer_config config;
    config.bootstrap_servers = argv[1];
    config.transactional_id = "kcoro-example-" + std::string(argv[3]);
    kcoro::event_loop loop;
    auto producer = kcoro::make_producer(loop, config);
    if (!producer) {
        std::fprintf(stderr, "%s\n", producer.err().message().c_str());
        return 2;
    }
    return kcoro::run_until_complete(loop, run(**producer, argv[2], argv[3], argv[4], argc > 5 ? std::atoi(argv[5]) : 6));
}
