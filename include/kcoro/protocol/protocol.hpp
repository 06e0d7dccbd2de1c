// Aggregates the protocol layer; kcoro.hpp includes this.
#pragma once
#include "sasl_plain.hpp"
#include "sasl_scram.hpp"
