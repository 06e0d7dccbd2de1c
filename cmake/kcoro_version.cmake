# kcoro_check_header_version(<prelude.hpp>): fails the configuration unless the header's
# KCORO_VERSION_MAJOR/MINOR/PATCH spell PROJECT_VERSION (read from VERSION), so that a build can
# never install headers that claim another version than the package.
function(kcoro_check_header_version header)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${header}")
  file(STRINGS "${header}" lines REGEX "^#define KCORO_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+$")
  foreach(part MAJOR MINOR PATCH)
    set(value_${part} "?")
    foreach(line IN LISTS lines)
      if(line MATCHES "^#define KCORO_VERSION_${part} +([0-9]+)$")
        set(value_${part} "${CMAKE_MATCH_1}")
      endif()
    endforeach()
  endforeach()
  set(in_header "${value_MAJOR}.${value_MINOR}.${value_PATCH}")
  if(NOT in_header STREQUAL PROJECT_VERSION)
    message(FATAL_ERROR "kcoro: VERSION says ${PROJECT_VERSION} but ${header} says ${in_header}; "
                        "run tools/version.py --set ${PROJECT_VERSION} (or the version you mean)")
  endif()
endfunction()
