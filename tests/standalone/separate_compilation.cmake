# KCORO_SEPARATE_COMPILATION as a user's program has it, in every build whatever the option
# (cmake/kcoro_separate_compilation.cmake): the two-producer program of engine_once.cpp compiled
# with the engine only declared, linked with the one file that compiles it. Its object must leave
# the engine's work to that file (checks/separate_compilation.cmake reads the symbols); the program
# links, holds one engine, and runs.
find_program(KCORO_NM NAMES nm)
if(KCORO_NM)
  add_library(kcoro_separate_user OBJECT ${CMAKE_CURRENT_LIST_DIR}/engine_once.cpp)
  target_link_libraries(kcoro_separate_user PRIVATE kcoro::kcoro)
  target_compile_definitions(kcoro_separate_user PRIVATE KCORO_SEPARATE_COMPILATION)
  kcoro_strict(kcoro_separate_user)
  if(TARGET kcoro_engine)
    # Built with the option, the library that every other target links already compiles that file.
    add_executable(kcoro_separate_compilation $<TARGET_OBJECTS:kcoro_separate_user>)
    target_link_libraries(kcoro_separate_compilation PRIVATE kcoro_engine)
  else()
    add_library(kcoro_separate_engine OBJECT ${PROJECT_SOURCE_DIR}/cmake/engine/event_loop_engine.cpp)
    target_link_libraries(kcoro_separate_engine PRIVATE kcoro::kcoro)
    target_compile_definitions(kcoro_separate_engine PRIVATE KCORO_SEPARATE_COMPILATION)
    kcoro_strict(kcoro_separate_engine)
    add_executable(kcoro_separate_compilation $<TARGET_OBJECTS:kcoro_separate_user> $<TARGET_OBJECTS:kcoro_separate_engine>)
    target_link_libraries(kcoro_separate_compilation PRIVATE kcoro::kcoro)
  endif()
  add_test(NAME separate_compilation
           COMMAND ${CMAKE_COMMAND} -DNM=${KCORO_NM} "-DUSER_OBJECT=$<TARGET_OBJECTS:kcoro_separate_user>"
                   -DBINARY=$<TARGET_FILE:kcoro_separate_compilation>
                   -DENGINE_ONCE=${CMAKE_CURRENT_LIST_DIR}/checks/engine_once.cmake
                   -P ${CMAKE_CURRENT_LIST_DIR}/checks/separate_compilation.cmake)
endif()
