#!/usr/bin/env python3
"""Reads a producer's counters as kcoro writes them, with parsers that are not kcoro's.

    read_stats_text.py PROMETHEUS_FILE JSON_FILE

The Prometheus text goes through prometheus_client's parser (the exposition format's reference
implementation in Python), the JSON through Python's json module. Prints one line per value:
"prometheus <sample name>{<labels but client_id, sorted, k=v joined by commas>} <client_id label>
<value>" (no braces for a sample without other labels) and "json <path> <value>", the path naming
nested members with dots and array items with [i] ("brokers[0].requests_sent"), so that a test can
compare both with what stats() said. Whole numbers print without a fraction, booleans as true and
false. Exits 1 if either text does not parse.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def number(v):
    """A whole number without a fraction, anything else as Python writes it."""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def flatten(path, v):
    """(path, text) for each scalar of a JSON document."""
    if isinstance(v, dict):
        for k, item in v.items():
            yield from flatten(f"{path}.{k}" if path else k, item)
    elif isinstance(v, list):
        for i, item in enumerate(v):
            yield from flatten(f"{path}[{i}]", item)
    elif isinstance(v, bool):
        yield path, "true" if v else "false"
    elif isinstance(v, (int, float)):
        yield path, number(v)
    else:
        yield path, v


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        prometheus_text = f.read()
    with open(sys.argv[2], encoding="utf-8") as f:
        json_text = f.read()
    try:
        for family in text_string_to_metric_families(prometheus_text):
            for sample in family.samples:
                others = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()) if k != "client_id")
                name = f"{sample.name}{{{others}}}" if others else sample.name
                print(f"prometheus {name} {sample.labels.get('client_id', '')} {number(sample.value)}")
        for path, value in flatten("", json.loads(json_text)):
            print(f"json {path} {value}")
    except ValueError as e:
        print(f"read_stats_text: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
