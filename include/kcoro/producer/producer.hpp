// Aggregates the producer layer; kcoro.hpp includes this.
#pragma once
