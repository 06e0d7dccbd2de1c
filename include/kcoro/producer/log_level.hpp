// How much a log record matters. The application chooses the least it wants to see when it sets
// the producer's log handler (basic_producer::set_log_handler).
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

enum class log_level : std::uint8_t {
    debug,    // what a developer follows a problem by: each metadata answer, each throttled request
    info,     // changes an operator wants in the log: connected, a leader moved, a new producer epoch
    warning,  // the producer copes, but something is wrong: a connection lost, a batch retried
    error,    // the producer cannot go on as asked: fenced, a producer id refused
};

constexpr std::string_view log_level_name(log_level level) noexcept {
    switch (level) {
        case log_level::debug: return "debug";
        case log_level::info: return "info";
        case log_level::warning: return "warning";
        case log_level::error: return "error";
    }
    return "unknown";
}

KCORO_NAMESPACE_END
