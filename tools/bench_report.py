#!/usr/bin/env python3
"""The report of scripts/bench: reads the RESULT, CALLGRIND, BATCH and JVMBASE lines a run wrote to
its results file, prints the tables and the targets, writes docs/benchmarks.md and, with gnuplot,
docs/benchmarks.png.

  bench_report.py RESULTS DOCS_DIR

What the run was (command, machine, versions, date, records per run) comes from the environment,
BENCH_COMMAND, BENCH_RECORDS, BENCH_MACHINE, BENCH_KAFKA, BENCH_RDKAFKA, BENCH_CXX, BENCH_JAVA and
BENCH_DATE, which scripts/bench sets. Kept apart from the script so that it can be run again on a
saved results file, and tested on one (tests/tools/bench_report_test.py).
"""
import os
import subprocess
import sys

results_path, docs = sys.argv[1], sys.argv[2]
env = os.environ
runs, callgrind, batch, jvm_cpu = [], {}, {}, None


def client_of(f):
    """A run's client; librdkafka's with the version it ran on (lines without one are older runs, on
    the version BENCH_RDKAFKA names)."""
    if f["client"] == "librdkafka":
        return "librdkafka " + f.get("version", env.get("BENCH_RDKAFKA", "unknown"))
    return f["client"]


for line in open(results_path):
    if not line.strip():
        continue
    kind, *fields = line.split()
    f = dict(x.split("=", 1) for x in fields)
    if kind == "RESULT":
        f["client"] = client_of(f)
        runs.append(f)
    elif kind == "CALLGRIND":
        callgrind[client_of(f)] = int(f["ir"]) / int(f["records"])
    elif kind == "BATCH":
        batch = f
    elif kind == "JVMBASE":
        jvm_cpu = float(f["cpu_s"])



def version_key(client):
    return tuple(int(x) if x.isdigit() else 0 for x in client.split(" ", 1)[1].split("."))


# Every librdkafka that ran, the newest first: the newest is the anchor the targets are set against.
rdkafkas = sorted({r["client"] for r in runs if r["client"].startswith("librdkafka ")} |
                  {c for c in callgrind if c.startswith("librdkafka ")}, key=version_key, reverse=True)
anchor = rdkafkas[0] if rdkafkas else None
clients = ["kcoro"] + rdkafkas + ["java"]
names = {c: c for c in clients}
names["java"] = "Java"

def label(r):
    vb = "1 KiB" if r["value_bytes"] == "1024" else r["value_bytes"] + " B"
    s = f"{vb} {'keyed' if r['keyed'] == '1' else 'unkeyed'}, acks={r['acks']}, linger {r['linger_ms']}, {r['codec']}"
    return s + (f", {int(float(r['rate'])):,} rec/s" if float(r["rate"]) > 0 else "")

by = {}  # (setting, workload index) -> {client: run}
labels, keyed, paced = {}, {}, {}
for r in runs:
    w = int(r["workload"])
    by.setdefault((r["setting"], w), {})[r["client"]] = r
    # Java sends no key: the workload is named after the native clients' runs.
    if r["client"] != "java" or w not in labels:
        labels[w], keyed[w], paced[w] = label(r), r["keyed"] == "1", float(r["rate"]) > 0

def num(r, k):
    return float(r[k]) if r else None

def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"

def fmt_rps(v): return f"{v:,.0f}" if v is not None else "-"
def fmt_ms(us): return f"{us / 1000:.2f}" if us is not None else "-"
def fmt(v, d=2): return f"{v:.{d}f}" if v is not None else "-"

settings = [("sink", "Client cost: bench/sink_broker (acknowledges at once)"),
            ("real", f"Real broker: Apache Kafka {env['BENCH_KAFKA']}, one node, loopback, 6 partitions")]

def detail_rows(setting):
    rows = []
    for (s, w), per in sorted(by.items()):
        if s != setting:
            continue
        for c in clients:
            r = per.get(c)
            if not r:
                continue
            ok = "" if r["delivered"] == r["records"] else f" (delivered {int(r['delivered']):,})"
            rows.append([labels[w], names[c] + (" (unkeyed)" if c == "java" and keyed[w] else ""),
                         fmt_rps(num(r, "rps")) + ok, fmt(num(r, "mbps"), 1), fmt(num(r, "cpu_s_per_m"), 2),
                         fmt_ms(num(r, "p50_us")), fmt_ms(num(r, "p99_us")), fmt_ms(num(r, "p999_us")), fmt(num(r, "peak_rss_mb"), 1)])
    return rows

others = clients[1:]


def short(c):
    return "Java" if c == "java" else "rdk " + c.split(" ", 1)[1]


def ratio_rows(setting):
    rows = []
    for (s, w), per in sorted(by.items()):
        if s != setting:
            continue
        k = per.get("kcoro")
        row = [labels[w]]
        for metric in ("rps", "cpu_s_per_m", "p99_us"):
            row += [ratio(num(k, metric), num(per.get(o), metric)) for o in others]
        rows.append(row)
    return rows

detail_head = ["workload", "client", "records/s", "MB/s", "CPU s/M rec", "p50 ms", "p99 ms", "p99.9 ms", "peak RSS MB"]
ratio_head = ["workload"] + [f"{m} k/{short(o)}" for m in ("rec/s", "CPU", "p99") for o in others]

def text_table(head, rows):
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda r: "  " + "  ".join(str(x).ljust(w[0]) if i == 0 else str(x).rjust(w[i]) for i, x in enumerate(r))
    return "\n".join([line(head), "  " + "  ".join("-" * x for x in w)] + [line(r) for r in rows])

def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    return "\n".join(out + ["| " + " | ".join(str(x) for x in r) + " |" for r in rows])

# The targets, each with the figure that decides it.
def workloads_of(setting, fixed_rate):
    return [(w, per) for (s, w), per in sorted(by.items()) if s == setting and paced[w] == fixed_rate]

# The targets are set for one workload (100 B keyed, acks=all, linger 5 ms, no compression)
# and for the fixed-rate run; the other workloads are reported, not judged.
def headline(w):
    r = next(iter(by[next(k for k in by if k[1] == w)].values()))
    return (r["value_bytes"], r["keyed"], r["acks"], r["linger_ms"], r["codec"]) == ("100", "1", "all", "5", "none")

targets = []
for w, per in workloads_of("sink", False):
    k, d = per.get("kcoro"), per.get(anchor)
    if k and d and headline(w):
        v = num(k, "cpu_s_per_m") / num(d, "cpu_s_per_m")
        targets.append((f"client cost, CPU per record <= 1/5 of {anchor} ({labels[w]})", f"{v:.2f}", v <= 0.2))
if "kcoro" in callgrind and anchor in callgrind:
    v = callgrind["kcoro"] / callgrind[anchor]
    targets.append((f"client cost, instructions per record <= 1/5 of {anchor} (callgrind, same workload)", f"{v:.2f}", v <= 0.2))
if batch:
    v = float(batch["kcoro_ns"]) / float(batch["floor_ns"])
    targets.append(("record path <= 3x the memcpy+CRC floor (bench/batch_bench)", f"{v:.2f}x", v <= 3))
for w, per in workloads_of("real", False):
    k, d, j = per.get("kcoro"), per.get(anchor), per.get("java")
    if not headline(w):
        continue
    if k and d:
        v = num(k, "rps") / num(d, "rps")
        targets.append((f"real broker, records/s >= 1.5x {anchor} ({labels[w]})", f"{v:.2f}", v >= 1.5))
    if k and j:
        v = num(k, "rps") / num(j, "rps")
        targets.append((f"real broker, records/s >= 2x Java ({labels[w]}; Java unkeyed)", f"{v:.2f}", v >= 2))
for s in ("real", "sink"):
    for w, per in workloads_of(s, True):
        k, d = per.get("kcoro"), per.get(anchor)
        if k and d:
            v = num(k, "p99_us") / num(d, "p99_us")
            targets.append((f"{'real broker' if s == 'real' else 'client cost'}, fixed rate, p99 <= 1/2 of {anchor} ({labels[w]})",
                            f"{v:.2f}", v <= 0.5))
bound = 32 + int(env["BENCH_RECORDS"]) * 8 / 2**20  # buffer_memory plus the benchmark's latency array
rss = [num(per["kcoro"], "peak_rss_mb") for (s, w), per in by.items() if "kcoro" in per]
if rss:
    targets.append((f"kcoro peak RSS <= buffer_memory (32 MiB) + latency array ({int(env['BENCH_RECORDS']) * 8 / 2**20:.0f} MiB) + 16 MB",
                    f"{max(rss):.0f} MB max", max(rss) <= bound + 16))
target_rows = [[t, v, "met" if ok else "not met"] for t, v, ok in targets]

extra = []
if callgrind:
    extra.append(("Instructions per record",
                  "Under callgrind, against the sink broker, 100 B keyed, acks=all, linger 5 ms: the instructions of a "
                  "120,000-record run minus those of a 20,000-record run, over 100,000, every thread counted, so that "
                  "start-up and shutdown cancel out",
                  ["client", "instructions/record"], [[names[c], f"{v:,.0f}"] for c, v in callgrind.items()]))
if batch:
    a, f = float(batch["kcoro_ns"]), float(batch["floor_ns"])
    extra.append(("The record path without I/O",
                  "bench/batch_bench: appending 16-byte keys and 100-byte values to 16 KiB batches and finishing them "
                  "(CRC included), next to copying the same bytes and CRC-ing them",
                  ["what", "ns/record"], [["kcoro append + finish (CRC)", f"{a:.1f}"], ["floor: memcpy + CRC-32C", f"{f:.1f}"],
                                          ["ratio to the floor", f"{a / f:.2f}x"]]))

# Terminal
for s, title in settings:
    if any(k[0] == s for k in by):
        print(f"\n{title}\n" + text_table(detail_head, detail_rows(s)))
        print("\n  ratios kcoro/other (records/s: higher is better; CPU and p99: lower is better)\n" + text_table(ratio_head, ratio_rows(s)))
for title, what, head, rows in extra:
    print(f"\n{title}\n" + text_table(head, rows))
if target_rows:
    print("\nTargets\n" + text_table(["target", "measured", ""], target_rows))

# Plot: the real broker's runs, throughput (runs without a rate) and p99 latency (all of them).
def plot_label(w):
    r = next(iter(by[("real", w)].values()))
    vb = "1 KiB" if r["value_bytes"] == "1024" else r["value_bytes"] + " B"
    text = f"{vb} {'keyed' if keyed[w] else 'unkeyed'}\\nacks={r['acks']}, linger {r['linger_ms']}\\n{r['codec']}"
    return text + (f", {int(float(r['rate'])) // 1000}k rec/s" if paced[w] else "")

real = [w for (s, w) in sorted(by) if s == "real"]
plotted = [c for c in clients if any(c in by[("real", w)] for w in real)]
palette = ["#d95f02", "#e6ab02", "#a6761d"]
colors = {"kcoro": "#1b9e77", "java": "#7570b3"} | {c: palette[i % len(palette)] for i, c in enumerate(rdkafkas)}
png = os.path.join(docs, "benchmarks.png")
if real:
    os.makedirs(docs, exist_ok=True)
    base = os.path.dirname(results_path)
    def write(name, ws, metric, scale):
        path = os.path.join(base, name)
        with open(path, "w") as f:
            for w in ws:
                per = by[("real", w)]
                vals = [f"{num(per[c], metric) / scale:.3f}" if c in per else "?" for c in plotted]
                f.write(f"\"{plot_label(w)}\" {' '.join(vals)}\n")
        return path
    rps_dat = write("plot-rps.dat", [w for w in real if not paced[w]], "rps", 1000)
    p99_dat = write("plot-p99.dat", real, "p99_us", 1000)
    def plot(dat):
        return ", ".join(f"'{dat if i == 0 else ''}' using {i + 2}{':xtic(1)' if i == 0 else ''} "
                         f"title '{names[c]}{' (unkeyed)' if c == 'java' else ''}' lc rgb '{colors[c]}'"
                         for i, c in enumerate(plotted))
    gp = f"""
set terminal pngcairo size 1400,600 font ',10'
set output '{png}'
set datafile missing '?'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set grid ytics
set bmargin 5
set xtics scale 0 font ',8'
set multiplot layout 1,2 title 'kcoro, librdkafka and the Java producer against one Kafka {env['BENCH_KAFKA']} broker ({int(env['BENCH_RECORDS']):,} records per throughput run)'
set title 'throughput (thousand records/s, higher is better)'
set yrange [0:*]
plot {plot(rps_dat)}
set title 'p99 send-to-ack latency (ms, log scale, lower is better)'
set logscale y
set yrange [*:*]
plot {plot(p99_dat)}
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True)
        print(f"\nwrote {png}")
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"\nno plot ({e}); install gnuplot-nox")
        png = None

# docs/benchmarks.md
debian_rdkafka = "librdkafka " + env.get("BENCH_RDKAFKA", "unknown")
rdkafka_versions = ", ".join(
    f"{c} ({'Debian' if c == debian_rdkafka else 'the confluent-kafka wheel on PyPI'}"
    f"{', the anchor of the targets' if c == anchor else ''})" for c in rdkafkas) or "no librdkafka"
jvm_note = (f" Starting the JVM and sending a single record costs {jvm_cpu:.1f} CPU s, which is in every Java CPU"
            " figure." if jvm_cpu is not None else "")
md = [f"""# Benchmarks

kcoro next to librdkafka and Kafka's Java producer, measured in one run of `{env['BENCH_COMMAND']}`
on {env['BENCH_DATE']}. Read the ratios rather than the absolute figures: the machine is small and shared, and
wall time on it varies from run to run.

- Machine: {env['BENCH_MACHINE']}
- Versions: Apache Kafka {env['BENCH_KAFKA']} (broker and Java client, from Maven Central), {rdkafka_versions}, g++
  {env['BENCH_CXX']} (`-O2`, Release), {env['BENCH_JAVA']}
- Records per throughput run: {int(env['BENCH_RECORDS']):,}; the fixed-rate run sends {min(int(env['BENCH_RECORDS']), 100000):,}
  records at 10,000 records/s.

## How it is measured

- `bench/producer_bench` (kcoro) and `bench/rdkafka_bench` (librdkafka) take the same options and print the same
  `RESULT` line: records/s and value MB/s from the first send to the last acknowledgement; CPU as user + system time of
  the whole process (`getrusage`, every thread) per million records; the latency of every record from its send to
  its acknowledgement; peak RSS. Keys are `key-<i % 10000>`, values are bytes of `x`. kcoro sends with the callback
  style (`co_await p.send(rec, callback)`), so the sending coroutine waits only for buffer space.
- Without a rate, every client sends as fast as it can, so most of a record's latency is time queued behind
  the buffer (32 MiB in all three clients): those percentiles say how deep the queue got, not how fast a record
  travels. The fixed-rate run (10,000 records/s, acks=1, linger 0) is the latency figure; there, latency counts from
  the time a record was due, so a sender that falls behind cannot hide it.
- Client cost: `bench/sink_broker` acknowledges every Produce at once, so what is left is the client's own work.
  The instruction counts come from `valgrind --tool=callgrind` (every librdkafka thread counted), as the
  difference between a 120,000-record and a 20,000-record run, and repeat where wall time does not.
- Real broker: one Kafka node in KRaft mode on loopback (`scripts/kafka`), a new 6-partition topic per run,
  deleted after it. Kafka's `ProducerPerformance` runs with the JVM settings of Kafka's own
  `kafka-producer-perf-test.sh` (512 MB heap, G1); it sends **unkeyed** records (its key is always null), its
  values come from a file of `x` so that all clients compress the same bytes, its CPU and RSS are those of the JVM
  process (`/usr/bin/time`, JVM startup and JIT included) and its latency is measured by the tool itself from the
  moment `send()` is called, in whole milliseconds.{jvm_note}
- librdkafka runs as the newest release there is (2.16 at this writing, the self-contained library inside the
  `confluent-kafka` wheel on PyPI) and as Debian's (2.0.2): the same `rdkafka_bench`, compiled against Debian's
  header, loaded on the newer library through `LD_LIBRARY_PATH` (the C ABI is the same); each table names the
  version each row ran on, and the targets are set against the newest. Both get kcoro's settings where librdkafka's
  defaults would hold them back in these workloads: a 32 MiB buffer bounded by bytes rather than by a message
  count, at most 5 requests in flight per broker, and the Java client's murmur2 partitioner for keyed records.
- Peak RSS of kcoro and librdkafka includes the benchmark's own latency array, 8 bytes per record.
- kcoro runs on the benchmark's single thread; librdkafka and the Java producer send from threads of their own, so
  on this machine, which also runs the broker, they can use more than one core.
- Ratios are kcoro / other: above 1 is better for records/s, below 1 is better for CPU and latency.
"""]
for s, title in settings:
    if any(k[0] == s for k in by):
        md.append(f"## {title}\n\n{md_table(detail_head, detail_rows(s))}\n\nRatios kcoro / other:\n\n{md_table(ratio_head, ratio_rows(s))}\n")
for title, what, head, rows in extra:
    md.append(f"## {title}\n\n{what}.\n\n{md_table(head, rows)}\n")
if target_rows:
    md.append(f"## Against the targets\n\n{md_table(['target', 'measured', ''], target_rows)}\n")
if png:
    md.append("## Picture\n\n![records/s and p99 latency against one Kafka broker](benchmarks.png)\n")
md.append(f"To reproduce: `{env['BENCH_COMMAND']}` (needs the packages `scripts/deps` installs; about 10 minutes on 2 cores). "
          "Every run's `RESULT` line is kept in `build/bench-results/results.txt`.\n")
with open(os.path.join(docs, "benchmarks.md"), "w") as f:
    f.write("\n".join(md))
print(f"wrote {os.path.join(docs, 'benchmarks.md')} and {results_path}")
