// Aggregates the partitioner policies; kcoro.hpp includes this.
#pragma once
#include "murmur2.hpp"
#include "crc32.hpp"
#include "partitioner.hpp"
