// Aggregates the records layer; kcoro.hpp includes this.
#pragma once
#include "crc32c.hpp"
#include "compression.hpp"
#include "record_batch_builder.hpp"
#include "record_batch_reader.hpp"
