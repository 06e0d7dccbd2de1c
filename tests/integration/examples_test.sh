#!/usr/bin/env bash
# The examples and the README's quickstart snippet, run against the broker as a user runs them:
# each example succeeds, the game loop has its metadata before the first frame (no event
# deferred), and the snippet, compiled as the README prints it, exits 0 when its record is
# delivered and non-zero when its send fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${KCORO_BUILD_DIR:-$root/build/gcc}
boot=${KCORO_BOOTSTRAP:?the broker address}
kafka_dir=${KAFKA_DIR:?the broker directory}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
passes=0
pass() { echo "PASS $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

for e in quickstart sending_styles game_loop; do
  [ -x "$build/examples/$e" ] || { echo "FAIL examples: $build/examples/$e is not built"; exit 1; }
  "$root/scripts/kafka" topic "$kafka_dir" create "examples-$e-$$" 3
done

if out=$("$build/examples/quickstart" "$boot" "examples-quickstart-$$" 5 2>&1); then
  pass "quickstart: 5 records"
else
  fail "quickstart:"; echo "$out" | tail -n 5
fi
if out=$("$build/examples/sending_styles" "$boot" "examples-sending_styles-$$" 2>&1); then
  pass "sending_styles"
else
  fail "sending_styles:"; echo "$out" | tail -n 5
fi
# Metadata is fetched before the first frame, so that try_send refuses none of the frames.
if out=$("$build/examples/game_loop" "$boot" "examples-game_loop-$$" 100 2>&1) && grep -q "deferred 0$" <<<"$out"; then
  pass "game_loop: $out"
else
  fail "game_loop:"; echo "$out" | tail -n 5
fi

# The examples the documentation pages quote: each exits 0 only when what it shows held (offsets in
# send order, nothing refused, the oversized record refused alone, every callback delivered).
for e in delivery_guarantees trading_loop error_handling metrics_and_logging build_features; do
  [ -x "$build/examples/$e" ] || { echo "FAIL examples: $build/examples/$e is not built"; exit 1; }
done
for mode in all leader none; do
  "$root/scripts/kafka" topic "$kafka_dir" create "examples-delivery-$mode-$$" 1
  if out=$("$build/examples/delivery_guarantees" "$boot" "examples-delivery-$mode-$$" "$mode" 1000 2>&1); then
    pass "delivery_guarantees $mode: $out"
  else
    fail "delivery_guarantees $mode:"; echo "$out" | tail -n 5
  fi
done
"$root/scripts/kafka" topic "$kafka_dir" create "examples-trading_loop-$$" 4
if out=$("$build/examples/trading_loop" "$boot" "examples-trading_loop-$$" 2000 2>&1); then
  pass "trading_loop: $(tail -n 1 <<<"$out")"
else
  fail "trading_loop:"; echo "$out" | tail -n 5
fi
"$root/scripts/kafka" topic "$kafka_dir" create "examples-error_handling-$$" 1
if out=$("$build/examples/error_handling" "$boot" "examples-error_handling-$$" 2>&1) && grep -q "as expected with a broker" <<<"$out" &&
   grep -q "^late: send after close" <<<"$out"; then
  pass "error_handling: the oversized record and the late send refused, each with its error"
else
  fail "error_handling:"; echo "$out" | tail -n 8
fi
"$root/scripts/kafka" topic "$kafka_dir" create "examples-metrics-$$" 3
if out=$("$build/examples/metrics_and_logging" "$boot" "examples-metrics-$$" 2>&1) && grep -q "records/s delivered" <<<"$out" &&
   grep -q "^kcoro info: connected to broker" <<<"$out"; then
  pass "metrics_and_logging: $(grep -c "records/s delivered" <<<"$out") reports, the connection logged"
else
  fail "metrics_and_logging:"; echo "$out" | tail -n 8
fi
if out=$("$build/examples/build_features" "$boot" 2>&1); then
  pass "build_features: $(tr '\n' ' ' <<<"$out" | tr -s ' ')"
else
  fail "build_features:"; echo "$out" | tail -n 5
fi
if [ -x "$build/examples/asio_tokens" ]; then
  "$root/scripts/kafka" topic "$kafka_dir" create "examples-asio_tokens-$$" 3
  if out=$("$build/examples/asio_tokens" "$boot" "examples-asio_tokens-$$" 1000 2>&1) && grep -q "^1000 delivered, 0 failed" <<<"$out"; then
    pass "asio_tokens: $out"
  else
    fail "asio_tokens:"; echo "$out" | tail -n 5
  fi
fi

# Transactions: orders and audit entries written atomically, each transaction with the offset of
# the requests it was made from (the requests topic must exist: the group coordinator takes offsets
# only for partitions that do).
[ -x "$build/examples/transactions" ] || { echo "FAIL examples: $build/examples/transactions is not built"; exit 1; }
for t in requests orders audit; do "$root/scripts/kafka" topic "$kafka_dir" create "examples-transactions-$t-$$" 1; done
if out=$("$build/examples/transactions" "$boot" "examples-transactions-requests-$$" "examples-transactions-orders-$$" \
           "examples-transactions-audit-$$" 3 2>&1) && grep -q "transaction 2 aborted" <<<"$out"; then
  pass "transactions: $(grep -c committed <<<"$out") committed, $(grep -c aborted <<<"$out") aborted"
else
  fail "transactions:"; echo "$out" | tail -n 5
fi

# The README's quickstart, as printed: its produce() runs against a producer of the harness, once
# delivering to its topic, once failing to send (nothing listens on port 1).
"$root/scripts/kafka" topic "$kafka_dir" describe orders >/dev/null 2>&1 || "$root/scripts/kafka" topic "$kafka_dir" create orders 3
awk '/^## Quickstart/ { q = 1 } q && /^```cpp/ { c = 1; next } c && /^```/ { exit } c' "$root/README.md" >"$work/snippet.cpp"
grep -q 'produce(kcoro::producer<>& producer)' "$work/snippet.cpp" ||
  { echo "FAIL readme: no quickstart snippet with produce(kcoro::producer<>&) in README.md"; exit 1; }
cat >"$work/harness.cpp" <<'EOF'
#define main readme_main
#include "snippet.cpp"
#undef main

#include <chrono>
#include <cstdio>

#include <cstdlib>

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    kcoro::event_loop loop;
    auto producer = kcoro::make_producer(loop, {.bootstrap_servers = argv[1], .max_block = std::chrono::milliseconds(std::atoi(argv[2]))});
    if (!producer) return 2;
    return kcoro::run_until_complete(loop, produce(**producer));
}
EOF
if g++-12 -std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror -I"$root/include" -I"$work" "$work/harness.cpp" \
     -o "$work/readme_quickstart" 2>"$work/build.log"; then
  if out=$("$work/readme_quickstart" "$boot" 30000 2>&1); then
    pass "README quickstart: delivered, exit 0"
  else
    fail "README quickstart against the broker:"; echo "$out" | tail -n 5
  fi
  if out=$("$work/readme_quickstart" 127.0.0.1:1 500 2>&1); then
    fail "README quickstart exits 0 although its send failed: $out"
  else
    pass "README quickstart: the send failed, exit non-zero"
  fi
else
  fail "README quickstart does not compile:"; tail -n 20 "$work/build.log"
fi

echo "examples_test: $passes passed, $fails failed"
echo "SUMMARY: examples and the README quickstart: $passes passed, $fails failed"
exit $((fails > 0))
