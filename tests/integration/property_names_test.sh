#!/usr/bin/env bash
# The property table (include/kcoro/producer/producer_property.hpp, listed by kcoro_config_doc
# --names) against the clients themselves: every producer property of the Java client in the
# Kafka jars (ProducerConfig's own listing) and of the librdkafka on this machine (kcat -X list,
# producer and common rows) must be in the table, and every Java name in the table must be a real
# one, so that docs/configuration.md lists every key and no misspelled one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/itest.sh
source "$root/scripts/lib/itest.sh"
doc="${KCORO_BUILD_DIR:-$root/build/gcc}/tests/kcoro_config_doc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$doc" --names java | sort -u >"$work/table.java"
"$doc" --names librdkafka | sort -u >"$work/table.rdkafka"
"$kafka" run org.apache.kafka.clients.producer.ProducerConfig 2>/dev/null |
  grep -o 'id="producerconfigs_[^"]*"' | sed 's/^id="producerconfigs_//; s/"$//' | sort -u >"$work/java"
kcat -X list 2>&1 | awk -F'|' 'NF > 5 && $2 ~ /[*P]/ && $1 !~ /^(Property|---)/ { gsub(/ /, "", $1); print $1 }' | sort -u >"$work/rdkafka"

check java-listed "Kafka's ProducerConfig lists no property (is the jar there?)" test -s "$work/java"
check librdkafka-listed "kcat -X list lists no property" test -s "$work/rdkafka"
missing=$(comm -23 "$work/java" "$work/table.java" | tr '\n' ' ')
check java-properties-in-table "Java producer properties missing from the table: $missing" test -z "$missing"
unknown=$(comm -13 "$work/java" "$work/table.java" | tr '\n' ' ')
check table-java-names-real "names in the table's Java column that Kafka $("$kafka" version) does not have: $unknown" test -z "$unknown"
missing=$(comm -23 "$work/rdkafka" "$work/table.rdkafka" | tr '\n' ' ')
check librdkafka-properties-in-table "librdkafka producer properties missing from the table: $missing" test -z "$missing"
echo "$(grep -c '' "$work/java") Java and $(grep -c '' "$work/rdkafka") librdkafka properties checked"
finish property_names_test
