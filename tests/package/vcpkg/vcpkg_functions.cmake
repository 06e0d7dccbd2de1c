# What ports/kcoro/portfile.cmake calls, done as vcpkg does it for a header-only port on Linux, so
# that the portfile runs without the vcpkg tool (which cannot be had here):
#   vcpkg_check_features     -D<OPTION>=ON for each requested feature, OFF for the others
#   vcpkg_cmake_configure    cmake -G Ninja, release only, installing into CURRENT_PACKAGES_DIR
#   vcpkg_cmake_install      cmake --build --target install
#   vcpkg_cmake_config_fixup the package must already be in share/<PACKAGE_NAME>: moving it would
#                            need vcpkg's path rewriting; no file may name the packages directory
#   vcpkg_fixup_pkgconfig    prefix= relative to the .pc file, as vcpkg rewrites it
#   vcpkg_install_copyright  share/<PORT>/copyright
# Not reproduced: downloading sources, the dependency ports themselves (Debian's packages stand in
# for them), triplets other than x64-linux, and vcpkg's post-build lint.

function(vcpkg_check_features)
  cmake_parse_arguments(PARSE_ARGV 0 A "" "OUT_FEATURE_OPTIONS" "FEATURES;INVERTED_FEATURES")
  set(out "")
  set(known "")
  list(LENGTH A_FEATURES n)
  math(EXPR last "${n} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET A_FEATURES ${i} feature)
    list(GET A_FEATURES ${j} option)
    list(APPEND known ${feature})
    if(feature IN_LIST FEATURES)
      list(APPEND out "-D${option}=ON")
    else()
      list(APPEND out "-D${option}=OFF")
    endif()
  endforeach()
  foreach(f IN LISTS FEATURES)
    if(NOT f STREQUAL "core" AND NOT f IN_LIST known)
      message(FATAL_ERROR "feature '${f}' was requested but vcpkg_check_features does not know it")
    endif()
  endforeach()
  set(${A_OUT_FEATURE_OPTIONS} "${out}" PARENT_SCOPE)
endfunction()

function(vcpkg_cmake_configure)
  cmake_parse_arguments(PARSE_ARGV 0 A "" "SOURCE_PATH" "OPTIONS;OPTIONS_RELEASE")
  if(NOT VCPKG_BUILD_TYPE STREQUAL "release")
    message(FATAL_ERROR "a header-only port sets VCPKG_BUILD_TYPE release")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${A_SOURCE_PATH}" -B "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-rel"
                          -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_INSTALL_PREFIX=${CURRENT_PACKAGES_DIR}"
                          ${A_OPTIONS} ${A_OPTIONS_RELEASE}
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configure failed")
  endif()
endfunction()

function(vcpkg_cmake_install)
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-rel" --target install
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "install failed")
  endif()
endfunction()

function(vcpkg_cmake_config_fixup)
  cmake_parse_arguments(PARSE_ARGV 0 A "" "PACKAGE_NAME;CONFIG_PATH" "")
  if(NOT A_CONFIG_PATH STREQUAL "share/${A_PACKAGE_NAME}")
    message(FATAL_ERROR "CONFIG_PATH ${A_CONFIG_PATH}: install the package into share/${A_PACKAGE_NAME} directly")
  endif()
  if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/share/${A_PACKAGE_NAME}/${A_PACKAGE_NAME}Config.cmake")
    message(FATAL_ERROR "no ${A_PACKAGE_NAME}Config.cmake in share/${A_PACKAGE_NAME}")
  endif()
  file(GLOB files "${CURRENT_PACKAGES_DIR}/share/${A_PACKAGE_NAME}/*.cmake")
  foreach(f IN LISTS files)
    file(READ "${f}" text)
    string(FIND "${text}" "${CURRENT_PACKAGES_DIR}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${f} names the packages directory: the package would not be relocatable")
    endif()
  endforeach()
endfunction()

function(vcpkg_fixup_pkgconfig)
  file(GLOB pcs "${CURRENT_PACKAGES_DIR}/share/pkgconfig/*.pc" "${CURRENT_PACKAGES_DIR}/lib/pkgconfig/*.pc")
  foreach(pc IN LISTS pcs)
    file(READ "${pc}" text)
    string(REPLACE "prefix=${CURRENT_PACKAGES_DIR}\n" "prefix=\${pcfiledir}/../..\n" text "${text}")
    file(WRITE "${pc}" "${text}")
  endforeach()
endfunction()

function(vcpkg_install_copyright)
  cmake_parse_arguments(PARSE_ARGV 0 A "" "" "FILE_LIST")
  list(LENGTH A_FILE_LIST n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "one license file expected, got ${A_FILE_LIST}")
  endif()
  file(MAKE_DIRECTORY "${CURRENT_PACKAGES_DIR}/share/${PORT}")
  file(COPY_FILE "${A_FILE_LIST}" "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright")
endfunction()
