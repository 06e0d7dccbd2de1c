// Included by exactly one translation unit of a program built with KCORO_SEPARATE_COMPILATION
// that uses the Asio adapter: compiles the producer engine for asio_runtime, which every other
// file only declares (see producer/engine_instances.hpp).
#pragma once

#ifndef KCORO_SEPARATE_COMPILATION
#error "kcoro/asio/impl/src.hpp is for programs built with KCORO_SEPARATE_COMPILATION defined in every file"
#endif

#include "../../asio.hpp"

KCORO_DEFINE_ENGINE(::kcoro::asio_runtime);
