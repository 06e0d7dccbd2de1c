#!/usr/bin/env python3
"""Writes tests/data/avro/expected.json from tests/data/avro/corpus.json with the two Python
reference implementations of Avro, fastavro and avro (the Apache project's own), from the pinned
environment scripts/venv creates:

  - each schema's Parsing Canonical Form and CRC-64-AVRO fingerprint: fastavro's, which the
    avro package must agree with (see normalize_avro_canonical for its two known deviations);
  - each value's Avro binary encoding: fastavro's and avro's, which must be identical;
  - for each invalid schema, whether each reference rejects it too (recorded, and checked).

kcoro's tests read expected.json and must produce the same canonical forms, fingerprints and
bytes; the avro-c cross-check (tests/standalone/avro_c_xcheck.cpp) must too.

  avro_vectors.py            regenerate expected.json
  avro_vectors.py --check    exit 1 when expected.json is not what the references produce now

Values in the corpus are JSON, read by the schema they belong to: bytes and fixed as hex; float
and double also "NaN", "Infinity", "-Infinity"; a union value as [branch index, value]; a record
field left out takes its default; decimals as decimal text; uuids as text; dates, times and
timestamps in ISO 8601 (timestamps with "+00:00", local timestamps without).
"""
import argparse
import datetime as dt
import decimal
import io
import json
import math
import pathlib
import re
import sys
import warnings

import avro.io
import avro.schema
import fastavro

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "tests" / "data" / "avro" / "corpus.json"
EXPECTED = ROOT / "tests" / "data" / "avro" / "expected.json"

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_NAIVE = dt.datetime(1970, 1, 1)
UNIT = {"millis": 1000, "micros": 1000000, "nanos": 1000000000}


def logical(s):
    """The logical type kcoro gives an avro.schema node (the specification's validity rules), or None."""
    lt = s.get_prop("logicalType")
    t = s.type
    if lt == "decimal" and t in ("bytes", "fixed"):
        p, sc = s.get_prop("precision"), s.get_prop("scale")
        sc = 0 if sc is None else sc
        if not isinstance(p, int) or not isinstance(sc, int) or p <= 0 or sc < 0 or sc > p:
            return None
        if t == "fixed" and p > math.floor((8 * s.size - 1) * math.log10(2)):
            return None
        return "decimal"
    if lt == "uuid" and (t == "string" or (t == "fixed" and s.size == 16)):
        return "uuid"
    if t == "int" and lt in ("date", "time-millis"):
        return lt
    if t == "long" and lt in ("time-micros", "timestamp-millis", "timestamp-micros", "timestamp-nanos",
                              "local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos"):
        return lt
    return None


def avro_knows(s):
    """Whether the avro package applies the node's logical type (it ignores the local and nanos ones)."""
    return isinstance(s, avro.schema.LogicalSchema)


def epoch_count(text, unit, local):
    """An ISO 8601 time point as a count of `unit` since the epoch, exactly (up to nanoseconds)."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(\+00:00)?", text)
    assert m and bool(m.group(3)) != local, text
    whole = dt.datetime.fromisoformat(m.group(1))
    frac = (m.group(2) or "").ljust(9, "0")
    seconds = (whole - EPOCH_NAIVE) // dt.timedelta(seconds=1)
    nanos = seconds * 1000000000 + int(frac)
    return nanos // (1000000000 // UNIT[unit])


def to_time_point(text, local):
    d = dt.datetime.fromisoformat(text)
    assert (d.tzinfo is None) == local, text
    return d


def to_py(s, v, ref):
    """The corpus value v of schema s as the Python value reference `ref` takes."""
    t = s.type
    lt = logical(s)
    if lt == "decimal":
        return decimal.Decimal(v)
    if lt == "uuid":
        return v
    if lt == "date":
        return dt.date.fromisoformat(v)
    if lt in ("time-millis", "time-micros"):
        return dt.time.fromisoformat(v)
    if lt in ("timestamp-millis", "timestamp-micros", "local-timestamp-millis", "local-timestamp-micros"):
        local = lt.startswith("local")
        if ref == "avro" and not avro_knows(s):
            return epoch_count(v, lt.rsplit("-", 1)[1], local)
        return to_time_point(v, local)
    if lt in ("timestamp-nanos", "local-timestamp-nanos"):
        return epoch_count(v, "nanos", lt.startswith("local"))
    if t in ("float", "double"):
        return float(v)
    if t in ("bytes", "fixed"):
        return bytes.fromhex(v)
    if t in ("null", "boolean", "int", "long", "string", "enum"):
        return v
    if t == "array":
        return [to_py(s.items, x, ref) for x in v]
    if t == "map":
        return {k: to_py(s.values, x, ref) for k, x in v.items()}
    if t == "union":
        branch, value = v
        return to_py(s.schemas[branch], value, ref)
    if t in ("record", "error"):
        out = {}
        for f in s.fields:
            if f.name in v:
                out[f.name] = to_py(f.type, v[f.name], ref)
            else:
                assert f.has_default, (s.fullname, f.name)
                out[f.name] = default_to_py(f.type, f.default, ref)
        return out
    raise AssertionError(f"no conversion for {t}")


def default_fits(s, d):
    """Whether the JSON default d is a value of schema s (the specification's table)."""
    t = s.type
    if t == "null":
        return d is None
    if t == "boolean":
        return isinstance(d, bool)
    if t in ("int", "long"):
        lim = 31 if t == "int" else 63
        return isinstance(d, int) and not isinstance(d, bool) and -(1 << lim) <= d < (1 << lim)
    if t in ("float", "double"):
        return (isinstance(d, (int, float)) and not isinstance(d, bool)) or d in ("NaN", "Infinity", "-Infinity")
    if t in ("bytes", "fixed"):
        return isinstance(d, str) and all(ord(c) < 256 for c in d) and (t == "bytes" or len(d) == s.size)
    if t == "string":
        return isinstance(d, str)
    if t == "enum":
        return d in s.symbols
    if t == "array":
        return isinstance(d, list) and all(default_fits(s.items, x) for x in d)
    if t == "map":
        return isinstance(d, dict) and all(default_fits(s.values, x) for x in d.values())
    if t == "union":
        return any(default_fits(b, d) for b in s.schemas)
    if t in ("record", "error"):
        return isinstance(d, dict) and all(default_fits(f.type, d[f.name]) if f.name in d else f.has_default for f in s.fields)
    return False


def default_to_py(s, d, ref):
    """A field's JSON default (underlying values, as the specification writes them) as a Python value."""
    t = s.type
    lt = logical(s)
    if t == "union":
        for b in s.schemas:  # Avro 1.12: the first branch the default fits
            if default_fits(b, d):
                return default_to_py(b, d, ref)
        raise AssertionError("a default that fits no branch")
    if t in ("bytes", "fixed"):
        raw = d.encode("latin-1")
        if lt == "decimal":
            return decimal.Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-(s.get_prop("scale") or 0))
        return raw
    if lt in ("timestamp-millis", "timestamp-micros") and (ref == "fastavro" or avro_knows(s)):
        return EPOCH + dt.timedelta(microseconds=d * (1000 if lt.endswith("millis") else 1))
    if lt is not None and lt not in ("uuid",):
        raise AssertionError(f"defaults of {lt} are not in the corpus")
    if t in ("float", "double"):
        return float(d)
    if t == "array":
        return [default_to_py(s.items, x, ref) for x in d]
    if t == "map":
        return {k: default_to_py(s.values, x, ref) for k, x in d.items()}
    if t in ("record", "error"):
        return {f.name: default_to_py(f.type, d[f.name] if f.name in d else f.default, ref) for f in s.fields}
    return d


def encode_fastavro(text, value):
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(text)), value)
    return out.getvalue()


def encode_avro(schema, value):
    out = io.BytesIO()
    avro.io.DatumWriter(schema).write(value, avro.io.BinaryEncoder(out))
    return out.getvalue()


def normalize_avro_canonical(text, fixed_names):
    """The avro package's canonical form with its two deviations from the specification undone:
    it writes a primitive that has a logical type as {"type":"long"} instead of "long", and
    writes a fixed's whole definition again where it is referred to by name."""
    text = re.sub(r'\{"type":"(' + "|".join(PRIMITIVES) + r')"\}', r'"\1"', text)
    for name in fixed_names:
        definition = re.compile(r'\{"name":"' + re.escape(name) + r'","type":"fixed","size":\d+\}')
        first = definition.search(text)
        if first:
            text = text[: first.end()] + definition.sub(f'"{name}"', text[first.end():])
    return text


def fixed_names(s, seen):
    if s.type == "fixed":
        seen.add(s.fullname)
    if s.type in ("record", "error"):
        if s.fullname in seen:
            return seen
        seen.add(s.fullname)
        for f in s.fields:
            fixed_names(f.type, seen)
    elif s.type == "array":
        fixed_names(s.items, seen)
    elif s.type == "map":
        fixed_names(s.values, seen)
    elif s.type == "union":
        for b in s.schemas:
            fixed_names(b, seen)
    return seen


def reference_verdicts(text):
    out = {}
    try:
        fastavro.parse_schema(json.loads(text))
        out["fastavro"] = "accepts"
    except Exception:  # noqa: BLE001 - any refusal counts
        out["fastavro"] = "rejects"
    try:
        avro.schema.parse(text)
        out["avro"] = "accepts"
    except Exception:  # noqa: BLE001
        out["avro"] = "rejects"
    return out


def generate():
    warnings.simplefilter("ignore")  # the avro package warns about the logical types it ignores
    corpus = json.loads(CORPUS.read_text())
    schemas = []
    for entry in corpus["schemas"]:
        text = entry.get("schema_text") or json.dumps(entry["schema"])
        parsed = avro.schema.parse(text)
        canonical = fastavro.schema.to_parsing_canonical_form(json.loads(text))
        theirs = normalize_avro_canonical(parsed.canonical_form, fixed_names(parsed, set()))
        assert theirs == canonical, f"{entry['name']}: canonical forms differ:\n  fastavro {canonical}\n  avro     {theirs}"
        fp = fastavro.schema.fingerprint(canonical, "CRC-64-AVRO")
        assert avro.schema._crc_64_fingerprint(canonical.encode()).hex() == fp, entry["name"]
        values = []
        for v in entry["values"]:
            a = encode_fastavro(text, to_py(parsed, v, "fastavro"))
            b = encode_avro(parsed, to_py(parsed, v, "avro"))
            assert a == b, f"{entry['name']}: {v!r}: fastavro {a.hex()} != avro {b.hex()}"
            values.append({"value": v, "hex": a.hex()})
        schemas.append({
            "name": entry["name"],
            "schema": text,
            "canonical": canonical,
            # The fingerprint as the 64-bit number Java's SchemaNormalization returns, in hex
            # (fastavro gives its bytes little-endian).
            "fingerprint": int.from_bytes(bytes.fromhex(fp), "little").to_bytes(8, "big").hex(),
            "values": values,
        })
    invalid = []
    for entry in corpus["invalid"]:
        verdicts = reference_verdicts(entry["schema"])
        for ref, want in entry.get("references", {}).items():
            assert verdicts[ref] == want, f"invalid schema {entry['schema']!r}: {ref} {verdicts[ref]}, the corpus says {want}"
        assert "rejects" in verdicts.values() or entry.get("why"), \
            f"{entry['schema']!r}: both references accept it; say why kcoro refuses it"
        invalid.append({**entry, "references": verdicts})
    return {
        "generated_by": f"tools/python/avro_vectors.py with fastavro {fastavro.__version__} and avro {avro.__version__}",
        "schemas": schemas,
        "invalid": invalid,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="fail if expected.json is stale")
    args = ap.parse_args()
    text = json.dumps(generate(), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        if not EXPECTED.is_file() or EXPECTED.read_text() != text:
            print(f"{EXPECTED.relative_to(ROOT)} is stale: run tools/python/avro_vectors.py", file=sys.stderr)
            return 1
        n = sum(len(s["values"]) for s in json.loads(text)["schemas"])
        print(f"SUMMARY: {len(json.loads(text)['schemas'])} schemas, {n} values: fastavro and avro agree with expected.json")
        return 0
    EXPECTED.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
