#!/usr/bin/env bash
# kcoro over the secured listeners of `scripts/kafka start --sasl --tls`, against the real broker:
#   - 100,000 keyed records go in with kcoro-produce over each of SASL_PLAINTEXT (PLAIN,
#     SCRAM-SHA-512, OAUTHBEARER), SSL, SSL with a client certificate (the MTLS listener) and
#     SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER), from librdkafka's property names and from the Java client properties the harness
#     writes; independent consumers read them back over the secured listeners (kcat with PLAIN over
#     SASL_PLAINTEXT, SASL_SSL and SSL, with a client certificate over MTLS, and with OAUTHBEARER
#     over SASL_SSL; Java's ConsoleConsumer with SCRAM-SHA-512 over SASL_SSL), and each record is
#     there exactly once, in order per key;
#   - a wrong password, a wrong CA, a missing or untrusted client certificate, a wrong key
#     passphrase, TLS to a plaintext listener, plaintext to a TLS listener and SASL to a listener
#     without it each fail the pending record within max.block.ms with an error that says what
#     happened and what to change;
#   - no output of any of these runs (nor --print-config) holds the password, the key's passphrase or
#     a token.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/itest.sh
source "$root/scripts/lib/itest.sh"
work=$(mktemp -d /tmp/kcoro-security.XXXXXX)
own_dir=""
cleanup() {
  [ -z "$own_dir" ] || "$kafka" stop "$own_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
  itest_cleanup
}
trap cleanup EXIT

if [ -n "${KAFKA_DIR:-}" ] && [ -f "$KAFKA_DIR/sasl_ssl_bootstrap" ]; then
  dir=$KAFKA_DIR
else
  own_dir=$(mktemp -d /tmp/kcoro-itest-security.XXXXXX)
  if ! "$kafka" start --dir "$own_dir" --sasl --tls >/dev/null 2>"$work/start.err"; then
    fail broker-start "$(tail -n 5 "$work/start.err" | tr '\n' ' ')"
    finish security_test || exit 1
  fi
  dir=$own_dir
fi
produce="${KCORO_BUILD_DIR:-$root/build/gcc}/apps/kcoro-produce"
check kcoro-produce-built "no $produce (build the kcoro-produce target)" test -x "$produce"
plain=$(cat "$dir/bootstrap")
sasl=$(cat "$dir/sasl_bootstrap")
tls=$(cat "$dir/tls_bootstrap")
sasl_ssl=$(cat "$dir/sasl_ssl_bootstrap")
mtls=$(cat "$dir/mtls_bootstrap")
ca="$dir/tls/ca.pem"
password=kcoro-secret
creds=(-X sasl.username=kcoro -X "sasl.password=$password")
key_password=kcoro-key-secret
client_cert=(-X "ssl.certificate.location=$dir/tls/client.pem" -X "ssl.key.location=$dir/tls/client.key" -X "ssl.key.password=$key_password")
# Records per run: 100,000 keyed records over each mechanism and listener, ten runs into one topic
# that every consumer below reads whole.
per_run=${KCORO_SECURITY_RECORDS:-100000}

topic="security-$(date +%s)-$$"
"$kafka" topic "$dir" create "$topic" 3 >/dev/null

# Java's client settings for SASL_SSL with SCRAM-SHA-512 and -256 (the harness writes SASL_PLAINTEXT ones).
sed -e 's/^security.protocol=.*/security.protocol=SASL_SSL/' "$dir/client-scram-sha-512.properties" >"$work/sasl-ssl-scram.properties"
printf '%s\n' "ssl.truststore.type=PEM" "ssl.truststore.location=$ca" >>"$work/sasl-ssl-scram.properties"
sed -e 's/^security.protocol=.*/security.protocol=SASL_SSL/' "$dir/client-scram-sha-256.properties" >"$work/sasl-ssl-scram-256.properties"
printf '%s\n' "ssl.truststore.type=PEM" "ssl.truststore.location=$ca" >>"$work/sasl-ssl-scram-256.properties"
sed -e 's/^security.protocol=.*/security.protocol=SASL_SSL/' "$dir/client-oauthbearer.properties" >"$work/sasl-ssl-oauthbearer.properties"
printf '%s\n' "ssl.truststore.type=PEM" "ssl.truststore.location=$ca" >>"$work/sasl-ssl-oauthbearer.properties"

# run NAME PRODUCER_ARGS...: kcoro-produce with its stdout, stderr and exit status kept.
run() {
  local name=$1
  shift
  set +e
  timeout 60 "$produce" -t "$topic" -k '|' "$@" >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
  set -e
}

# ---- records over each secured listener
: >"$work/sent"
# secured NAME ARGS...: $per_run keyed records; each value names the run and its sequence per key.
secured() {
  local name=$1
  shift
  awk -v n="$per_run" -v run="$name" 'BEGIN { for (i = 0; i < n; i++) printf "key-%d|%s %d\n", i % 7, run, i }' >"$work/$name.in"
  sed 's/|/\t/' "$work/$name.in" >>"$work/sent"
  run "$name" "$@" "$work/$name.in"
  check "produce-$name" "exit $(cat "$work/$name.rc"): $(tail -n 3 "$work/$name.err" | tr '\n' ' ')" \
    grep -qh "^kcoro-produce: $per_run records delivered" "$work/$name.out" "$work/$name.err"
}
secured sasl-plaintext-plain -b "SASL_PLAINTEXT://$sasl" -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN "${creds[@]}"
secured sasl-plaintext-scram-512 -b "$sasl" --producer.config "$dir/client-scram-sha-512.properties"
secured ssl -b "$tls" -X security.protocol=SSL -X "ssl.ca.location=$ca"
secured mtls -b "$mtls" -X security.protocol=SSL -X "ssl.ca.location=$ca" "${client_cert[@]}"
# Java's PEM key store (key and chain in one file), as the harness writes it for Java's tools.
secured mtls-java-keystore -b "$mtls" --producer.config "$dir/client-mtls.properties"
secured sasl-ssl-plain -b "$sasl_ssl" -X security.protocol=sasl_ssl -X "ssl.ca.pem=$(cat "$ca")" -X sasl.mechanisms=PLAIN "${creds[@]}"
secured sasl-ssl-scram-512 -b "$sasl_ssl" --producer.config "$work/sasl-ssl-scram.properties"
secured sasl-ssl-scram-256 -b "$sasl_ssl" --producer.config "$work/sasl-ssl-scram-256.properties"
# OAUTHBEARER with unsecured tokens, which the broker's default validator accepts: in librdkafka's
# names with a SASL extension, and in Java's (OAuthBearerLoginModule's unsecuredLogin* options).
secured sasl-plaintext-oauthbearer -b "$sasl" -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=OAUTHBEARER \
  -X enable.sasl.oauthbearer.unsecure.jwt=true -X "sasl.oauthbearer.config=principal=kcoro lifeSeconds=600 extension_traceId=42"
secured sasl-ssl-oauthbearer -b "$sasl_ssl" --producer.config "$work/sasl-ssl-oauthbearer.properties"
sort "$work/sent" >"$work/sent.sorted"
total=$(grep -c '' "$work/sent")

# ---- read back over the secured listeners
# in_order FILE: with "partition<TAB>offset<TAB>key<TAB>value" lines, every run's values of a key
# rise with the offset (one key lives on one partition).
in_order() {
  sort -t$'\t' -k1,1n -k2,2n "$1" | awk -F'\t' '{ split($4, v, " "); k = $3 " " v[1]; if (k in last && v[2] <= last[k]) bad = 1; last[k] = v[2] } END { exit bad }'
}
kcat_consume() {  # NAME BOOTSTRAP KCAT_OPTIONS...
  local name=$1 bootstrap=$2
  shift 2
  if timeout 60 kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -f '%p\t%o\t%k\t%s\n' "$@" >"$work/$name.got" 2>"$work/$name.cerr" &&
     cut -f3-4 "$work/$name.got" | sort | cmp -s - "$work/sent.sorted"; then
    pass "consume-$name"
  else
    fail "consume-$name" "read $(grep -c '' "$work/$name.got" || true) of $total records; $(tail -n 2 "$work/$name.cerr" | tr '\n' ' ')"
  fi
  check "in-order-$name" "a key's records are out of order on its partition" in_order "$work/$name.got"
}
kcat_consume kcat-sasl-plaintext "$sasl" -X security.protocol=sasl_plaintext -X sasl.mechanisms=PLAIN "${creds[@]}"
kcat_consume kcat-ssl "$tls" -X security.protocol=ssl -X "ssl.ca.location=$ca"
kcat_consume kcat-mtls "$mtls" -X security.protocol=ssl -X "ssl.ca.location=$ca" "${client_cert[@]}"
kcat_consume kcat-sasl-ssl "$sasl_ssl" -X security.protocol=sasl_ssl -X "ssl.ca.location=$ca" -X sasl.mechanisms=PLAIN "${creds[@]}"
kcat_consume kcat-sasl-ssl-oauthbearer "$sasl_ssl" -X security.protocol=sasl_ssl -X "ssl.ca.location=$ca" -X sasl.mechanisms=OAUTHBEARER \
  -X enable.sasl.oauthbearer.unsecure.jwt=true -X sasl.oauthbearer.config=principal=kcoro-reader
# Debian's kcat cannot log in with SCRAM to Kafka 4 (PEERS_AND_FACTS.md): Java's consumer does.
if "$kafka" run org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$sasl_ssl" \
     --consumer.config "$work/sasl-ssl-scram.properties" --topic "$topic" --from-beginning --max-messages "$total" \
     --timeout-ms 30000 --property print.key=true --property key.separator=$'\t' \
     >"$work/java.got" 2>"$work/java.cerr" && sort "$work/java.got" | cmp -s - "$work/sent.sorted"; then
  pass consume-java-sasl-ssl-scram-512
else
  fail consume-java-sasl-ssl-scram-512 "read $(grep -c '' "$work/java.got" || true) of $total records; $(tail -n 2 "$work/java.cerr" | tr '\n' ' ')"
fi

# ---- failures: each within max.block.ms, saying what happened
max_block=5000
echo "one|record" >"$work/one.in"
# refused NAME EXPECTED PRODUCER_ARGS...: exit 1 within max.block.ms (plus start and exit), the
# error holding EXPECTED.
refused() {
  local name=$1 expected=$2 start elapsed
  shift 2
  start=$(date +%s%N)
  run "$name" -X "max.block.ms=$max_block" "$@" "$work/one.in"
  elapsed=$((($(date +%s%N) - start) / 1000000))
  check "$name-fails" "exit $(cat "$work/$name.rc"), want 1" test "$(cat "$work/$name.rc")" = 1
  check "$name-within-max-block" "took $elapsed ms" test "$elapsed" -lt $((max_block + 4000))
  check "$name-says-why" "no '$expected' in: $(tr '\n' ' ' <"$work/$name.err")" grep -qF -- "$expected" "$work/$name.err"
}
refused wrong-password-scram "SASL SCRAM-SHA-512 login as 'kcoro' at broker $sasl_ssl failed: Authentication failed" \
  -b "$sasl_ssl" -X security.protocol=SASL_SSL -X "ssl.ca.location=$ca" -X sasl.mechanism=SCRAM-SHA-512 \
  -X sasl.username=kcoro -X "sasl.password=not-$password"
refused wrong-password-plain "SASL PLAIN login as 'kcoro' at broker $sasl failed: Authentication failed" \
  -b "$sasl" -X security.protocol=SASL_PLAINTEXT -X sasl.username=kcoro -X "sasl.password=not-$password"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca -keyout "$work/other.key" -out "$work/other-ca.pem" \
  >/dev/null 2>&1
refused wrong-ca "TLS handshake with broker $tls: certificate verify failed" \
  -b "$tls" -X security.protocol=SSL -X "ssl.ca.location=$work/other-ca.pem"
refused system-store-lacks-ca "certificate verify failed" -b "$tls" -X security.protocol=SSL
refused no-client-certificate "(the broker requires a client certificate: set ssl_certificate_location and ssl_key_location)" \
  -b "$mtls" -X security.protocol=SSL -X "ssl.ca.location=$ca"
refused untrusted-client-certificate "(the broker refused the client certificate of ssl_certificate_location: it must be valid now and signed by a CA in the broker's truststore)" \
  -b "$mtls" -X security.protocol=SSL -X "ssl.ca.location=$ca" -X "ssl.certificate.location=$work/other-ca.pem" -X "ssl.key.location=$work/other.key"
refused wrong-key-password "ssl_key_location: reading '$dir/tls/client.key' (is ssl_key_password right?)" \
  -b "$mtls" -X security.protocol=SSL -X "ssl.ca.location=$ca" -X "ssl.certificate.location=$dir/tls/client.pem" \
  -X "ssl.key.location=$dir/tls/client.key" -X "ssl.key.password=not-$key_password"
refused tls-to-plaintext "broker $plain closed the connection during the TLS handshake" \
  -b "$plain" -X security.protocol=SSL -X "ssl.ca.location=$ca"
refused plaintext-to-tls "broker $tls answered ApiVersions with a TLS record: it is a TLS listener" -b "$tls"
refused sasl-to-ssl-listener "broker $tls does not expect a SASL login" \
  -b "$tls" -X security.protocol=SASL_SSL -X "ssl.ca.location=$ca" "${creds[@]}"

# ---- the password in no output
run print-config -b "$sasl_ssl" --producer.config "$work/sasl-ssl-scram.properties" --print-config
run bad-key-password -b "$sasl_ssl" --producer.config "$work/sasl-ssl-scram.properties" -X "ssl.key.password=$password" --print-config
check bad-key-password-refused "exit $(cat "$work/bad-key-password.rc"), want 2" test "$(cat "$work/bad-key-password.rc")" = 2
check print-config-has-no-password "--print-config printed the password" bash -c "! grep -q -- '$password' '$work/print-config.out' '$work/print-config.err'"
check print-config-names-protocol "--print-config lacks security.protocol=SASL_SSL" grep -q '^security.protocol=SASL_SSL$' "$work/print-config.out"
leaks=$(grep -l -- "$password" "$work"/*.out "$work"/*.err 2>/dev/null || true)
check no-password-in-output "the password appears in: $leaks" test -z "$leaks"
leaks=$(grep -l -- "$key_password" "$work"/*.out "$work"/*.err 2>/dev/null || true)
check no-key-password-in-output "the key's passphrase appears in: $leaks" test -z "$leaks"
# Every unsecured token starts with {"alg":"none"} in base64url; none may be printed either.
run print-config-oauthbearer -b "$sasl_ssl" --producer.config "$work/sasl-ssl-oauthbearer.properties" --print-config
check print-config-oauthbearer-reads-back "--print-config lacks the unsecured-token settings" \
  grep -q '^sasl.oauthbearer.config=principal=kcoro$' "$work/print-config-oauthbearer.out"
leaks=$(grep -l -- "eyJhbGciOiJub25lIn0" "$work"/*.out "$work"/*.err 2>/dev/null || true)
check no-token-in-output "a token appears in: $leaks" test -z "$leaks"

"$kafka" topic "$dir" delete "$topic" >/dev/null 2>&1 || true
finish security_test
