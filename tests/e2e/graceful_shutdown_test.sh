#!/usr/bin/env bash
# Graceful shutdown: writes are in flight on a slow store (--fault-injection, 300ms a write)
# when the apiserver gets SIGTERM. It refuses new requests (503 "apiserver is shutting down",
# Retry-After: 1), lets those in flight finish, and exits 0 within its bound
# (--request-timeout); after a restart on the same data every create answered 201 is there.
. "$(dirname "$0")/lib.sh"
start_apiserver --fault-injection --request-timeout 20s
api() { curl -sS "http://127.0.0.1:$PORT$1" "${@:2}"; }
api /debug/picokube/faults -X POST -H 'Content-Type: application/json' \
  -d '{"storeWriteLatency":"300ms"}' >/dev/null
expect "the store is slow" '300ms' api /debug/picokube/faults

N=24
mkdir -p "$E2E_DIR/codes"
for i in $(seq $N); do
  curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-$i\"}}" \
    "http://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps" >"$E2E_DIR/codes/$i" 2>/dev/null &
done
sleep 0.15  # the first writes are in the slow store
start=$(date +%s%N)
kill -TERM "$APISERVER_PID"
late=$(curl -sS -i -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"late"}}' \
  "http://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps" 2>&1 | tr -d '\r')
wait "$APISERVER_PID"; rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
APISERVER_PID=""
wait  # the curls
expect_eq "the apiserver exits 0 on SIGTERM" "0" echo "$rc"
if [ "$elapsed_ms" -lt 20000 ]; then pass "it exits within the bound (${elapsed_ms}ms)"
else fail "it exits within the bound" "${elapsed_ms}ms"; fi
if printf '%s' "$late" | grep -q '^HTTP/1.1 503' ; then
  expect "a request during shutdown: 503 with Retry-After: 1" 'Retry-After: 1' printf '%s' "$late"
  expect "... and Kubernetes' message" '"message":"apiserver is shutting down"' printf '%s' "$late"
else
  # Connected after the listener closed: refused outright, also not acknowledged.
  expect "a request during shutdown is not acknowledged" '.' printf '%s' "${late:-refused}"
fi
acked=$(grep -l '^201$' "$E2E_DIR"/codes/* | xargs -r -n1 basename | sort -n)
count=$(printf '%s\n' $acked | grep -c .)
if [ "$count" -gt 0 ]; then pass "writes in flight were acknowledged ($count of $N)"
else fail "writes in flight were acknowledged" "$(head "$E2E_DIR"/codes/*)"; fi
others=$(cat "$E2E_DIR"/codes/* | grep -v '^201$' | sort | uniq -c | tr '\n' ' ')
echo "     other answers: ${others:-none}"

rm -f "$E2E_DIR/port"
start_apiserver
missing=""
for i in $acked; do
  k get configmap "cm-$i" -o name >/dev/null 2>&1 || missing="$missing cm-$i"
done
expect_eq "every acknowledged write is there after the restart" "" echo "$missing"
summary
