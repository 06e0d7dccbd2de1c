// How many times one error came back for a batch: producer_stats keeps one per code seen.
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"

#include <cstdint>
#include <string>

KCORO_NAMESPACE_BEGIN

struct error_count {
    errc code = errc::none;
    std::uint64_t batches = 0;  // a batch that failed twice counts twice
};

// The error's name ("not_leader_or_follower"), or "code_<n>" for a code kcoro does not know.
inline std::string error_code_name(errc code) {
    if (const error_info* info = find_error_info(static_cast<int>(code))) return std::string(info->name);
    return "code_" + std::to_string(static_cast<int>(code));
}

KCORO_NAMESPACE_END
