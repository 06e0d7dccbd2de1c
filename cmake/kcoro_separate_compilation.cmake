# KCORO_SEPARATE_COMPILATION builds kcoro's own tests, examples, tools and benchmarks the way a
# user's program may build itself (include/kcoro/producer/engine_instances.hpp): every file only
# declares the producer engine, and one static library per runtime compiles it. The test command
# builds some configurations this way and the rest header-only, so both are checked. It does not
# change the installed package, which stays header-only.
option(KCORO_SEPARATE_COMPILATION "Build kcoro's own targets with the engine compiled once per runtime" OFF)

# kcoro_link_engine(target): in that mode, the target declares the engine and links its instances,
# those on asio_runtime when it already links kcoro::asio (so call it after target_link_libraries).
function(kcoro_link_engine target)
  if(KCORO_SEPARATE_COMPILATION)
    target_link_libraries(${target} PRIVATE kcoro_engine)
    get_target_property(libs ${target} LINK_LIBRARIES)
    if(TARGET kcoro_asio_engine AND "kcoro::asio" IN_LIST libs)
      target_link_libraries(${target} PRIVATE kcoro_asio_engine)
    endif()
  endif()
endfunction()

if(KCORO_SEPARATE_COMPILATION)
  add_library(kcoro_engine STATIC ${CMAKE_CURRENT_LIST_DIR}/engine/event_loop_engine.cpp)
  target_link_libraries(kcoro_engine PUBLIC kcoro::kcoro)
  target_compile_definitions(kcoro_engine PUBLIC KCORO_SEPARATE_COMPILATION)
  set(kcoro_engine_targets kcoro_engine)
  if(KCORO_FOUND_ASIO)
    add_library(kcoro_asio_engine STATIC ${CMAKE_CURRENT_LIST_DIR}/engine/asio_engine.cpp)
    target_link_libraries(kcoro_asio_engine PUBLIC kcoro::asio)
    target_compile_definitions(kcoro_asio_engine PUBLIC KCORO_SEPARATE_COMPILATION)
    list(APPEND kcoro_engine_targets kcoro_asio_engine)
  endif()
  foreach(lib ${kcoro_engine_targets})
    target_compile_options(${lib} PRIVATE -Wall -Wextra -Wpedantic)
    if(KCORO_WARNINGS_AS_ERRORS)
      target_compile_options(${lib} PRIVATE -Werror)
    endif()
  endforeach()
  # The same exception mode as the files that use it (the Asio adapter needs exceptions).
  if(KCORO_NO_EXCEPTIONS)
    target_compile_options(kcoro_engine PRIVATE -fno-exceptions)
  endif()
endif()
