// Included by exactly one translation unit of a program built with KCORO_SEPARATE_COMPILATION:
// compiles the producer engine for kcoro's event loop, which every other file only declares
// (see producer/engine_instances.hpp).
#pragma once

#ifndef KCORO_SEPARATE_COMPILATION
#error "kcoro/impl/src.hpp is for programs built with KCORO_SEPARATE_COMPILATION defined in every file"
#endif

#include "../kcoro.hpp"

KCORO_DEFINE_ENGINE(::kcoro::event_loop_runtime);
