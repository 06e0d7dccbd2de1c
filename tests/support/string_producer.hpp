// The producer the engine tests drive: string keys and values, the default partitioner, on the test
// runtime.
#pragma once

#include <kcoro/kcoro.hpp>

#include "manual_runtime.hpp"

#include <string_view>

namespace kcoro_test {

using string_producer =
    kcoro::basic_producer<manual_runtime, std::string_view, std::string_view, kcoro::default_partitioner,
                          kcoro::default_serializer<std::string_view>, kcoro::default_serializer<std::string_view>>;

}  // namespace kcoro_test
