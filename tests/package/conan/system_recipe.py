"""A "system" conan package over a Debian package, so that kcoro's recipe can be created offline
with every option (conan-center is not reachable here). One recipe serves all of kcoro's optional
dependencies; it is exported once per name:

    conan export system_recipe.py --name zstd --version system

and a profile maps the real requirement onto it ([replace_requires] zstd/*: zstd/system). Like
conan-center's own system packages (libudev/system, ...), it installs nothing by default: conan's
package manager integration checks that the Debian package is there (scripts/deps installs it),
and pkg-config describes it. The CMake names are those of conan-center's recipes.
"""
from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.gnu import PkgConfig
from conan.tools.system.package_manager import Apt

# conan name -> (Debian package, pkg-config module or None, CMake file name, CMake target)
DEBIAN = {
    "zstd": ("libzstd-dev", "libzstd", "zstd", "zstd::libzstd"),
    "lz4": ("liblz4-dev", "liblz4", "lz4", "LZ4::lz4"),
    "zlib": ("zlib1g-dev", "zlib", "ZLIB", "ZLIB::ZLIB"),
    "snappy": ("libsnappy-dev", "snappy", "Snappy", "Snappy::snappy"),
    "openssl": ("libssl-dev", "openssl", "OpenSSL", "OpenSSL::SSL"),
    # Header-only; Debian ships no asio.pc. Its headers are in /usr/include.
    "asio": ("libasio-dev", None, "asio", "asio::asio"),
}


class DebianSystemPackage(ConanFile):
    version = "system"
    settings = "os", "arch", "compiler", "build_type"
    description = "A Debian package seen as a conan package (kcoro's offline packaging test)"
    license = "see the Debian package"

    def validate(self):
        if self.name not in DEBIAN:
            raise ConanInvalidConfiguration(f"no Debian package is known for '{self.name}'")

    def package_id(self):
        self.info.clear()

    def system_requirements(self):
        Apt(self).install([DEBIAN[self.name][0]], update=False, check=True)

    def package_info(self):
        _, module, cmake_file, cmake_target = DEBIAN[self.name]
        self.cpp_info.bindirs = []
        self.cpp_info.includedirs = []
        self.cpp_info.libdirs = []
        if module:
            PkgConfig(self, module).fill_cpp_info(self.cpp_info, is_system=True)
        else:
            self.cpp_info.system_libs = ["pthread"]
        self.cpp_info.set_property("cmake_file_name", cmake_file)
        self.cpp_info.set_property("cmake_target_name", cmake_target)
