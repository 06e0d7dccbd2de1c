#!/usr/bin/env python3
"""tools/bench_report.py on a saved results file (tests/data/bench/results.txt): the tables, the
ratios and each target's verdict are what the file's figures make them, and docs/benchmarks.md is
written. The figures are chosen so that every ratio is a round number. Two librdkafka versions ran
(Debian's 2.0.2 at half the throughput and twice the CPU of 2.16.0): the targets are judged against
the newest, and every ratio table has a column for each.

  bench_report_test.py [path to tools/bench_report.py]
"""
import os
import pathlib
import subprocess
import sys
import tempfile

root = pathlib.Path(__file__).resolve().parents[2]
report = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "tools" / "bench_report.py"
results = root / "tests" / "data" / "bench" / "results.txt"
failures = []


def expect(text, what, where):
    if what not in text:
        failures.append(f"{where} lacks {what!r}")


with tempfile.TemporaryDirectory() as tmp:
    saved = pathlib.Path(tmp) / "results.txt"
    saved.write_text(results.read_text())
    docs = pathlib.Path(tmp) / "docs"
    env = dict(os.environ, BENCH_COMMAND="scripts/bench", BENCH_RECORDS="100000", BENCH_MACHINE="2 cores, test",
               BENCH_KAFKA="4.1.0", BENCH_RDKAFKA="2.0.2", BENCH_CXX="12.2.0", BENCH_JAVA="openjdk 17",
               BENCH_DATE="2026-12-02")
    run = subprocess.run([sys.executable, str(report), str(saved), str(docs)], env=env, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"bench_report.py failed ({run.returncode}):\n{run.stderr}")
    out = run.stdout
    md_path = docs / "benchmarks.md"
    if not md_path.exists():
        sys.exit("bench_report.py wrote no benchmarks.md")
    md = md_path.read_text()
    # The detail rows carry each client's figures as given.
    expect(out, "1,000,000", "the sink table")
    expect(out, "400,000", "the sink table")
    # Ratios kcoro / other: 1,000,000 / 400,000 records/s; CPU 0.15 / 1.0; real broker 2x and 4x.
    expect(out, "2.50", "the sink ratios")
    expect(out, "0.15", "the sink ratios")
    expect(out, "4.00", "the real broker's ratios against Java")
    # A column per librdkafka version, the newest first, and Java's.
    expect(out, "rec/s k/rdk 2.16.0  rec/s k/rdk 2.0.2  rec/s k/Java", "the ratio tables' heads")
    expect(out, "5.00", "the sink ratios against 2.0.2")  # 1,000,000 / 200,000
    # A workload with failures says how many records were delivered.
    expect(out, "(delivered 49,990)", "the fixed-rate row")
    # The targets and their verdicts.
    for line, verdict in [("CPU per record <= 1/5 of librdkafka 2.16.0", "0.15"),        # 0.15 <= 0.2: met
                          ("instructions per record <= 1/5 of librdkafka 2.16.0", "0.15"),  # 1,309 / 9,000
                          ("record path <= 3x the memcpy+CRC floor", "2.50x"),             # 30 / 12
                          ("records/s >= 1.5x librdkafka 2.16.0", "2.00"),
                          ("records/s >= 2x Java", "4.00"),
                          ("fixed rate, p99 <= 1/2 of librdkafka 2.16.0", "0.40")]:
        row = next((l for l in out.splitlines() if line in l), None)
        if row is None:
            failures.append(f"no target row for {line!r}")
        elif verdict not in row or "not met" in row or "met" not in row:
            failures.append(f"target row {row.strip()!r}: expected {verdict}, met")
    rss_row = next((l for l in out.splitlines() if "peak RSS" in l and "buffer_memory" in l), "")
    if "45 MB max" not in rss_row or "not met" in rss_row:  # the largest of kcoro's runs
        failures.append(f"RSS target row {rss_row.strip()!r}: expected 45 MB max, met")
    # The same figures in the page, with what the run was.
    for what in ["Apache Kafka 4.1.0", "librdkafka 2.16.0 (the confluent-kafka wheel on PyPI, the anchor of the targets)",
                 "librdkafka 2.0.2 (Debian)", "| librdkafka 2.0.2 |", "| 1,000,000 |", "2.50x",
                 "Starting the JVM and sending a single record costs 1.5 CPU s"]:
        expect(md, what, "benchmarks.md")

if failures:
    sys.exit("\n".join(failures))
print("SUMMARY: bench_report.py on a saved results file: tables, ratios, targets and benchmarks.md as its figures make them")
