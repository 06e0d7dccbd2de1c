// The producer's log: the handler the application set and the least level it wants, shared by the
// engine's parts, which each say what they see (a sender its broker's connection and retries, the
// metadata refresher leaders that moved, the producer id loop new epochs). Nothing is logged until
// a handler is set, and a record below the level costs its caller one comparison: callers that
// build a message check enabled() first. The handler runs on the producer's executor, inside the
// producer's own work, so it must not block, throw, or call back into the producer.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "log_level.hpp"
#include "log_record.hpp"

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

class producer_log {
public:
    using handler = std::function<void(const log_record&)>;

    void set(handler h, log_level least) {
        handler_ = std::move(h);
        least_ = least;
    }
    bool enabled(log_level level) const noexcept { return handler_ && level >= least_; }

    // About one broker: `broker` its host:port.
    void broker(log_level level, std::int32_t broker_id, std::string_view broker, errc code, std::string_view message) const {
        emit(level, code, message, broker_id, broker, {}, -1);
    }
    // About one partition, and the broker that leads it (-1: none).
    void partition(log_level level, std::string_view topic, std::int32_t partition, std::int32_t broker_id, errc code,
                   std::string_view message) const {
        emit(level, code, message, broker_id, {}, topic, partition);
    }
    // About the producer as a whole.
    void producer(log_level level, errc code, std::string_view message) const { emit(level, code, message, -1, {}, {}, -1); }

private:
    void emit(log_level level, errc code, std::string_view message, std::int32_t broker_id, std::string_view broker,
              std::string_view topic, std::int32_t partition) const {
        if (!enabled(level)) return;
        log_record r;
        r.level = level;
        r.message = message;
        r.broker_id = broker_id;
        r.broker = broker;
        r.topic = topic;
        r.partition = partition;
        r.code = code;
        handler_(r);
    }

    handler handler_;
    log_level least_ = log_level::info;
};

KCORO_NAMESPACE_END
