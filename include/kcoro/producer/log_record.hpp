// One thing the producer has to say, as the application's log handler gets it: a sentence and the
// fields an operator filters by. The views are valid only during the handler's call; a handler that
// keeps a record copies what it needs. No record holds a password, a token or a record's bytes.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "log_level.hpp"

#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

struct log_record {
    log_level level = log_level::info;
    std::string_view message;     // what happened, and what the producer does about it
    std::int32_t broker_id = -1;  // the broker's node id; -1 for none, or a bootstrap address
    std::string_view broker;      // the broker's host:port; empty when the record is about none
    std::string_view topic;       // empty when the record is about no topic
    std::int32_t partition = -1;  // -1 when the record is about no partition
    errc code = errc::none;       // what went wrong; none when nothing did
};

KCORO_NAMESPACE_END
