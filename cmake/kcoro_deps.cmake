include(${CMAKE_CURRENT_LIST_DIR}/kcoro_find_optional.cmake)

foreach(dep zstd lz4 zlib snappy openssl)
  string(TOUPPER "${dep}" udep)
  kcoro_find_optional(${dep} "${KCORO_WITH_${udep}}")
  message(STATUS "kcoro: ${dep}: ${KCORO_FOUND_${udep}}")
endforeach()
# Asio is not linked into kcoro::kcoro: kcoro/asio.hpp users link kcoro::asio.
kcoro_find_optional(asio "${KCORO_WITH_ASIO}")
message(STATUS "kcoro: Asio adapter: ${KCORO_FOUND_ASIO}")

function(kcoro_link_optional_deps target)
  foreach(dep zstd lz4 zlib snappy openssl)
    string(TOUPPER "${dep}" udep)
    if(KCORO_FOUND_${udep})
      target_link_libraries(${target} INTERFACE kcoro::dep_${dep})
    endif()
  endforeach()
endfunction()
