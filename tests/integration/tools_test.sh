#!/usr/bin/env bash
# kcoro-produce and kcoro-perf as `cmake --install` installs them, against the real broker:
#   - a file of keyed records with headers, then stdin, go in with kcoro-produce; kcat reads the
#     topic back and every record is there exactly once with its key, value and headers;
#   - records for a partition the topic lacks fail: kcoro-produce exits 1 naming their count and
#     the reason;
#   - kcoro-perf's summary is parsed: the count equals --num-records, the percentiles rise
#     monotonically, the histogram holds every record;
#   - the properties loader on the harness's client-*.properties files (scripts/kafka start --sasl
#     --tls writes them for Java's tools): read, their security protocol in --print-config and their
#     password nowhere; and on bad input (unknown key, bad value).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/itest.sh
source "$root/scripts/lib/itest.sh"
use_broker 1
bootstrap=$("$kafka" bootstrap "$dir")
work=$(mktemp -d /tmp/kcoro-tools.XXXXXX)
trap 'rm -rf "$work"; itest_cleanup' EXIT

cmake --install "${KCORO_BUILD_DIR:-$root/build/gcc}" --prefix "$work/prefix" >"$work/install.log" 2>&1
produce="$work/prefix/bin/kcoro-produce"
perf="$work/prefix/bin/kcoro-perf"
check tools-installed "cmake --install put no kcoro-produce/kcoro-perf in bin/" test -x "$produce" -a -x "$perf"

topic="tools-$(date +%s)-$$"
"$kafka" topic "$dir" create "$topic" 3 >/dev/null

# ---- kcoro-produce: a file, then stdin
: >"$work/sent"
for ((i = 0; i < 2000; i++)); do printf 'key-%d|file value %d\n' $((i % 17)) "$i"; done >"$work/records.txt"
sed 's/|/\t/' "$work/records.txt" | sed 's/$/\tsource=file,run=tools/' >>"$work/sent"
if "$produce" -b "$bootstrap" -t "$topic" -k '|' -H source=file -H run=tools -X linger.ms=10 "$work/records.txt" \
     2>"$work/file.err"; then
  pass produce-file
else
  fail produce-file "exit $?: $(tail -n 3 "$work/file.err" | tr '\n' ' ')"
fi
for ((i = 0; i < 500; i++)); do printf 'k%d;stdin value %d\n' $((i % 5)) "$i"; done >"$work/stdin.txt"
sed 's/;/\t/' "$work/stdin.txt" | sed 's/$/\tsource=stdin/' >>"$work/sent"
if "$produce" -b "$bootstrap" -t "$topic" -K ';' -H source=stdin -z none --acks all <"$work/stdin.txt" 2>"$work/stdin.err"; then
  pass produce-stdin
else
  fail produce-stdin "exit $?: $(tail -n 3 "$work/stdin.err" | tr '\n' ' ')"
fi
timeout 60 kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -f '%k\t%s\t%h\n' >"$work/read" 2>"$work/kcat.err" || true
sort "$work/sent" >"$work/sent.sorted"
sort "$work/read" >"$work/read.sorted"
check readback-count "kcat read $(grep -c '' "$work/read") records, sent 2500" test "$(grep -c '' "$work/read")" = 2500
if cmp -s "$work/sent.sorted" "$work/read.sorted"; then
  pass readback-matches
else
  fail readback-matches "$(diff "$work/sent.sorted" "$work/read.sorted" | grep -c '^[<>]') lines differ, e.g. $(diff "$work/sent.sorted" "$work/read.sorted" | grep -m 2 '^[<>]' | tr '\n' ' ')"
fi

# ---- failures are counted and reported, with a non-zero exit: a partition the topic lacks
ftopic="$topic-failures"
"$kafka" topic "$dir" create "$ftopic" 1 >/dev/null
seq 1 20 >"$work/twenty.txt"
set +e
timeout 120 "$produce" -b "$bootstrap" -t "$ftopic" -p 9 -X delivery.timeout.ms=5000 -X request.timeout.ms=2000 \
  "$work/twenty.txt" 2>"$work/fail.err"
rc=$?
set -e
check failures-exit-1 "exit $rc, want 1" test "$rc" = 1
check failures-counted "stderr lacks '20 of 20 records failed': $(head -n 3 "$work/fail.err" | tr '\n' ' ')" \
  grep -q '20 of 20 records failed' "$work/fail.err"
check failures-reason "stderr names no reason: $(tr '\n' ' ' <"$work/fail.err")" grep -q 'partition 9 does not exist' "$work/fail.err"

# ---- kcoro-perf
records=20000
if "$perf" --topic "$topic" --num-records "$records" --record-size 100 --throughput 20000 --keys 100 \
     --producer-props "bootstrap.servers=$bootstrap" linger.ms=5 acks=all --print-metrics >"$work/perf.out" 2>"$work/perf.err"; then
  pass perf-runs
else
  fail perf-runs "exit $?: $(tail -n 3 "$work/perf.err" | tr '\n' ' ')"
fi
summary=$(grep -E '^[0-9]+ records sent, [0-9.]+ records/sec .* ms 99.9th\.$' "$work/perf.out" | tail -n 1 || true)
check perf-summary "no summary line in: $(tail -n 3 "$work/perf.out" | tr '\n' ' ')" test -n "$summary"
read -r count avg max p50 p95 p99 p999 < <(sed -E 's/^([0-9]+) records sent, .* ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, ([0-9.]+) ms 50th, ([0-9.]+) ms 95th, ([0-9.]+) ms 99th, ([0-9.]+) ms 99.9th\.$/\1 \2 \3 \4 \5 \6 \7/' <<<"$summary")
check perf-count "the summary counts $count records, --num-records was $records" test "$count" = "$records"
check perf-percentiles-rise "p50 $p50, p95 $p95, p99 $p99, p99.9 $p999, max $max do not rise" \
  awk -v a="$p50" -v b="$p95" -v c="$p99" -v d="$p999" -v e="$max" -v m="$avg" 'BEGIN { exit !(a > 0 && a <= b && b <= c && c <= d && d <= e && m <= e) }'
in_histogram=$(awk -F'|' '/^ +[0-9.]+ - +[0-9.]+ \|/ { n += $3 } END { print n + 0 }' "$work/perf.out")
check perf-histogram "the histogram holds $in_histogram records, not $records" test "$in_histogram" = "$records"
echo "kcoro-perf: $summary"
# --print-metrics: the producer's own count agrees with the summary's, and requests were timed.
metric() { sed -n "s/^kcoro-producer:$1 *: //p" "$work/perf.out"; }
check perf-metrics-delivered "metrics say $(metric records_delivered) records delivered, not $records" \
  test "$(metric records_delivered)" = "$records"
check perf-metrics-latency "metrics timed $(metric request_latency_count) requests of $(metric requests_sent)" \
  awk -v n="$(metric request_latency_count)" -v r="$(metric requests_sent)" 'BEGIN { exit !(n > 0 && n <= r) }'

# ---- properties: the harness's files for Java's tools, then bad input
for f in client-ssl.properties client-mtls.properties client-scram-sha-256.properties client-scram-sha-512.properties; do
  if [ ! -f "$dir/$f" ]; then
    fail "properties-$f" "$dir has no $f (start the broker with scripts/kafka start --sasl --tls)"
    continue
  fi
  set +e
  "$produce" -b "$bootstrap" --producer.config "$dir/$f" --print-config >"$work/$f.out" 2>"$work/$f.err"
  rc=$?
  set -e
  check "properties-$f-read" "exit $rc, want 0: $(tr '\n' ' ' <"$work/$f.err")" test "$rc" = 0
  want=$(grep '^security.protocol=' "$dir/$f")
  check "properties-$f-protocol" "--print-config lacks $want" grep -qx "$want" "$work/$f.out"
  check "properties-$f-no-secret" "the password or the key's passphrase appears in the output" \
    bash -c "! grep -q -e kcoro-secret -e kcoro-key-secret '$work/$f.err' '$work/$f.out'"
done
set +e
"$produce" -b "$bootstrap" -X lingr.ms=5 -X batch.size=lots --print-config >/dev/null 2>"$work/bad.err"
rc=$?
set -e
check properties-bad-input-refused "exit $rc, want 2" test "$rc" = 2
check properties-unknown-key "$(tr '\n' ' ' <"$work/bad.err")" grep -q "unknown property 'lingr.ms'; the closest known one is 'linger.ms'" "$work/bad.err"
check properties-bad-value "$(tr '\n' ' ' <"$work/bad.err")" grep -q "batch.size=lots: not a whole number" "$work/bad.err"

"$kafka" topic "$dir" delete "$topic" >/dev/null 2>&1 || true
"$kafka" topic "$dir" delete "$ftopic" >/dev/null 2>&1 || true
finish tools_test
