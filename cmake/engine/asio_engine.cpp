// The producer engine for asio_runtime, compiled once for kcoro's own targets that use the Asio
// adapter, when they are built with KCORO_SEPARATE_COMPILATION (the CMake option of that name).
#include <kcoro/asio/impl/src.hpp>
