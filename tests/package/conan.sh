#!/usr/bin/env bash
# Creates kcoro's conan package offline, twice, in a throwaway CONAN_HOME: with no options, and with
# every option, whose requirements (zstd, lz4, zlib, snappy, openssl, asio) are supplied by the local
# "system" recipe over Debian's packages (conan/system_recipe.py; conan-center is not reachable
# here). Each time test_package/ builds one small program against the package and runs it; it fails
# unless exactly the parts the options asked for were compiled in. conan itself comes from PyPI
# (scripts/venv). Prints PASS/FAIL per creation; exits non-zero if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

venv=$("$root/scripts/venv") || { echo "FAIL conan: scripts/venv could not make the Python environment"; exit 1; }
conan="$venv/bin/conan"
export CONAN_HOME="$work/conan-home"
mkdir -p "$CONAN_HOME/profiles"
parts=(zstd lz4 zlib snappy openssl asio)
{
  printf '%s\n' "[settings]" "os=Linux" "arch=x86_64" "build_type=Release" "compiler=gcc" "compiler.version=12" \
    "compiler.libcxx=libstdc++11" "compiler.cppstd=20" "[conf]" \
    'tools.build:compiler_executables={"c": "gcc-12", "cpp": "g++-12"}' \
    "tools.cmake.cmaketoolchain:generator=Ninja" "tools.cmake.cmaketoolchain:user_presets=" "[replace_requires]"
  for p in "${parts[@]}"; do echo "$p/*: $p/system"; done
} >"$CONAN_HOME/profiles/default"

for p in "${parts[@]}"; do
  "$conan" export "$root/tests/package/conan/system_recipe.py" --name "$p" --version system >"$work/export-$p.log" 2>&1 ||
    { echo "FAIL conan: exporting $p/system"; tail -n 20 "$work/export-$p.log"; exit 1; }
done

# create NAME OPTIONS...: conan create with no remote; test_package is built from a copy so that
# its build folder stays out of the checkout.
create() {
  local name=$1 log="$work/create-$1.log"
  shift
  rm -rf "$work/test_package" && cp -r "$root/test_package" "$work/test_package"
  if (cd "$root" && "$conan" create . --build=missing -nr -tf "$work/test_package" "$@") >"$log" 2>&1; then
    echo "PASS package/conan-$name: $(grep -m1 '^kcoro .*built with' "$log")"
  else
    echo "FAIL package/conan-$name"; tail -n 40 "$log" | sed 's/^/    /'
    fails=$((fails + 1))
  fi
}

create no-options
all=()
for p in "${parts[@]}"; do all+=(-o "&:with_$p=True"); done
create every-option "${all[@]}"
echo "SUMMARY: conan $("$conan" --version | awk '{print $3}'): kcoro $("$conan" inspect "$root" --format=json 2>/dev/null |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])') created with no options and with every option"
exit $((fails > 0))
