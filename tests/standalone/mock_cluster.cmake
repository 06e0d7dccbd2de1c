# The producer against librdkafka's in-process mock cluster: a second, independent protocol peer
# (older protocol versions than Kafka 4, repeatable injected faults). It complements the real
# broker tests; it does not replace them.
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::KCORO_RDKAFKA)
  pkg_check_modules(KCORO_RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
endif()
add_executable(kcoro_mock_cluster_tests ${CMAKE_CURRENT_LIST_DIR}/mock_cluster_test.cpp)
target_link_libraries(kcoro_mock_cluster_tests PRIVATE kcoro::kcoro doctest::doctest PkgConfig::KCORO_RDKAFKA)
kcoro_strict(kcoro_mock_cluster_tests)
add_test(NAME mock_cluster COMMAND kcoro_mock_cluster_tests)
