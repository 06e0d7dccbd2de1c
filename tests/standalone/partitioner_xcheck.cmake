# Cross-checks kcoro's partitioners with librdkafka's (an independent implementation), and builds
# the dump program the Java cross-check (tests/integration/murmur2_java_xcheck.sh) compares with
# Kafka's own Utils.murmur2.

find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::KCORO_RDKAFKA)
  pkg_check_modules(KCORO_RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
endif()
add_executable(kcoro_partitioner_xcheck ${CMAKE_CURRENT_LIST_DIR}/partitioner_xcheck.cpp)
target_link_libraries(kcoro_partitioner_xcheck PRIVATE kcoro::kcoro doctest::doctest PkgConfig::KCORO_RDKAFKA)
kcoro_strict(kcoro_partitioner_xcheck)
add_test(NAME partitioner_xcheck_librdkafka COMMAND kcoro_partitioner_xcheck)

add_executable(kcoro_murmur2_dump ${CMAKE_CURRENT_LIST_DIR}/murmur2_dump.cpp)
target_link_libraries(kcoro_murmur2_dump PRIVATE kcoro::kcoro)
kcoro_strict(kcoro_murmur2_dump)
