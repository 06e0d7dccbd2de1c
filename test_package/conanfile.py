import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout

PARTS = ("zstd", "lz4", "zlib", "snappy", "openssl", "asio")


class KcoroTestConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "CMakeToolchain"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            # The program fails unless exactly the parts the options asked for were compiled in.
            options = self.dependencies[self.tested_reference_str.split("/")[0]].options
            wanted = [part for part in PARTS if options.get_safe(f"with_{part}")]
            program = os.path.join(self.cpp.build.bindir, "test_package")
            self.run(" ".join([program] + wanted), env="conanrun")
