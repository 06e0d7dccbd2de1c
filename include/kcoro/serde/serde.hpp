// Aggregates the serde layer; kcoro.hpp includes this.
#pragma once
#include "byte_sink.hpp"
