#!/usr/bin/env bash
# Checks the vcpkg port (ports/kcoro) as far as can be without the vcpkg tool, which cannot be had
# here: the manifest parses and its features map to kcoro's CMake options (vcpkg/check_port.py);
# then, for no feature, each feature alone and all features, the portfile's configure/install runs
# (vcpkg/run_portfile.cmake, with the stand-ins of vcpkg/vcpkg_functions.cmake) and a consumer that
# follows the port's usage builds against the result and checks that exactly those features are in
# it. Debian's packages stand in for the dependency ports. Prints PASS/FAIL per check.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/package/vcpkg"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CXX=${CXX:-g++-12}
jobs=${KCORO_JOBS:-$(nproc)}

if ! features=$(python3 "$here/check_port.py" "$root"); then
  echo "FAIL package/vcpkg-manifest"
  exit 1
fi
echo "PASS package/vcpkg-manifest: features $features map to KCORO_WITH_* options"

# port NAME FEATURES...: install with those features, build the consumer, run it expecting them.
port() {
  local name=$1 pkgs="$work/$1/packages" log="$work/$1.log"
  shift
  local list
  list=$(IFS=';'; echo "$*")
  if {
    cmake -DPORT_DIR="$root/ports/kcoro" -DPACKAGES_DIR="$pkgs" -DBUILDTREES_DIR="$work/$name/buildtrees" \
          -DFEATURES="$list" -P "$here/run_portfile.cmake" &&
    cmake -S "$here/consumer" -B "$work/$name/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$pkgs" \
          -DKCORO_SOURCE_DIR="$root" &&
    cmake --build "$work/$name/consumer" &&
    "$work/$name/consumer/test_package" "$@"
  } >"$log" 2>&1; then
    echo "PASS package/vcpkg-$name: $(tail -n 1 "$log")"
  else
    echo "FAIL package/vcpkg-$name"; tail -n 30 "$log" | sed 's/^/    /'
    return 1
  fi
}
export -f port
export root here work

read -r -a each <<<"$features"
# One line per install: a name, then its features. The runs are independent: two at a time.
{
  echo "no-feature"
  for f in "${each[@]}"; do echo "$f $f"; done
  echo "all-features ${each[*]}"
} | xargs -P "$jobs" -L 1 bash -c 'port "$@"' _
rc=$?
echo "SUMMARY: vcpkg port: manifest checked; portfile configure/install with no feature, each of ${#each[@]} alone and all, a consumer built against each"
exit "$rc"
