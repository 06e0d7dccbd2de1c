// Aggregates the protocol layer; kcoro.hpp includes this.
#pragma once
