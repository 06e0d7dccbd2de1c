// One number of a stats struct as the Prometheus and JSON texts name and describe it. A struct's
// list of these is what both writers and the tests go through, so that a number is written under
// one name everywhere.
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>
#include <string_view>

KCORO_NAMESPACE_BEGIN

template <class Owner>
struct stats_field {
    std::string_view name;
    std::uint64_t Owner::*value;
    bool counter;  // only grows; otherwise a gauge (goes up and down)
    std::string_view help;
};

KCORO_NAMESPACE_END
