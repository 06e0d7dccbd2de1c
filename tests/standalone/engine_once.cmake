# The engine is compiled once per runtime, not once per key/value/partitioner combination: a program
# with two producer types holds one copy of the engine's functions (read from its symbols with nm).

find_program(KCORO_NM NAMES nm)
if(KCORO_NM)
  add_executable(kcoro_engine_once ${CMAKE_CURRENT_LIST_DIR}/engine_once.cpp)
  target_link_libraries(kcoro_engine_once PRIVATE kcoro::kcoro)
  kcoro_strict(kcoro_engine_once)
  add_test(NAME engine_once_per_runtime
           COMMAND ${CMAKE_COMMAND} -DNM=${KCORO_NM} -DBINARY=$<TARGET_FILE:kcoro_engine_once>
                   -P ${CMAKE_CURRENT_LIST_DIR}/checks/engine_once.cmake)
endif()
