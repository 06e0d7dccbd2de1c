#!/usr/bin/env python3
"""Reads a producer's counters as kcoro writes them, with parsers that are not kcoro's.

    read_stats_text.py PROMETHEUS_FILE JSON_FILE

The Prometheus text goes through prometheus_client's parser (the exposition format's reference
implementation in Python), the JSON through Python's json module. Prints one line per value:
"prometheus <sample name> <client_id label> <value>" and "json <key> <value>", so that a test can
compare both with what stats() said. Exits 1 if either text does not parse.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


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
                print(f"prometheus {sample.name} {sample.labels.get('client_id', '')} {int(sample.value)}")
        for key, value in json.loads(json_text).items():
            print(f"json {key} {value}")
    except ValueError as e:
        print(f"read_stats_text: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
