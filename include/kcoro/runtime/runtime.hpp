// Aggregates the runtime layer; kcoro.hpp includes this.
#pragma once
