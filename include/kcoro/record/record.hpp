// Aggregates the record layer; kcoro.hpp includes this.
#pragma once
