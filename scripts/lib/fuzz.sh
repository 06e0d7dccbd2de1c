# shellcheck shell=bash
# Builds kcoro's libFuzzer targets and runs them, two at a time (the machine's two cores): shared
# by scripts/test (a bounded time per target) and scripts/fuzz (campaigns with a kept corpus).
# Source it after setting `root` to the repository root.

: "${root:?set root to the repository root before sourcing fuzz.sh}"

# fuzz_build DIR: the fuzz targets (clang, ASan+UBSan) and nothing else, in DIR. Line tables only:
# a crash's stack still names file and line.
fuzz_build() {
  cmake -S "$root" -B "$1" -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only \
        -DKCORO_BUILD_TESTS=ON -DKCORO_BUILD_FUZZERS=ON -DKCORO_BUILD_TOOLS=OFF -DKCORO_BUILD_EXAMPLES=OFF \
        -DKCORO_TEST_SINGLE_HEADER=OFF &&
  cmake --build "$1" -j "${KCORO_JOBS:-$(nproc)}" --target kcoro_fuzzers
}

# fuzz_run BUILD_DIR SECONDS CORPUS_DIR LOG_DIR [TARGET...]: runs every fuzz target of BUILD_DIR
# (or just those named) for SECONDS each, growing CORPUS_DIR/<target>; the checked-in seeds
# (tests/fuzz/seeds/<target>) are read, not written, and tests/fuzz/dict/<target>.dict is used
# where it exists. A crash's input is kept in LOG_DIR/<target>/. Prints one SUMMARY line per
# target; fails when a target found something or none was built.
fuzz_run() {
  local build=$1 seconds=$2 corpus=$3 logs=$4
  shift 4
  local wanted=("$@") f name n=0 bad=0 rc pids=() names=()
  mkdir -p "$corpus" "$logs"
  for f in "$build"/tests/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    if [ "${#wanted[@]}" -gt 0 ] && ! printf '%s\n' "${wanted[@]}" | grep -qx "$name"; then continue; fi
    n=$((n + 1))
    fuzz_one "$f" "$name" "$seconds" "$corpus" "$logs" &
    pids+=("$!"); names+=("$name")
    if [ "${#pids[@]}" -ge 2 ]; then
      rc=0; wait "${pids[0]}" || rc=$?
      fuzz_report "${names[0]}" "$rc" "$logs" || bad=1
      pids=("${pids[@]:1}"); names=("${names[@]:1}")
    fi
  done
  while [ "${#pids[@]}" -gt 0 ]; do
    rc=0; wait "${pids[0]}" || rc=$?
    fuzz_report "${names[0]}" "$rc" "$logs" || bad=1
    pids=("${pids[@]:1}"); names=("${names[@]:1}")
  done
  [ "$n" -gt 0 ] || { echo "no fuzz targets were built in $build"; return 1; }
  return "$bad"
}

fuzz_one() {  # binary name seconds corpus logs
  local bin=$1 name=$2 seconds=$3 corpus=$4 logs=$5 flags=() seeds=()
  mkdir -p "$corpus/$name" "$logs/$name"
  [ -f "$root/tests/fuzz/dict/$name.dict" ] && flags+=(-dict="$root/tests/fuzz/dict/$name.dict")
  [ -d "$root/tests/fuzz/seeds/$name" ] && seeds+=("$root/tests/fuzz/seeds/$name")
  # libFuzzer writes what it finds into the first directory only: the kept corpus, not the seeds.
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$logs/$name/" "${flags[@]}" \
         "$corpus/$name" "${seeds[@]}" >"$logs/$name.log" 2>&1
}

fuzz_report() {  # name rc logs
  if [ "$2" != 0 ]; then
    tail -n 40 "$3/$1.log"; echo "FUZZER FINDING in $1 (input kept in $3/$1/)"; return 1
  fi
  echo "SUMMARY: $1: $(grep -m1 'stat::number_of_executed_units' "$3/$1.log" | awk '{print $2}') executions, no finding"
}
