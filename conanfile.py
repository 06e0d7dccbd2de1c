"""conan 2 recipe for kcoro, a header-only library.

Each optional part is an option, off by default, that adds its requirement and its define:

    conan create . -o "&:with_zstd=True" -o "&:with_asio=True"

The CMake targets match kcoro's own CMake package: kcoro::kcoro (the core, with the codecs and
OpenSSL chosen) and, with with_asio, kcoro::asio (the Asio adapter, kcoro/asio.hpp).
"""
import os

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"

# option -> (requirement, define); the versions are the oldest kcoro is tested with.
OPTIONAL_PARTS = {
    "with_zstd": ("zstd/[>=1.4.8 <2]", "KCORO_HAS_ZSTD=1"),
    "with_lz4": ("lz4/[>=1.9.3 <2]", "KCORO_HAS_LZ4=1"),
    "with_zlib": ("zlib/[>=1.2.11 <2]", "KCORO_HAS_ZLIB=1"),
    "with_snappy": ("snappy/[>=1.1.9 <2]", "KCORO_HAS_SNAPPY=1"),
    "with_openssl": ("openssl/[>=3.0 <4]", "KCORO_HAS_OPENSSL=1"),
}
# Asio 1.24 tests the pre-standard __cpp_coroutines and so misses clang's C++20 coroutines with
# libstdc++; kcoro requires C++20, so they are there (as in cmake/kcoro_find_optional.cmake).
ASIO_DEFINES = ["ASIO_STANDALONE", "ASIO_NO_DEPRECATED", "ASIO_HAS_CO_AWAIT=1", "ASIO_HAS_STD_COROUTINE=1", "KCORO_HAS_ASIO=1"]


class KcoroConan(ConanFile):
    name = "kcoro"
    description = "Header-only C++20 coroutine producer for Apache Kafka"
    license = "MIT"
    topics = ("kafka", "producer", "coroutines", "header-only", "asio")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {**{opt: [True, False] for opt in OPTIONAL_PARTS}, "with_asio": [True, False]}
    default_options = {opt: False for opt in options}
    exports = "VERSION"
    exports_sources = "include/*", "LICENSE"
    no_copy_source = True

    def set_version(self):
        # VERSION is the one place the version is written (tools/version.py).
        self.version = load(self, os.path.join(self.recipe_folder, "VERSION")).strip()

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        for opt, (requirement, _) in OPTIONAL_PARTS.items():
            if self.options.get_safe(opt):
                self.requires(requirement)
        if self.options.with_asio:
            self.requires("asio/[>=1.24 <2]")

    def package_id(self):
        # Headers are the same whatever the options; they only change package_info().
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os != "Linux":
            raise ConanInvalidConfiguration("kcoro's event loop uses epoll: Linux only for now")

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "kcoro")
        self.cpp_info.set_property("cmake_target_name", "kcoro::kcoro")
        self.cpp_info.set_property("pkg_config_name", "kcoro")

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "kcoro::kcoro")
        core.set_property("pkg_config_name", "kcoro")
        core.bindirs = []
        core.libdirs = []
        for opt, (requirement, define) in OPTIONAL_PARTS.items():
            if self.options.get_safe(opt):
                dep = requirement.split("/")[0]
                core.requires.append(f"{dep}::{dep}")
                core.defines.append(define)

        if self.options.with_asio:
            adapter = self.cpp_info.components["asio"]
            adapter.set_property("cmake_target_name", "kcoro::asio")
            adapter.set_property("pkg_config_name", "kcoro-asio")
            adapter.bindirs = []
            adapter.libdirs = []
            adapter.includedirs = []
            adapter.requires = ["core", "asio::asio"]
            adapter.defines = list(ASIO_DEFINES)
            adapter.system_libs = ["pthread"]
