// Aggregates the serializer policies; kcoro.hpp includes this.
#pragma once
#include "../byte_sink.hpp"
#include "serializer.hpp"
