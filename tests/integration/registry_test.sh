#!/usr/bin/env bash
# Confluent-framed Avro from kcoro (examples/avro_registry) against a real Apicurio Registry from
# Maven Central (scripts/registry; started and stopped here) and the real broker, read back by
# independent decoders:
#   - 100,000 records with a schema registered under "<topic>-value" (BACKWARD compatibility set),
#     every 1000th one with a value that does not fit its schema (a status none of the enum's): those fail alone, the 99,900
#     others are read back by Confluent's Python AvroDeserializer, which resolves each record's
#     schema id against the registry, and equal the values sent; the subject and id in the
#     registry are those the example printed; the example sent 2 HTTP requests in all;
#   - a BACKWARD-compatible change (a field with a default) registers as a new version and its
#     records are read back with their own id; an incompatible one (a type changed) is refused with
#     the registry's HTTP 409 and its reason, and no record is sent;
#   - look-up only (no registration) finds the registered schema, and fails for an unknown subject;
#   - use_latest_version: with v1 and v2 registered, a v1 struct is written with the latest version
#     (v2, its new field's default filled in), with one request and nothing registered, and read
#     back through the registry; an unknown subject fails with the registry's 40401;
#   - a stream whose registry goes away after the serializer was made is not stopped: its records
#     are read back with fastavro and the schema fetched by id beforehand.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/itest.sh
source "$root/scripts/lib/itest.sh"
registry="$root/scripts/registry"
work=$(mktemp -d /tmp/kcoro-registry-test.XXXXXX)
reg_dir="$work/registry"
cleanup() {
  "$registry" stop "$reg_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
  itest_cleanup
}
trap cleanup EXIT
use_broker 1
trap cleanup EXIT  # again: use_broker sets a trap of its own when it starts a broker; cleanup runs it too
boot=$(cat "$dir/bootstrap")
example="${KCORO_BUILD_DIR:-$root/build/gcc}/examples/avro_registry"
if [ ! -x "$example" ]; then
  fail example-built "no $example (build the avro_registry target)"
  finish registry_test
  exit 1
fi
python="$("$root/scripts/venv")/bin/python"

if ! url=$("$registry" start --dir "$reg_dir" 2>"$work/registry-start.err" | tail -n 1); then
  fail registry-start "$(tail -n 5 "$work/registry-start.err" | tr '\n' ' ')"
  finish registry_test
  exit 1
fi
pass "registry-start: Apicurio at $url"

topic="registry-$(date +%s)-$$"
"$kafka" topic "$dir" create "$topic" 3 >/dev/null
subject="$topic-value"

# get PATH CODE: runs CODE with v the JSON the registry answers to GET PATH.
get() {
  curl -sf "$url$1" | "$python" -c "import json, sys; v = json.load(sys.stdin); $2" || true
}
# end_offsets TOPIC: "partition:end" of each partition, one a line.
end_offsets() {
  "$python" - "$boot" "$1" <<'EOF' || true
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "kcoro-registry-test"})
parts = c.list_topics(sys.argv[2], timeout=30).topics[sys.argv[2]].partitions
for p in sorted(parts):
    print("%d:%d" % (p, c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=30)[1]))
c.close()
EOF
}

# run NAME ARGS...: the example with its output and exit status kept.
run() {
  local name=$1
  shift
  set +e
  timeout 300 "$example" "$boot" "$url" "$@" >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
  set -e
}
rc() { cat "$work/$1.rc"; }
id_of() { sed -n 's/^schema id \([0-9]*\)$/\1/p' "$work/$1.out"; }
shown() { tail -n 3 "$work/$1.out" "$work/$1.err" | tr '\n' ' '; }

# read_back MODE TOPIC SPEC...: reads the whole topic and checks every record against the specs,
# ID:VALUES:COUNT:BAD_EVERY each (the records the example sent with that schema id; VALUES is 1 or 2
# for the values of schema 1 or 2, "1-as-2" for values of schema 1 written with schema 2). MODE is
# "registry" (Confluent's AvroDeserializer asks the registry at URL) or "fastavro:FILE" (schemas
# by id from FILE, a JSON object {id: schema}).
read_back() {
  local mode=$1 t=$2
  shift 2
  timeout 300 "$python" - "$mode" "$boot" "$t" "$url" "$@" <<'EOF'
import io, json, sys
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.serialization import SerializationContext, MessageField

mode, boot, topic, url = sys.argv[1:5]
specs = {}
for s in sys.argv[5:]:
    sid, version, count, bad = s.split(":")
    specs[int(sid)] = (version, int(count), int(bad))

if mode == "registry":
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    deserializer = AvroDeserializer(SchemaRegistryClient({"url": url}))
    def decode(value):
        return deserializer(value, SerializationContext(topic, MessageField.VALUE))
else:
    import fastavro
    schemas = {int(k): fastavro.parse_schema(json.loads(v)) for k, v in json.load(open(mode.split(":", 1)[1])).items()}
    def decode(value):
        return fastavro.schemaless_reader(io.BytesIO(value[5:]), schemas[int.from_bytes(value[1:5], "big")])

def expected(version, i):
    v = {"id": i, "item": "item-%d" % i, "qty": i % 1000, "price": i / 4, "status": "shipped" if i % 3 == 0 else "open"}
    if version == "2":
        v["note"] = "note-%d" % i if i % 2 == 0 else None
    elif version == "1-as-2":
        v["note"] = None  # the field schema 1 lacks, written as its default
    return v

consumer = Consumer({"bootstrap.servers": boot, "group.id": "kcoro-registry-test", "enable.auto.commit": False})
parts = consumer.list_topics(topic, timeout=30).topics[topic].partitions
ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in parts}
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
left = {p for p, end in ends.items() if end > 0}
seen = {sid: set() for sid in specs}
errors = []
while left:
    msg = consumer.poll(10)
    if msg is None:
        errors.append("no record within 10 s; partitions %s not read to their end" % sorted(left))
        break
    if msg.error():
        errors.append(str(msg.error()))
        break
    value = msg.value()
    if msg.offset() + 1 >= ends[msg.partition()]:
        left.discard(msg.partition())
    if value[0] != 0:
        errors.append("offset %d: magic byte %d" % (msg.offset(), value[0]))
        continue
    sid = int.from_bytes(value[1:5], "big")
    if sid not in specs:
        errors.append("offset %d: schema id %d not expected" % (msg.offset(), sid))
        continue
    i = int(msg.key())
    got = decode(value)
    if got != expected(specs[sid][0], i):
        errors.append("id %d record %d: %r" % (sid, i, got))
    if i in seen[sid]:
        errors.append("id %d record %d read twice" % (sid, i))
    seen[sid].add(i)
consumer.close()
for sid, (version, count, bad) in specs.items():
    want = {i for i in range(count) if bad == 0 or i % bad != bad - 1}
    if seen[sid] != want:
        errors.append("id %d: %d records read, %d expected (%d missing, %d extra)" %
                      (sid, len(seen[sid]), len(want), len(want - seen[sid]), len(seen[sid] - want)))
for e in errors[:10]:
    print(e)
print("read %d records" % sum(len(s) for s in seen.values()))
sys.exit(1 if errors else 0)
EOF
}

# ---- 100,000 records, one in 1000 refused by its schema ------------------------------------------
run v1 "$topic" 100000 --compatibility BACKWARD --bad-every 1000
id1=$(id_of v1)
check v1-produce "exit $(rc v1): $(shown v1)" test "$(rc v1)" = 0 -a -n "$id1"
check v1-no-request-per-record "$(shown v1)" grep -q "^delivered 99900 refused 100 failed 0 requests 2$" "$work/v1.out"
check v1-refusal-names-field "$(shown v1)" \
  grep -q "^first refused record 999: the value serializer refused a record for topic '$topic': avro: shop.Order.status: \"lost\" is not a symbol of the enum shop.Status" "$work/v1.out"
subjects=$(get /subjects "print('$subject' in v)")
check v1-subject "GET /subjects: $(curl -s "$url/subjects")" test "$subjects" = True
latest=$(get "/subjects/$subject/versions/latest" "print(v['id'], v['version'])")
check v1-latest-id "latest: $latest, printed $id1" test "$latest" = "$id1 1"

# ---- schema evolution -------------------------------------------------------------------------------
run v2 "$topic" 1000 --schema 2
id2=$(id_of v2)
check v2-compatible-change "exit $(rc v2): $(shown v2)" test "$(rc v2)" = 0 -a -n "$id2" -a "$id2" != "$id1"
versions=$(get "/subjects/$subject/versions" "print(v)")
check v2-second-version "versions: $versions" test "$versions" = "[1, 2]"
ends_before=$(end_offsets "$topic")
run v3 "$topic" 10 --schema 3
check v3-incompatible-refused "exit $(rc v3): $(shown v3)" test "$(rc v3)" = 3
check v3-registry-reason "$(shown v3)" grep -q "^refused: schema registry $url: POST /subjects/$subject/versions: HTTP 409" "$work/v3.out"
ends_after=$(end_offsets "$topic")
check v3-nothing-sent "offsets before: $ends_before; after: $ends_after" test -n "$ends_after" -a "$ends_before" = "$ends_after"

# ---- look-up only ---------------------------------------------------------------------------------
run lookup "$topic" 0 --lookup-only
check lookup-finds-registered "exit $(rc lookup): $(shown lookup)" test "$(rc lookup)" = 0 -a "$(id_of lookup)" = "$id1"
run lookup-unknown "$topic-unknown" 10 --lookup-only
check lookup-unknown-subject "exit $(rc lookup-unknown): $(shown lookup-unknown)" \
  bash -c "test $(rc lookup-unknown) = 3 && grep -q 'HTTP 404.*error_code 40401' '$work/lookup-unknown.out'"

# ---- the subject's latest version, registering nothing ---------------------------------------------
latest_topic="$topic-latest"
"$kafka" topic "$dir" create "$latest_topic" 3 >/dev/null
run latest-v1 "$latest_topic" 0 --compatibility BACKWARD
run latest-v2 "$latest_topic" 0 --schema 2
id_latest=$(id_of latest-v2)
check latest-registered "exit $(rc latest-v1), $(rc latest-v2): $(shown latest-v2)" \
  test "$(rc latest-v1)" = 0 -a "$(rc latest-v2)" = 0 -a -n "$id_latest" -a "$(id_of latest-v1)" != "$id_latest"
run latest "$latest_topic" 1000 --use-latest
check latest-version-used "exit $(rc latest): $(shown latest); v2's id $id_latest" test "$(rc latest)" = 0 -a "$(id_of latest)" = "$id_latest"
check latest-one-request "$(shown latest)" grep -q "^delivered 1000 refused 0 failed 0 requests 1$" "$work/latest.out"
versions=$(get "/subjects/$latest_topic-value/versions" "print(v)")
check latest-registers-nothing "versions: $versions" test "$versions" = "[1, 2]"
run latest-unknown "$topic-nothing" 10 --use-latest
check latest-unknown-subject "exit $(rc latest-unknown): $(shown latest-unknown)" \
  bash -c "test $(rc latest-unknown) = 3 && grep -q 'HTTP 404.*error_code 40401' '$work/latest-unknown.out'"

# ---- read back through the registry ---------------------------------------------------------------
if read_back registry "$topic" "$id1:1:100000:1000" "$id2:2:1000:0" >"$work/read.out" 2>&1; then
  pass "read-back: $(tail -n 1 "$work/read.out") with Confluent's AvroDeserializer"
else
  fail read-back "$(head -n 12 "$work/read.out" | tr '\n' ' ')"
fi
if read_back registry "$latest_topic" "$id_latest:1-as-2:1000:0" >"$work/read-latest.out" 2>&1; then
  pass "read-back-latest: $(tail -n 1 "$work/read-latest.out") with Confluent's AvroDeserializer"
else
  fail read-back-latest "$(head -n 12 "$work/read-latest.out" | tr '\n' ' ')"
fi

# ---- the registry goes away after the serializer is made --------------------------------------------
gone="$topic-gone"
"$kafka" topic "$dir" create "$gone" 3 >/dev/null
timeout 300 "$example" "$boot" "$url" "$gone" 20000 >"$work/gone.out" 2>"$work/gone.err" &
producer_pid=$!
for _ in $(seq 1 600); do
  grep -q "^schema id" "$work/gone.out" 2>/dev/null && break
  sleep 0.1
done
id_gone=$(id_of gone)
get "/schemas/ids/$id_gone" "print(json.dumps({'$id_gone': v['schema']}))" >"$work/schemas.json"
"$registry" stop "$reg_dir" >/dev/null 2>&1 || true
set +e
wait "$producer_pid"
echo $? >"$work/gone.rc"
set -e
check registry-gone-stream-continues "exit $(rc gone): $(shown gone)" \
  bash -c "test $(rc gone) = 0 && grep -q '^delivered 20000 refused 0 failed 0 requests 1$' '$work/gone.out'"
if read_back "fastavro:$work/schemas.json" "$gone" "$id_gone:1:20000:0" >"$work/read-gone.out" 2>&1; then
  pass "read-back-without-registry: $(tail -n 1 "$work/read-gone.out") with fastavro"
else
  fail read-back-without-registry "$(head -n 12 "$work/read-gone.out" | tr '\n' ' ')"
fi

finish registry_test
