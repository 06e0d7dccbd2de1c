#!/usr/bin/env bash
# Checks the real-broker harness itself: 1000 keyed records with headers go in with kcat and come
# back, each exactly once and unchanged, through two independent consumers (kcat/librdkafka and
# Kafka's own ConsoleConsumer), which must also agree on partition and offset of every record.
# Then the secured listeners of `scripts/kafka start --sasl --tls` (a broker of their own unless
# KAFKA_DIR has them): records go in over SSL, SASL_PLAINTEXT and SASL_SSL and come out over SCRAM
# and TLS, and a wrong password is refused.
#
#   tests/integration/harness_test.sh      uses KAFKA_DIR (from scripts/kafka start) or starts a broker
#
# Prints PASS name / FAIL name: reason per check; exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/itest.sh
source "$root/scripts/lib/itest.sh"

records=1000
partitions=6
batches=4
use_broker 1
bootstrap=$("$kafka" bootstrap "$dir")
topic="harness-$(date +%s)-$$"
work=$(mktemp -d /tmp/kcoro-harness.XXXXXX)
secure_dir=""
cleanup() {
  [ -z "$secure_dir" ] || "$kafka" stop "$secure_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
  itest_cleanup
}
trap cleanup EXIT
t_start=$(($(date +%s) * 1000))

if "$kafka" topic "$dir" create "$topic" "$partitions" >"$work/create.log" 2>&1; then
  pass topic-create
else
  fail topic-create "$(tail -n 3 "$work/create.log")"
  finish harness_test || exit 1
fi

# Sent: "key<TAB>value<TAB>headers" per record. Keys repeat (37 distinct) so that several records
# share a partition; each batch carries its own header value, so headers differ between records.
: >"$work/sent"
produce_ok=1
per_batch=$((records / batches))
for ((b = 0; b < batches; b++)); do
  : >"$work/batch"
  for ((i = b * per_batch; i < (b + 1) * per_batch; i++)); do
    printf 'key-%d:value %d of %s\n' $((i % 37)) "$i" "$topic" >>"$work/batch"
    printf 'key-%d\tvalue %d of %s\tbatch=%d,test=harness\n' $((i % 37)) "$i" "$topic" "$b" >>"$work/sent"
  done
  if ! kcat -P -b "$bootstrap" -t "$topic" -K: -H "batch=$b" -H test=harness -X acks=all \
         -l "$work/batch" 2>>"$work/produce.err"; then
    produce_ok=0
  fi
done
check produce "kcat reported a failed delivery: $(tail -n 2 "$work/produce.err")" test "$produce_ok" = 1

# Read back with kcat: "partition offset key value headers timestamp".
if timeout 60 kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q \
     -f '%p\t%o\t%k\t%s\t%h\t%T\n' >"$work/kcat.out" 2>"$work/kcat.err"; then
  pass kcat-consume
else
  fail kcat-consume "$(tail -n 3 "$work/kcat.err")"
fi

# Read back with Kafka's ConsoleConsumer and bring its lines to kcat's layout
# (CreateTime:T Partition:P Offset:O h1:v1,h2:v2 key value -> P O key value h1=v1,h2=v2 T).
if "$kafka" consume "$dir" "$topic" "$records" 30000 >"$work/java.raw" 2>"$work/java.err"; then
  pass java-consume
else
  fail java-consume "$(tail -n 3 "$work/java.err")"
fi
awk -F'\t' -v OFS='\t' '{
  sub(/^CreateTime:/, "", $1); sub(/^Partition:/, "", $2); sub(/^Offset:/, "", $3); gsub(/:/, "=", $4)
  print $2, $3, $5, $6, $4, $1 }' "$work/java.raw" >"$work/java.out"

# The (key, value, headers) multiset a consumer saw; values are unique, so equality with what was
# sent means every record exactly once.
content() { cut -f3-5 "$1" | sort; }
sort "$work/sent" >"$work/sent.sorted"

for who in kcat java; do
  n=$(grep -c '' "$work/$who.out" || true)
  check "$who-count" "read $n records, sent $records" test "$n" = "$records"
  content "$work/$who.out" >"$work/$who.content"
  dups=$(uniq -d "$work/$who.content" | head -n 3)
  check "$who-no-duplicates" "records seen twice: $dups" test -z "$dups"
  if diff "$work/sent.sorted" "$work/$who.content" >"$work/$who.diff"; then
    pass "$who-matches-sent"
  else
    fail "$who-matches-sent" "$(grep -c '^[<>]' "$work/$who.diff") lines differ, e.g. $(grep -m 2 '^[<>]' "$work/$who.diff" | tr '\n' ' ')"
  fi
done

# Both consumers must agree on where each record lives (partition, offset) and on its timestamp.
if diff <(cut -f1-6 "$work/kcat.out" | sort) <(sort "$work/java.out") >"$work/agree.diff"; then
  pass consumers-agree
else
  fail consumers-agree "$(grep -m 2 '^[<>]' "$work/agree.diff" | tr '\n' ' ')"
fi

used=$(cut -f1 "$work/kcat.out" | sort -u | grep -c '' || true)
check keys-spread "all keys landed on $used partition(s)" test "$used" -gt 1
split_keys=$(cut -f1,3 "$work/kcat.out" | sort -u | cut -f2 | uniq -d | head -n 3)
check key-sticks-to-partition "keys on more than one partition: $split_keys" test -z "$split_keys"

# Offsets in each partition of a new topic are 0..n-1 with no gap.
gaps=$(cut -f1,2 "$work/kcat.out" | sort -t$'\t' -k1,1n -k2,2n |
       awk -F'\t' '$1 != p { p = $1; next_o = 0 } $2 != next_o { print "partition " $1 " offset " $2 } { next_o = $2 + 1 }')
check offsets-contiguous "unexpected offsets: $gaps" test -z "$gaps"

t_end=$(($(date +%s) * 1000 + 1000))
bad_ts=$(awk -F'\t' -v a="$t_start" -v b="$t_end" '$6 < a - 60000 || $6 > b { print $6 }' "$work/kcat.out" | head -n 3)
check timestamps "timestamps outside the test's run: $bad_ts" test -z "$bad_ts"

if "$kafka" topic "$dir" delete "$topic" >"$work/delete.log" 2>&1; then
  pass topic-delete
else
  fail topic-delete "$(tail -n 3 "$work/delete.log")"
fi

# ---- secured listeners
if [ -f "$dir/sasl_ssl_bootstrap" ]; then
  sdir=$dir
else
  secure_dir=$(mktemp -d /tmp/kcoro-itest-secure.XXXXXX)
  if "$kafka" start --dir "$secure_dir" --sasl --tls >/dev/null 2>"$work/secure-start.err"; then
    pass secure-broker-start
  else
    fail secure-broker-start "$(tail -n 5 "$work/secure-start.err" | tr '\n' ' ')"
    finish harness_test || exit 1
  fi
  sdir=$secure_dir
fi
stopic="harness-secure-$(date +%s)-$$"
"$kafka" topic "$sdir" create "$stopic" 3 >/dev/null 2>&1 || fail secure-topic-create "could not create $stopic"
sasl_opts=(-X sasl.mechanisms=PLAIN -X sasl.username=kcoro -X sasl.password=kcoro-secret)
: >"$work/secure.sent"
# secure_produce NAME BOOTSTRAP_FILE KCAT_OPTIONS...: 20 records over that listener.
secure_produce() {
  local name=$1 file=$2 i
  shift 2
  : >"$work/$name.in"
  for ((i = 0; i < 20; i++)); do printf '%s-%d:%s value %d\n' "$name" $((i % 3)) "$name" "$i" >>"$work/$name.in"; done
  if timeout 60 kcat -P -b "$(cat "$sdir/$file")" -t "$stopic" -K: -X acks=all "$@" -l "$work/$name.in" \
       2>"$work/$name.err"; then
    tr ':' '\t' <"$work/$name.in" >>"$work/secure.sent"
    pass "$name-produce"
  else
    fail "$name-produce" "$(grep -v '^%3' "$work/$name.err" | tail -n 2 | tr '\n' ' ')"
  fi
}
secure_produce tls tls_bootstrap -X security.protocol=ssl -X "ssl.ca.location=$sdir/tls/ca.pem"
secure_produce sasl-plain sasl_bootstrap -X security.protocol=sasl_plaintext "${sasl_opts[@]}"
secure_produce sasl-ssl sasl_ssl_bootstrap -X security.protocol=sasl_ssl -X "ssl.ca.location=$sdir/tls/ca.pem" "${sasl_opts[@]}"
sort "$work/secure.sent" >"$work/secure.sorted"
nsecure=$(grep -c '' "$work/secure.sent" || true)

# secure_consume NAME BOOTSTRAP_FILE CLIENT_CONFIG: the Java consumer reads everything back there.
secure_consume() {
  local name=$1 file=$2 config=$3
  if "$kafka" run org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$(cat "$sdir/$file")" \
       --consumer.config "$sdir/$config" --topic "$stopic" --from-beginning --max-messages "$nsecure" \
       --timeout-ms 30000 --property print.key=true --property key.separator=$'\t' \
       >"$work/$name.out" 2>"$work/$name.cerr" && sort "$work/$name.out" | cmp -s - "$work/secure.sorted"; then
    pass "$name-consume"
  else
    fail "$name-consume" "read $(grep -c '' "$work/$name.out" || true) of $nsecure records; $(tail -n 2 "$work/$name.cerr" | tr '\n' ' ')"
  fi
}
secure_consume scram-sha-256 sasl_bootstrap client-scram-sha-256.properties
secure_consume scram-sha-512 sasl_bootstrap client-scram-sha-512.properties
secure_consume tls-java tls_bootstrap client-ssl.properties

sed 's/kcoro-secret/not-the-password/' "$sdir/client-scram-sha-256.properties" >"$work/bad-scram.properties"
if timeout 60 "$kafka" run org.apache.kafka.tools.TopicCommand --bootstrap-server "$(cat "$sdir/sasl_bootstrap")" \
     --command-config "$work/bad-scram.properties" --list >/dev/null 2>"$work/bad-scram.err"; then
  fail scram-wrong-password-refused "a SCRAM login with a wrong password was accepted"
else
  check scram-wrong-password-refused "failed, but not for authentication: $(tail -n 1 "$work/bad-scram.err")" \
    grep -q 'Authentication failed' "$work/bad-scram.err"
fi
"$kafka" topic "$sdir" delete "$stopic" >/dev/null 2>&1 || true

finish harness_test
