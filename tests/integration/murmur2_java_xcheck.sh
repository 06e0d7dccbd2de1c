#!/usr/bin/env bash
# 10,000 random keys (lengths 0..64, the empty key included) through kcoro's murmur2 and through
# the Java client's own Utils.murmur2 from the kafka-clients jar: every hash and partition must match.
#
#   tests/integration/murmur2_java_xcheck.sh [path/to/kcoro_murmur2_dump]
# The dump program defaults to $KCORO_MURMUR2_DUMP, else $KCORO_BUILD_DIR/tests/kcoro_murmur2_dump
# (KCORO_BUILD_DIR defaults to build/gcc). The jars come from scripts/kafka classpath.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dump=${1:-${KCORO_MURMUR2_DUMP:-${KCORO_BUILD_DIR:-$root/build/gcc}/tests/kcoro_murmur2_dump}}
fail() { echo "FAIL murmur2-java: $*"; exit 1; }
[ -x "$dump" ] || fail "$dump is not built (target kcoro_murmur2_dump)"
command -v javac >/dev/null || fail "javac not found (install a JDK, e.g. openjdk-17-jdk-headless)"
[ -x "$root/scripts/kafka" ] || fail "scripts/kafka is missing: it provides the kafka-clients classpath"
cp=$("$root/scripts/kafka" classpath) || fail "scripts/kafka classpath failed (run scripts/kafka fetch)"
[ -n "$cp" ] || fail "scripts/kafka classpath printed nothing"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac -d "$work" -cp "$cp" "$root/tools/java/Murmur2Check.java" || fail "javac could not compile Murmur2Check.java"
python3 - "$work/keys" <<'PY'
import random, sys
rng = random.Random(20261122)
with open(sys.argv[1], "w") as f:
    f.write("\n")  # the empty key
    for _ in range(9999):
        n = rng.randint(0, 64)
        f.write(bytes(rng.getrandbits(8) for _ in range(n)).hex() + "\n")
PY
[ "$(wc -l <"$work/keys")" -eq 10000 ] || fail "key generation"

fails=0
for n in 1 6 7 100 2147483647; do
  "$dump" "$n" <"$work/keys" >"$work/kcoro.$n" || fail "$dump exited with an error"
  java -cp "$work:$cp" Murmur2Check "$n" <"$work/keys" >"$work/java.$n" || fail "Murmur2Check exited with an error"
  if [ "$(wc -l <"$work/kcoro.$n")" -eq 10000 ] && cmp -s "$work/kcoro.$n" "$work/java.$n"; then
    echo "PASS murmur2-java partitions=$n: 10000 keys, same hash and partition as Utils.murmur2"
  else
    echo "FAIL murmur2-java partitions=$n: kcoro (<) and Java (>) differ:"
    diff "$work/kcoro.$n" "$work/java.$n" | head -6 || true
    fails=$((fails + 1))
  fi
done
echo "murmur2_java_xcheck: $((5 - fails)) passed, $fails failed"
exit $((fails > 0))
