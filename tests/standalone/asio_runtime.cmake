# kcoro::asio_runtime on an io_context run by the test's own thread: TCP echo with gathered writes,
# connect failure and timeout, timers, cancellation, wake_signal, and no thread started.
if(TARGET kcoro::asio)
  add_executable(kcoro_asio_runtime_tests ${CMAKE_CURRENT_LIST_DIR}/asio_runtime_test.cpp)
  target_link_libraries(kcoro_asio_runtime_tests PRIVATE kcoro::asio doctest::doctest)
  kcoro_strict(kcoro_asio_runtime_tests)
  add_test(NAME asio_runtime COMMAND kcoro_asio_runtime_tests)
endif()
