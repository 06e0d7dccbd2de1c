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

# The mock cluster in a process of its own, driven over stdin/stdout (tests/mock/): lets a test
# talk to it from outside, across processes, and inject faults while a client runs.
add_executable(kcoro_mock_cluster ${PROJECT_SOURCE_DIR}/tests/mock/mock_cluster.cpp)
target_link_libraries(kcoro_mock_cluster PRIVATE PkgConfig::KCORO_RDKAFKA)
target_compile_features(kcoro_mock_cluster PRIVATE cxx_std_20)
kcoro_strict(kcoro_mock_cluster)

# For tests that start it: link kcoro_mock_cluster_process to get tests/mock/ on the include path
# (mock_cluster_process.hpp) and the program's path in KCORO_MOCK_CLUSTER_PROGRAM.
add_library(kcoro_mock_cluster_process INTERFACE)
target_include_directories(kcoro_mock_cluster_process INTERFACE ${PROJECT_SOURCE_DIR}/tests/mock)
target_compile_definitions(kcoro_mock_cluster_process
  INTERFACE KCORO_MOCK_CLUSTER_PROGRAM="$<TARGET_FILE:kcoro_mock_cluster>")
target_compile_features(kcoro_mock_cluster_process INTERFACE cxx_std_20)
add_dependencies(kcoro_mock_cluster_process kcoro_mock_cluster)

# The host against an independent client (kcat): produce, consume, injected errors, brokers down.
find_program(KCORO_KCAT kcat REQUIRED)
add_test(NAME mock_cluster_host_kcat
  COMMAND ${PROJECT_SOURCE_DIR}/tests/mock/mock_cluster_selftest.sh
          $<TARGET_FILE:kcoro_mock_cluster> ${KCORO_KCAT})
set_tests_properties(mock_cluster_host_kcat PROPERTIES TIMEOUT 180)

# mock_cluster_process.hpp against the program, with librdkafka's producer as the client.
add_executable(kcoro_mock_cluster_process_tests ${PROJECT_SOURCE_DIR}/tests/mock/mock_cluster_process_test.cpp)
target_link_libraries(kcoro_mock_cluster_process_tests
  PRIVATE kcoro_mock_cluster_process doctest::doctest PkgConfig::KCORO_RDKAFKA)
kcoro_strict(kcoro_mock_cluster_process_tests)
add_test(NAME mock_cluster_process COMMAND kcoro_mock_cluster_process_tests)
set_tests_properties(mock_cluster_process PROPERTIES TIMEOUT 180)
