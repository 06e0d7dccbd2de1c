// Aggregates the partitioner policies; kcoro.hpp includes this.
#pragma once
#include "murmur2.hpp"
#include "crc32.hpp"
#include "partition_context.hpp"
#include "partitioner.hpp"
#include "uniform_sticky_partitioner.hpp"
#include "sticky_partitioner.hpp"
#include "murmur2_partitioner.hpp"
#include "crc32_partitioner.hpp"
#include "round_robin_partitioner.hpp"

