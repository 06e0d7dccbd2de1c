#!/usr/bin/env bash
# Checks the three-node harness and Kafka's failover on it: a topic replicated 3 ways gets leaders,
# records produced with acks=all survive `kill -9` of the leader of partition 0 (before, during and
# after the failover), and every acknowledged record is read back exactly once, in order per key,
# by kcat and by Kafka's ConsoleConsumer; the killed node then rejoins the ISR.
#
#   tests/integration/cluster_test.sh     uses KAFKA_DIR if it has 3+ nodes, else starts 3 nodes itself
#
# Prints PASS name / FAIL name: reason per check; exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/itest.sh
source "$root/scripts/lib/itest.sh"

partitions=3
per_phase=300
use_broker 3
bootstrap=$("$kafka" bootstrap "$dir")
topic="cluster-$(date +%s)-$$"
work=$(mktemp -d /tmp/kcoro-cluster.XXXXXX)
killed=""
cleanup() {
  # A shared cluster is handed back whole.
  if [ -n "$killed" ] && [ -z "$itest_own_dir" ]; then "$kafka" restart "$dir" "$killed" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
  itest_cleanup
}
trap cleanup EXIT

bad_nodes=$("$kafka" status "$dir" | grep -v ' running$' || true)
check cluster-up "nodes not running: $bad_nodes" test -z "$bad_nodes"
n1=$(sed -n 1p <<<"${bootstrap//,/$'\n'}")
md=$(timeout 20 kcat -L -b "$n1" -m 5 2>&1 || true)
check cluster-three-brokers "metadata from $n1: $(head -n 3 <<<"$md" | tr '\n' ' ')" grep -q '^ 3 brokers:' <<<"$md"

if "$kafka" topic "$dir" create "$topic" "$partitions" 3 >"$work/create.log" 2>&1; then
  pass topic-create-rf3
else
  fail topic-create-rf3 "$(tail -n 3 "$work/create.log")"
  finish cluster_test || exit 1
fi

"$kafka" topic "$dir" describe "$topic" >"$work/describe" 2>&1 || true
check topic-rf3 "describe says: $(head -n 1 "$work/describe")" grep -q 'ReplicationFactor: 3' "$work/describe"
# Every partition in sync on all three replicas at creation.
short_isr=$(grep -E 'Partition: [0-9]+' "$work/describe" | grep -vE 'Isr: [0-9]+,[0-9]+,[0-9]+' || true)
check isr-full "$short_isr" test -z "$short_isr"

# partition_info: "partition leader isr_count" per partition, from a live node's metadata.
partition_info() {
  local addr
  for addr in ${bootstrap//,/ }; do
    if out=$(timeout 10 kcat -L -b "$addr" -t "$topic" -m 3 2>/dev/null); then
      sed -nE 's/^ +partition ([0-9]+), leader (-?[0-9]+), replicas: [0-9,]+, isrs: ([0-9,]*).*/\1 \2 \3/p' <<<"$out" |
        awk '{ print $1, $2, split($3, a, ",") }'
      return 0
    fi
  done
  return 1
}
leaderless=$(partition_info | awk '$2 < 1' || true)
check leaders-elected "partitions without a leader: $leaderless" test -z "$leaderless"

# produce PHASE FIRST: records FIRST..FIRST+per_phase-1 as "key-(i%10):v-i" with acks=all and
# idempotence (no duplicates from retries). kcat exits non-zero when any delivery fails, so on
# success every record in the phase was acknowledged and is added to the sent list.
produce() {
  local phase=$1 first=$2 i
  : >"$work/in.$phase"
  for ((i = first; i < first + per_phase; i++)); do printf 'key-%d:v-%d\n' $((i % 10)) "$i" >>"$work/in.$phase"; done
  if timeout 120 kcat -P -b "$bootstrap" -t "$topic" -K: -X enable.idempotence=true -X acks=all \
       -X message.timeout.ms=60000 -l "$work/in.$phase" 2>"$work/produce.$phase.err"; then
    tr ':' '\t' <"$work/in.$phase" >>"$work/sent"
    pass "produce-$phase"
  else
    fail "produce-$phase" "kcat: $(grep -m 2 -v '^%3' "$work/produce.$phase.err" | tr '\n' ' ')"
  fi
}
: >"$work/sent"
produce before-kill 0

leader0=$("$kafka" leader "$dir" "$topic" 0 2>/dev/null || echo -1)
if [ "$leader0" -ge 1 ] && "$kafka" kill "$dir" "$leader0"; then
  killed=$leader0
  t_kill=$(date +%s)
  state=$("$kafka" status "$dir" | awk -v n="$leader0" '$2 == n { print $4 }')
  check kill-leader "node $leader0 is $state after kill -9" test "$state" = stopped
else
  fail kill-leader "partition 0 has leader '$leader0' and could not be killed"
fi

# Right after the kill: the producer must ride out the failover.
t0=$(date +%s)
produce during-failover $per_phase
echo "     (records of the failover phase acknowledged $(($(date +%s) - t0)) s after the kill)"

new_leader=-1
deadline=$(($(date +%s) + 30))
while (($(date +%s) < deadline)); do
  new_leader=$(partition_info | awk '$1 == 0 { print $2 }' || true)
  [ -n "$new_leader" ] && [ "$new_leader" -ge 1 ] && [ "$new_leader" != "$killed" ] && break
  sleep 0.5
done
check leader-failover "partition 0 has leader '$new_leader' (killed node $killed)" \
  test "${new_leader:--1}" -ge 1 -a "${new_leader:-}" != "$killed"
[ -z "${t_kill:-}" ] || echo "     (partition 0 led by node $new_leader, $(($(date +%s) - t_kill)) s after the kill)"

produce after-failover $((2 * per_phase))
sent=$(grep -c '' "$work/sent" || true)

# Read back with both consumers while the node is still down.
if timeout 90 kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -f '%p\t%o\t%k\t%s\n' \
     >"$work/kcat.out" 2>"$work/kcat.err"; then
  pass kcat-consume
else
  fail kcat-consume "$(grep -v '^%3' "$work/kcat.err" | tail -n 2)"
fi
if "$kafka" consume "$dir" "$topic" "$sent" 30000 >"$work/java.raw" 2>"$work/java.err"; then
  pass java-consume
else
  fail java-consume "$(tail -n 2 "$work/java.err")"
fi
# CreateTime:T Partition:P Offset:O headers key value -> P O key value
awk -F'\t' -v OFS='\t' '{ sub(/^Partition:/, "", $2); sub(/^Offset:/, "", $3); print $2, $3, $5, $6 }' \
  "$work/java.raw" >"$work/java.out"

sort "$work/sent" >"$work/sent.sorted"
for who in kcat java; do
  cut -f3,4 "$work/$who.out" | sort >"$work/$who.content"
  dups=$(uniq -d "$work/$who.content" | head -n 3 | tr '\n' ' ')
  check "$who-no-duplicates" "records seen twice: $dups" test -z "$dups"
  missing=$(comm -23 "$work/sent.sorted" "$work/$who.content" | grep -c '' || true)
  check "$who-all-acknowledged-read" "$missing of $sent acknowledged records missing" test "$missing" = 0
  # Within a partition, each key's records appear in the order they were sent.
  disorder=$(sort -t$'\t' -k1,1n -k2,2n "$work/$who.out" |
             awk -F'\t' '{ i = substr($4, 3) + 0; k = $1 SUBSEP $3
                           if ((k in last) && i <= last[k]) print "p" $1 " " $3 ": v-" i " after v-" last[k]; last[k] = i }' |
             head -n 3 | tr '\n' ' ')
  check "$who-order-per-key" "$disorder" test -z "$disorder"
done
if diff <(sort "$work/kcat.out") <(sort "$work/java.out") >/dev/null; then
  pass consumers-agree
else
  fail consumers-agree "kcat and ConsoleConsumer saw different partitions/offsets"
fi

# The killed node comes back and catches up: all partitions in sync on 3 replicas again.
if [ -n "$killed" ]; then
  if "$kafka" restart "$dir" "$killed" >"$work/restart.log" 2>&1; then
    killed=""
    t0=$(date +%s)
    deadline=$((t0 + 60))
    short=""
    while (($(date +%s) < deadline)); do
      short=$(partition_info | awk '$3 < 3' || true)
      [ -z "$short" ] && break
      sleep 0.5
    done
    check node-rejoins-isr "partitions not back to 3 in-sync replicas: $short" test -z "$short"
    echo "     (ISR full again $(($(date +%s) - t0)) s after the restart)"
  else
    fail node-rejoins-isr "restart failed: $(tail -n 3 "$work/restart.log")"
  fi
fi

"$kafka" topic "$dir" delete "$topic" >/dev/null 2>&1 || true
finish cluster_test
