# avro-c (Debian's libavro-dev) as an in-process reference for kcoro's Avro encoding: every value of
# the corpus written by avro-c must be the bytes fastavro and avro wrote (tests/data/avro).
find_package(PkgConfig REQUIRED)
pkg_check_modules(KCORO_AVRO_C REQUIRED IMPORTED_TARGET avro-c)
add_executable(kcoro_avro_c_xcheck ${CMAKE_CURRENT_LIST_DIR}/avro_c_xcheck.cpp)
target_link_libraries(kcoro_avro_c_xcheck PRIVATE kcoro::kcoro doctest::doctest PkgConfig::KCORO_AVRO_C)
target_compile_definitions(kcoro_avro_c_xcheck PRIVATE ${KCORO_TEST_DATA_DEFINE})
kcoro_strict(kcoro_avro_c_xcheck)
add_test(NAME avro_c_xcheck COMMAND kcoro_avro_c_xcheck)
