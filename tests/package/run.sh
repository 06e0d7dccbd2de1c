#!/usr/bin/env bash
# Builds and runs a tiny consumer of kcoro in each way a user can take it in: find_package after
# cmake --install (which must also install the LICENSE and state VERSION's version in the CMake and
# pkg-config files), add_subdirectory, FetchContent from this checkout, and a meson subproject.
# conan.sh and vcpkg.sh beside it check the conan recipe and the vcpkg port.
# Prints PASS/FAIL per way; exits non-zero if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CXX=${CXX:-g++-12}
fails=0
version=$(cat "$root/VERSION")

check() {
  local name=$1; shift
  local log="$work/$name.log"
  if "$@" >"$log" 2>&1; then
    echo "PASS package/$name: $(tail -n 1 "$log")"
  else
    echo "FAIL package/$name"; tail -n 30 "$log" | sed 's/^/    /'
    fails=$((fails + 1))
  fi
}

find_package_way() {
  cmake -S "$root" -B "$work/kcoro-build" -G Ninja -DKCORO_BUILD_TESTS=OFF -DKCORO_BUILD_EXAMPLES=OFF -DKCORO_BUILD_TOOLS=OFF \
        -DCMAKE_INSTALL_PREFIX="$work/prefix" &&
  cmake --install "$work/kcoro-build" &&
  test -f "$work/prefix/share/cmake/kcoro/kcoroConfig.cmake" &&
  test -f "$work/prefix/share/pkgconfig/kcoro.pc" &&
  cmp "$root/LICENSE" "$work/prefix/share/doc/kcoro/LICENSE" &&
  grep -qx 'License: MIT' "$work/prefix/share/pkgconfig/kcoro.pc" &&
  test "$(PKG_CONFIG_PATH="$work/prefix/share/pkgconfig" pkg-config --modversion kcoro)" = "$version" &&
  cmake -S "$root/tests/package/find_package" -B "$work/fp" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
        -DKCORO_EXPECTED_VERSION="$version" &&
  cmake --build "$work/fp" && "$work/fp/consumer" &&
  # The pkg-config file must be enough on its own too.
  local pc_flags
  read -r -a pc_flags <<<"$(PKG_CONFIG_PATH="$work/prefix/share/pkgconfig" pkg-config --cflags --libs kcoro)" &&
  $CXX "${pc_flags[@]}" -Wall -Wextra -Wpedantic -Werror "$root/tests/package/consumer.cpp" -o "$work/pc-consumer" && "$work/pc-consumer" &&
  # Separate compilation from the installed headers: a program with two producer types declares
  # the engine, and the one file that includes <kcoro/impl/src.hpp> compiles it.
  printf '#include <kcoro/impl/src.hpp>\n' >"$work/engine.cpp" &&
  $CXX "${pc_flags[@]}" -DKCORO_SEPARATE_COMPILATION -Wall -Wextra -Wpedantic -Werror -c "$root/tests/standalone/engine_once.cpp" -o "$work/two-producers.o" &&
  $CXX "${pc_flags[@]}" -DKCORO_SEPARATE_COMPILATION -Wall -Wextra -Wpedantic -Werror -c "$work/engine.cpp" -o "$work/engine.o" &&
  $CXX "$work/two-producers.o" "$work/engine.o" "${pc_flags[@]}" -o "$work/separate" && "$work/separate" &&
  echo "installed: CMake and pkg-config files, LICENSE; a pkg-config consumer and a separately compiled one run"
}

add_subdirectory_way() {
  cmake -S "$root/tests/package/add_subdirectory" -B "$work/as" -G Ninja -DKCORO_SOURCE_DIR="$root" &&
  cmake --build "$work/as" && "$work/as/consumer"
}

fetch_content_way() {
  cmake -S "$root/tests/package/fetch_content" -B "$work/fc" -G Ninja -DKCORO_SOURCE_DIR="$root" \
        -DKCORO_GIT_REF="$(git -C "$root" rev-parse HEAD)" &&
  cmake --build "$work/fc" && "$work/fc/consumer"
}

meson_subproject_way() {
  local proj="$work/meson-consumer/app"
  mkdir -p "$proj/subprojects" &&
  cp "$root/tests/package/meson_subproject/meson.build" "$proj/" &&
  cp "$root/tests/package/consumer.cpp" "$work/meson-consumer/" &&
  ln -s "$root" "$proj/subprojects/kcoro" &&
  meson setup "$work/ms" "$proj" && ninja -C "$work/ms" && "$work/ms/consumer" &&
  # meson reads VERSION too.
  meson introspect --projectinfo "$work/ms" | python3 -c 'import json, sys
info = json.load(sys.stdin)
sub = [s["version"] for s in info["subprojects"] if s["name"] == "kcoro"]
sys.exit(0 if sub == [sys.argv[1]] else "meson says kcoro %s, VERSION says %s" % (sub, sys.argv[1]))' "$version"
}

check find_package find_package_way
check add_subdirectory add_subdirectory_way
check fetch_content fetch_content_way
check meson_subproject meson_subproject_way
exit $((fails > 0))
