# shellcheck shell=bash
# Helpers for the shell integration tests under tests/integration/: PASS/FAIL reporting and a
# broker that is either shared (KAFKA_DIR from the test runner) or started for this test alone.
# Source it after setting `root` to the repository root.

: "${root:?set root to the repository root before sourcing itest.sh}"
kafka="$root/scripts/kafka"
itest_passed=0
itest_failed=0
itest_own_dir=""

pass() { echo "PASS $1"; itest_passed=$((itest_passed + 1)); }
fail() { echo "FAIL $1: $2"; itest_failed=$((itest_failed + 1)); }

# check NAME REASON COMMAND...: PASS if COMMAND succeeds, else FAIL with REASON.
check() {
  local name=$1 reason=$2
  shift 2
  if "$@"; then pass "$name"; else fail "$name" "$reason"; fi
}

itest_cleanup() {
  if [ -n "$itest_own_dir" ]; then
    "$kafka" stop "$itest_own_dir" >/dev/null 2>&1 || true
    itest_own_dir=""
  fi
}

# use_broker MIN_NODES: sets `dir` to KAFKA_DIR when that cluster has at least MIN_NODES nodes,
# else starts a cluster of MIN_NODES nodes that is stopped when the script exits.
use_broker() {
  local want=$1
  if [ -n "${KAFKA_DIR:-}" ] && [ -f "$KAFKA_DIR/nodes" ] && (($(cat "$KAFKA_DIR/nodes") >= want)); then
    dir=$KAFKA_DIR
    echo "using the cluster in $dir ($(cat "$dir/nodes") node(s))"
    return 0
  fi
  [ -z "${KAFKA_DIR:-}" ] || echo "KAFKA_DIR has fewer than $want node(s): starting a cluster of $want"
  trap itest_cleanup EXIT
  itest_own_dir=$(mktemp -d /tmp/kcoro-itest.XXXXXX)
  if ! "$kafka" start --nodes "$want" --dir "$itest_own_dir" >/dev/null; then
    fail broker-start "scripts/kafka start --nodes $want failed (its output is above)"
    exit 1
  fi
  dir=$itest_own_dir
}

# finish: one summary line, exit status 1 on any failure.
finish() {
  echo "SUMMARY: $1: $itest_passed passed, $itest_failed failed"
  ((itest_failed == 0))
}
