#!/usr/bin/env bash
# Proves kcoro_mock_cluster with an independent client, kcat (librdkafka): the printed bootstrap
# works, records produced are read back, injected errors reach the client and are retried or
# fail delivery, a broker can be taken down, delays apply, and the control protocol answers
# "ok"/"error" as documented. Prints PASS/FAIL per check; exits non-zero on any FAIL.
#
#   tests/mock/mock_cluster_selftest.sh <path/to/kcoro_mock_cluster> [kcat]
set -uo pipefail

host=${1:?usage: mock_cluster_selftest.sh <kcoro_mock_cluster> [kcat]}
kcat=${2:-kcat}
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() {  # check NAME CONDITION...: runs the condition, prints PASS/FAIL
  local name=$1; shift
  if "$@"; then
    echo "PASS $name"; passed=$((passed + 1))
  else
    echo "FAIL $name"; failed=$((failed + 1))
  fi
}

coproc MOCK { exec "$host" --brokers 3 --topic t1:1:3 --topic t3:3:3; }
mock_pid=$!
mock_out=${MOCK[0]}
mock_in=${MOCK[1]}

bootstrap=
read -r -t 15 bootstrap <&"$mock_out" || true
check "bootstrap line names three loopback brokers: '$bootstrap'" \
  grep -Eq '^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+){2}$' <<<"$bootstrap"
if [ -z "$bootstrap" ]; then
  kill "$mock_pid" 2>/dev/null
  echo "FAIL no bootstrap line; giving up"
  exit 1
fi

answer=
send() {  # send COMMAND...: one command, its one-line answer in $answer
  answer="(no answer)"
  echo "$*" >&"$mock_in" || return 0
  read -r -t 30 answer <&"$mock_out" || answer="(no answer)"
}
is_ok() { [ "$answer" = ok ]; }
is_error() { [[ $answer == "error "* ]]; }
expect_ok() { send "$@"; check "'$*' -> ok ($answer)" is_ok; }
expect_error() { send "$@"; check "'$*' -> error ($answer)" is_error; }

kp() { timeout 60 "$kcat" -b "$bootstrap" -P "$@"; }   # produce lines from stdin
kc() { timeout 60 "$kcat" -b "$bootstrap" -C -e -q -o beginning "$@"; }  # read to the end

# --- the control protocol itself
expect_ok ping
expect_error no-such-command
expect_error set-leader t1 0 99            # no broker 99
expect_error push-errors Produce 2 6 6 6   # count does not match
expect_error push-errors Produce 1 NO_SUCH_ERROR
send bootstrap
check "'bootstrap' -> ok <same address>" [ "$answer" = "ok $bootstrap" ]
send broker-error-count 1 Produce
check "'broker-error-count 1 Produce' -> ok 0 ($answer)" [ "$answer" = "ok 0" ]

# --- 100 records out and back
expect_ok set-leader t1 0 1
seq -f 'r%g' 1 100 >"$work/expect"
kp -t t1 -p 0 <"$work/expect"
check "kcat produced 100 records (exit $?)" [ $? -eq 0 ]
kc -t t1 -p 0 >"$work/got"
check "kcat read the same 100 records back, in order" cmp -s "$work/expect" "$work/got"

# --- cluster-wide injected errors: the client sees each, retries, and delivers
expect_ok push-errors Produce 2 NOT_LEADER_OR_FOLLOWER
seq -f 's%g' 1 10 >"$work/more"
kp -t t1 -p 0 -d msg <"$work/more" 2>"$work/log1"
check "kcat delivered after NOT_LEADER_OR_FOLLOWER twice (exit $?)" [ $? -eq 0 ]
n=$(grep -c 'encountered error: Broker: Not leader for partition' "$work/log1")
check "kcat saw exactly the 2 injected NOT_LEADER_OR_FOLLOWER (saw $n)" [ "$n" -eq 2 ]
cat "$work/expect" "$work/more" >"$work/expect2"
kc -t t1 -p 0 >"$work/got"
check "110 records read back after the retried produce" cmp -s "$work/expect2" "$work/got"

# --- a non-retriable error fails delivery
expect_ok push-errors Produce 1 TOPIC_AUTHORIZATION_FAILED
echo doomed | kp -t t1 -p 0 2>"$work/log3"
rc=$?
check "kcat failed delivery on TOPIC_AUTHORIZATION_FAILED (exit $rc)" [ $rc -ne 0 ]
check "kcat reported the authorization failure" grep -q 'Topic authorization failed' "$work/log3"
kc -t t1 -p 0 >"$work/got"
check "the failed record was not written (still 110 records)" cmp -s "$work/expect2" "$work/got"

# --- per-broker errors with a delay, counted down as Produce requests consume them
expect_ok broker-push-errors 1 Produce REQUEST_TIMED_OUT:300 NOT_ENOUGH_REPLICAS
send broker-error-count 1 Produce
check "'broker-error-count 1 Produce' -> ok 2 ($answer)" [ "$answer" = "ok 2" ]
seq -f 'u%g' 1 10 >"$work/more2"
t0=$(date +%s%N)
kp -t t1 -p 0 -d msg <"$work/more2" 2>"$work/log2"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "kcat delivered after per-broker errors (exit $rc)" [ $rc -eq 0 ]
check "the first error came after its 300 ms delay (took $ms ms)" [ "$ms" -ge 300 ]
check "kcat saw REQUEST_TIMED_OUT" grep -q 'encountered error: Broker: Request timed out' "$work/log2"
check "kcat saw NOT_ENOUGH_REPLICAS" grep -q 'encountered error: Broker: Not enough in-sync replicas' "$work/log2"
send broker-error-count 1 Produce
check "both per-broker errors consumed: ok 0 ($answer)" [ "$answer" = "ok 0" ]

cat "$work/expect2" "$work/more2" >"$work/expect3"
kc -t t1 -p 0 >"$work/got"
check "120 records read back after the per-broker errors" cmp -s "$work/expect3" "$work/got"

# librdkafka 2.0.2's mock consults a broker's own error stack for an ApiKey, once it has one (even
# empty), instead of the cluster-wide stack: cluster-wide errors no longer reach that broker.
expect_ok push-errors Produce 1 TOPIC_AUTHORIZATION_FAILED
echo shadowed | kp -t t1 -p 0 2>"$work/log4"
check "cluster-wide error shadowed on broker 1 after per-broker errors (exit $?)" [ $? -eq 0 ]
echo shadowed >>"$work/expect3"
expect_ok clear-errors Produce
# --- a leader moved off a broker that is then taken down
expect_ok set-leader t1 0 2
expect_ok broker-down 1
echo after-down | kp -t t1 -p 0
check "kcat delivered to the new leader with broker 1 down (exit $?)" [ $? -eq 0 ]
expect_ok broker-up 1
expect_error broker-down 42
kc -t t1 -p 0 | tail -n 1 >"$work/last"
check "the record written while broker 1 was down reads back" [ "$(cat "$work/last")" = after-down ]

# --- all partitions of a three-partition topic, and a topic created by command
expect_ok create-topic t9 2 3
seq -f 'k%g' 1 30 | kp -t t3  # keyless: spread over the partitions
check "kcat produced to t3 (exit $?)" [ $? -eq 0 ]
kc -t t3 | sort >"$work/got3"
seq -f 'k%g' 1 30 | sort >"$work/expect3p"
check "t3 read back across its 3 partitions" cmp -s "$work/expect3p" "$work/got3"
parts=$(timeout 30 "$kcat" -b "$bootstrap" -L -t t9 | grep -c 'partition [0-9]')
check "created topic t9 has 2 partitions (saw $parts)" [ "$parts" -eq 2 ]

# --- response delay on every broker
expect_ok set-rtt -1 400
t0=$(date +%s%N)
timeout 30 "$kcat" -b "$bootstrap" -L -t t1 >/dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "metadata took at least the 400 ms rtt (took $ms ms)" [ "$ms" -ge 400 ]
expect_ok set-rtt -1 0

# --- ApiVersions as advertised, and narrowed by set-apiversion
apis() { timeout 30 "$kcat" -b "$bootstrap" -L -t t1 -d feature 2>&1 >/dev/null |
         grep -o 'ApiKey [A-Za-z]* ([0-9]*) Versions [0-9]*\.\.[0-9]*' | sort -u; }
apis >"$work/apis"
sed 's/^/     /' "$work/apis"
check "mock advertises Produce" grep -q 'ApiKey Produce (0) Versions 0\.\.' "$work/apis"
expect_ok set-apiversion Produce 3 5
apis >"$work/apis2"
check "set-apiversion narrowed Produce to 3..5" grep -q 'ApiKey Produce (0) Versions 3\.\.5' "$work/apis2"

# --- quit ends the process cleanly
expect_ok quit
wait "$mock_pid"
rc=$?
check "host exited with status 0 after quit (status $rc)" [ $rc -eq 0 ]

# --- EOF on stdin ends it cleanly too
coproc MOCK2 { exec "$host" --brokers 1; }
pid2=$!
line=
read -r -t 15 line <&"${MOCK2[0]}" || true
check "single-broker host printed a bootstrap ($line)" grep -Eq '^127\.0\.0\.1:[0-9]+$' <<<"$line"
eval "exec ${MOCK2[1]}>&-"
wait "$pid2"
rc=$?
check "host exited with status 0 on EOF (status $rc)" [ $rc -eq 0 ]

# --- bad arguments are refused
"$host" --topic nocolons </dev/null >/dev/null 2>&1
rc=$?
check "bad --topic refused (status $rc)" [ $rc -eq 2 ]

echo "SUMMARY: mock cluster host: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
