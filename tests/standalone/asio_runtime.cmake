# kcoro::asio_runtime on an io_context run by the test's own thread: TCP echo with gathered writes,
# connect failure and timeout, timers, cancellation, wake_signal, no thread started; and the whole
# producer on it against librdkafka's mock cluster.
if(TARGET kcoro::asio)
  # The producer end to end on asio_runtime runs against librdkafka's mock cluster.
  find_package(PkgConfig REQUIRED)
  if(NOT TARGET PkgConfig::KCORO_RDKAFKA)
    pkg_check_modules(KCORO_RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
  endif()
  add_executable(kcoro_asio_runtime_tests ${CMAKE_CURRENT_LIST_DIR}/asio_runtime_test.cpp)
  target_link_libraries(kcoro_asio_runtime_tests PRIVATE kcoro::asio doctest::doctest PkgConfig::KCORO_RDKAFKA)
  kcoro_strict(kcoro_asio_runtime_tests)
  add_test(NAME asio_runtime COMMAND kcoro_asio_runtime_tests)
endif()

# asio_producer::async_send counted for heap allocations per record, with every operator new form
# and aligned_alloc replaced; its own binary, since it owns the allocator.
if(TARGET kcoro::asio)
  add_executable(kcoro_asio_allocation_tests ${CMAKE_CURRENT_LIST_DIR}/asio_allocation_test.cpp)
  target_link_libraries(kcoro_asio_allocation_tests PRIVATE kcoro::asio doctest::doctest PkgConfig::KCORO_RDKAFKA)
  kcoro_strict(kcoro_asio_allocation_tests)
  add_test(NAME asio_allocation COMMAND kcoro_asio_allocation_tests)
endif()
