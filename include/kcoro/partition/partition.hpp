// Aggregates the partition layer; kcoro.hpp includes this.
#pragma once
