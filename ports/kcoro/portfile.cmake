# kcoro is header-only: the port configures and installs with kcoro's own CMake, and builds nothing.
#
# This overlay port (vcpkg install kcoro --overlay-ports=ports) takes the sources from the checkout
# it lives in. A registry port replaces the next line with
#   vcpkg_from_github(OUT_SOURCE_PATH SOURCE_PATH REPO <owner>/kcoro REF "v${VERSION}" SHA512 <sha512> HEAD_REF main)
get_filename_component(SOURCE_PATH "${CURRENT_PORT_DIR}/../.." ABSOLUTE)

set(VCPKG_BUILD_TYPE release)  # header-only: debug and release would install the same files

# Each part is ON or OFF, never kcoro's default AUTO: a package has exactly the features asked for,
# whatever else happens to be installed.
vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        zstd    KCORO_WITH_ZSTD
        lz4     KCORO_WITH_LZ4
        zlib    KCORO_WITH_ZLIB
        snappy  KCORO_WITH_SNAPPY
        openssl KCORO_WITH_OPENSSL
        asio    KCORO_WITH_ASIO
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        -DKCORO_BUILD_TESTS=OFF
        -DKCORO_BUILD_EXAMPLES=OFF
        -DKCORO_BUILD_TOOLS=OFF
        -DKCORO_INSTALL=ON
        -DKCORO_INSTALL_CMAKEDIR=share/kcoro
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME kcoro CONFIG_PATH share/kcoro)
vcpkg_fixup_pkgconfig()

# The license goes to share/kcoro/copyright, where vcpkg keeps every port's.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
file(INSTALL "${CURRENT_PORT_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
