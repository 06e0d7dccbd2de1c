// The parked sends without a runtime: order kept, a retry that stops at the first sender still
// waiting for memory, expiry at max_block, failing one topic's or all.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace producer_parked_sends_test {

using kcoro::park_reason;
using kcoro::parked_send;
using kcoro::parked_sends;
using namespace std::chrono_literals;

// A parked send that records what happened to it; `ready` says whether its next retry gets in.
struct probe : parked_send {
    std::vector<std::string>* log = nullptr;
    std::string name;
    bool ready = false;
    std::string failure;

    probe(std::vector<std::string>& l, std::string n, park_reason why, std::string_view t = "t") : log(&l), name(std::move(n)) {
        reason = why;
        topic = t;
        retry = [](parked_send* s) {
            auto* self = static_cast<probe*>(s);
            self->log->push_back("retry " + self->name);
            return self->ready;
        };
        fail = [](parked_send* s, kcoro::error&& e) {
            auto* self = static_cast<probe*>(s);
            self->failure = e.message();
            self->log->push_back("fail " + self->name);
        };
    }
};

TEST_CASE("a retry goes in order and stops at the first send still waiting for memory") {
    std::vector<std::string> log;
    parked_sends list;
    probe a(log, "a", park_reason::memory), b(log, "b", park_reason::memory), c(log, "c", park_reason::memory);
    list.park(&a);
    list.park(&b);
    list.park(&c);
    CHECK(a.parked);
    a.ready = true;
    list.retry();
    CHECK(log == std::vector<std::string>{"retry a", "retry b"});  // b still waits: c does not jump ahead
    log.clear();
    b.ready = c.ready = true;
    list.retry();
    CHECK(log == std::vector<std::string>{"retry b", "retry c"});
    CHECK(list.empty());
}

TEST_CASE("a send waiting for metadata does not hold back the ones behind it, and keeps its place") {
    std::vector<std::string> log;
    parked_sends list;
    probe m(log, "m", park_reason::metadata), x(log, "x", park_reason::memory), y(log, "y", park_reason::memory);
    list.park(&m);
    list.park(&x);
    list.park(&y);
    x.ready = true;
    list.retry();
    CHECK(log == std::vector<std::string>{"retry m", "retry x", "retry y"});
    CHECK(list.any_waiting_for_metadata());
    log.clear();
    list.retry();  // m first still: it kept its place ahead of y
    CHECK(log == std::vector<std::string>{"retry m", "retry y"});
}

TEST_CASE("parked sends expire at their max_block, each with its own reason") {
    std::vector<std::string> log;
    parked_sends list;
    const kcoro::steady_time t0{};
    probe a(log, "a", park_reason::memory), b(log, "b", park_reason::metadata), c(log, "c", park_reason::memory);
    a.deadline = t0 + 10ms;
    b.deadline = t0 + 5ms;
    c.deadline = t0 + 20ms;
    list.park(&a);
    list.park(&b);
    list.park(&c);
    auto why = [](const parked_send& s) {
        return kcoro::error(kcoro::errc::timed_out, s.reason == park_reason::metadata ? "metadata" : "memory");
    };
    list.expire(t0 + 4ms, why);
    CHECK(log.empty());
    list.expire(t0 + 10ms, why);
    CHECK(log == std::vector<std::string>{"fail a", "fail b"});
    CHECK(b.failure.find("metadata") != std::string::npos);
    CHECK(a.failure.find("memory") != std::string::npos);
    CHECK_FALSE(list.empty());
    list.fail_all(why);
    CHECK(log.back() == "fail c");
    CHECK(list.empty());
}

TEST_CASE("failing a topic fails only the sends waiting for its metadata") {
    std::vector<std::string> log;
    parked_sends list;
    probe a(log, "a", park_reason::metadata, "gone"), b(log, "b", park_reason::metadata, "kept"),
        c(log, "c", park_reason::memory, "gone");
    list.park(&a);
    list.park(&b);
    list.park(&c);
    list.fail_topic("gone", kcoro::error(kcoro::errc::unknown_topic_or_partition));
    CHECK(log == std::vector<std::string>{"fail a"});
    log.clear();
    b.ready = c.ready = true;
    list.retry();
    CHECK(log == std::vector<std::string>{"retry b", "retry c"});
}

}  // namespace producer_parked_sends_test
