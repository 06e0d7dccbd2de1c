#!/usr/bin/env bash
# 10,000 random keys (lengths 0..64, the empty key included) through kcoro's murmur2 and through
# the Java client's own Utils.murmur2 from the kafka-clients jar: every hash and partition must match.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dump=${KCORO_BUILD_DIR:-$root/build/gcc}/tests/kcoro_murmur2_dump
[ -x "$dump" ] || { echo "FAIL murmur2-java: $dump is not built"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp="$("$root/scripts/kafka" classpath)"
javac -d "$work" -cp "$cp" "$root/tools/java/Murmur2Check.java"
python3 - "$work/keys" <<'PY'
import random, sys
rng = random.Random(20261122)
with open(sys.argv[1], "w") as f:
    f.write("\n")  # the empty key
    for _ in range(9999):
        n = rng.randint(0, 64)
        f.write(bytes(rng.getrandbits(8) for _ in range(n)).hex() + "\n")
PY
fails=0
for n in 1 6 7 100; do
  "$dump" "$n" <"$work/keys" >"$work/kcoro.$n"
  java -cp "$work:$cp" Murmur2Check "$n" <"$work/keys" >"$work/java.$n"
  if [ "$(wc -l <"$work/kcoro.$n")" -eq 10000 ] && cmp -s "$work/kcoro.$n" "$work/java.$n"; then
    echo "PASS murmur2-java partitions=$n: 10000 keys, same hash and partition as Utils.murmur2"
  else
    echo "FAIL murmur2-java partitions=$n"; diff "$work/kcoro.$n" "$work/java.$n" | head -5
    fails=$((fails + 1))
  fi
done
echo "murmur2_java_xcheck: $((4 - fails)) passed, $fails failed"
exit $((fails > 0))
