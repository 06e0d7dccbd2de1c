include(CMakePackageConfigHelpers)

# Where the CMake package goes (the vcpkg port puts it in share/kcoro, vcpkg's place for it).
set(KCORO_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/kcoro" CACHE STRING "Install directory of kcoro's CMake package files")
set(KCORO_CMAKE_DIR ${KCORO_INSTALL_CMAKEDIR})
set(_kcoro_targets kcoro)
if(TARGET kcoro_asio)
  list(APPEND _kcoro_targets kcoro_asio)
endif()

install(DIRECTORY include/kcoro DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(TARGETS ${_kcoro_targets} EXPORT kcoroTargets)
install(EXPORT kcoroTargets NAMESPACE kcoro:: DESTINATION ${KCORO_CMAKE_DIR})
# The build tree can be used with find_package too (kcoro_DIR=<build dir>).
export(EXPORT kcoroTargets NAMESPACE kcoro:: FILE ${PROJECT_BINARY_DIR}/kcoroTargets.cmake)

configure_package_config_file(cmake/kcoroConfig.cmake.in ${PROJECT_BINARY_DIR}/kcoroConfig.cmake
  INSTALL_DESTINATION ${KCORO_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kcoroConfigVersion.cmake
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
configure_file(cmake/kcoro_find_optional.cmake ${PROJECT_BINARY_DIR}/kcoro_find_optional.cmake COPYONLY)
install(FILES ${PROJECT_BINARY_DIR}/kcoroConfig.cmake ${PROJECT_BINARY_DIR}/kcoroConfigVersion.cmake
  cmake/kcoro_find_optional.cmake DESTINATION ${KCORO_CMAKE_DIR})

# pkg-config: the codecs that this install was configured with become Requires.
set(KCORO_PC_REQUIRES "")
set(KCORO_PC_CFLAGS "")
if(KCORO_FOUND_ZSTD)
  string(APPEND KCORO_PC_REQUIRES " libzstd")
  string(APPEND KCORO_PC_CFLAGS " -DKCORO_HAS_ZSTD=1")
endif()
if(KCORO_FOUND_LZ4)
  string(APPEND KCORO_PC_REQUIRES " liblz4")
  string(APPEND KCORO_PC_CFLAGS " -DKCORO_HAS_LZ4=1")
endif()
if(KCORO_FOUND_ZLIB)
  string(APPEND KCORO_PC_REQUIRES " zlib")
  string(APPEND KCORO_PC_CFLAGS " -DKCORO_HAS_ZLIB=1")
endif()
if(KCORO_FOUND_SNAPPY)
  string(APPEND KCORO_PC_REQUIRES " snappy")
  string(APPEND KCORO_PC_CFLAGS " -DKCORO_HAS_SNAPPY=1")
endif()
if(KCORO_FOUND_OPENSSL)
  string(APPEND KCORO_PC_REQUIRES " libssl libcrypto")
  string(APPEND KCORO_PC_CFLAGS " -DKCORO_HAS_OPENSSL=1")
endif()
configure_file(cmake/kcoro.pc.in ${PROJECT_BINARY_DIR}/kcoro.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kcoro.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
