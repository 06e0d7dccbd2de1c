// Delivery reporting without a runtime: one batch's outcome fanned out to each record's slot, in
// offset order, through each of the four ways a sender can hear of it.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <coroutine>
#include <optional>
#include <vector>

namespace producer_delivery_reporter_test {

using kcoro::delivery_reporter;
using kcoro::delivery_result;
using kcoro::delivery_slot;
using kcoro::producer_batch;

struct posted {
    std::vector<std::coroutine_handle<>> handles;
    auto post() {
        return [this](std::coroutine_handle<> h) { handles.push_back(h); };
    }
};

// A coroutine handle that is only compared, never resumed.
std::coroutine_handle<> fake_handle(int n) {
    static int anchors[8];
    return std::coroutine_handle<>::from_address(&anchors[n]);
}

struct four_senders {
    kcoro::topic_state topic;
    producer_batch batch;
    kcoro::delivery_waiter waiter;
    std::optional<delivery_result> called;
    kcoro::detail::delivery_state* state = nullptr;

    explicit four_senders(delivery_reporter& r) {
        topic.name = "orders";
        batch.topic = &topic;
        batch.partition = 2;
        delivery_slot forget;
        forget.timestamp = 10;
        delivery_slot callback;
        callback.how = delivery_slot::kind::callback;
        callback.timestamp = 11;
        callback.callback = [this](delivery_result&& d) { called = std::move(d); };
        delivery_slot handle;
        handle.how = delivery_slot::kind::handle;
        handle.timestamp = 12;
        state = r.handle_states().acquire();
        handle.state = state;
        delivery_slot awaiter;
        awaiter.how = delivery_slot::kind::awaiter;
        awaiter.timestamp = 13;
        awaiter.waiter_owner = &waiter;
        waiter.handle = fake_handle(1);
        batch.slots.push_back(std::move(forget));
        batch.slots.push_back(std::move(callback));
        batch.slots.push_back(std::move(handle));
        batch.slots.push_back(std::move(awaiter));
    }
};

TEST_CASE("an acknowledged batch gives each record its offset, in order, and the create time it was given") {
    delivery_reporter r;
    int handler_calls = 0;
    r.set_error_handler([&](const kcoro::record_metadata&, const kcoro::error&) { ++handler_calls; });
    four_senders s(r);
    posted p;
    r.complete(s.batch, 100, -1, p.post());

    REQUIRE(s.called);
    REQUIRE(*s.called);
    CHECK((*s.called)->offset == 101);
    CHECK((*s.called)->timestamp == 11);
    CHECK((*s.called)->topic == "orders");
    CHECK((*s.called)->partition == 2);
    REQUIRE(s.state->outcome);
    CHECK(s.state->producer_done);
    CHECK((*s.state->outcome)->offset == 102);
    REQUIRE(s.waiter.delivered);
    CHECK(s.waiter.delivered->offset == 103);
    CHECK(s.waiter.delivered->timestamp == 13);
    CHECK(p.handles == std::vector<std::coroutine_handle<>>{fake_handle(1)});  // the suspended send is resumed
    CHECK(handler_calls == 0);  // a delivered fire-and-forget record bothers nobody
    CHECK(r.delivered() == 4);
    CHECK(r.failed() == 0);
    r.handle_states().release(s.state);
}

TEST_CASE("log-append time replaces the create time; no offset stays -1 for every record") {
    delivery_reporter r;
    four_senders s(r);
    posted p;
    r.complete(s.batch, -1, 5000, p.post());
    CHECK((*s.called)->offset == -1);
    CHECK((*s.called)->timestamp == 5000);
    CHECK(s.waiter.delivered->offset == -1);
    r.handle_states().release(s.state);
}

TEST_CASE("a failed batch tells every record once, the forgotten ones through the error handler") {
    delivery_reporter r;
    std::vector<std::int64_t> handled;
    r.set_error_handler([&](const kcoro::record_metadata& md, const kcoro::error& e) {
        CHECK(e.kind() == kcoro::errc::topic_authorization_failed);
        handled.push_back(md.timestamp);
    });
    four_senders s(r);
    posted p;
    const kcoro::error why(kcoro::errc::topic_authorization_failed, "no");
    r.fail(s.batch, why, p.post());
    CHECK(handled == std::vector<std::int64_t>{10});
    REQUIRE(s.called);
    CHECK_FALSE(*s.called);
    CHECK(s.called->err().kind() == kcoro::errc::topic_authorization_failed);
    CHECK_FALSE(*s.state->outcome);
    CHECK_FALSE(s.waiter.delivered);
    CHECK(s.batch.slots.empty());  // reported once: a later release reports nothing again
    CHECK(r.failed() == 4);
    CHECK(r.watched_failures() == 0);  // not closing
    r.handle_states().release(s.state);
}

TEST_CASE("from close() on, failures are tallied for close()'s result, the first kept") {
    delivery_reporter r;
    r.watch_failures(true);
    four_senders s(r);
    posted p;
    r.fail(s.batch, kcoro::error(kcoro::errc::delivery_timeout, "late"), p.post());
    r.note_failure(kcoro::error(kcoro::errc::producer_closed, "parked"));
    CHECK(r.watched_failures() == 5);
    CHECK(r.first_watched_failure().kind() == kcoro::errc::delivery_timeout);
    r.handle_states().release(s.state);
}

TEST_CASE("a handle already dropped by its owner is returned to the pool when its record completes") {
    delivery_reporter r;
    four_senders s(r);
    s.state->handle_alive = false;  // the delivery_handle was destroyed before the outcome
    const auto before = r.handle_states().allocated();
    posted p;
    r.complete(s.batch, 0, -1, p.post());
    auto* again = r.handle_states().acquire();
    CHECK(again == s.state);  // reused, not a new one
    CHECK(r.handle_states().allocated() == before);
    r.handle_states().release(again);
}

}  // namespace producer_delivery_reporter_test
