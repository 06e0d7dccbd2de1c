# cmake -DPORT_DIR=... -DPACKAGES_DIR=... -DBUILDTREES_DIR=... -DFEATURES="zstd;lz4" -P run_portfile.cmake
# Runs ports/kcoro/portfile.cmake with the stand-ins of vcpkg_functions.cmake, as vcpkg would for
# x64-linux, then checks what vcpkg requires of an installed port.
cmake_minimum_required(VERSION 3.21)
set(PORT kcoro)
set(TARGET_TRIPLET x64-linux)
set(CURRENT_PORT_DIR "${PORT_DIR}")
set(CURRENT_PACKAGES_DIR "${PACKAGES_DIR}")
set(CURRENT_BUILDTREES_DIR "${BUILDTREES_DIR}")
file(READ "${PORT_DIR}/vcpkg.json" manifest)
string(JSON VERSION GET "${manifest}" version)
include("${CMAKE_CURRENT_LIST_DIR}/vcpkg_functions.cmake")
include("${PORT_DIR}/portfile.cmake")

foreach(f share/kcoro/copyright share/kcoro/usage share/kcoro/kcoroConfig.cmake share/kcoro/kcoroConfigVersion.cmake
          include/kcoro/kcoro.hpp)
  if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/${f}")
    message(FATAL_ERROR "the package lacks ${f}")
  endif()
endforeach()
foreach(d bin lib debug share/doc)
  if(EXISTS "${CURRENT_PACKAGES_DIR}/${d}")
    message(FATAL_ERROR "a header-only package must not install ${d}/")
  endif()
endforeach()
