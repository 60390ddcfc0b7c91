#!/usr/bin/env bash
# kubectl get -w sees ADDED, MODIFIED and DELETED in order, as JSON events and as a table.
. "$(dirname "$0")/lib.sh"
start_apiserver
k create ns e2e >/dev/null
default_serviceaccount e2e
NOSCHED='{"apiVersion":"v1","spec":{"schedulerName":"e2e-none"}}'
W="$E2E_DIR/watch.json"; T="$E2E_DIR/watch.txt"
timeout 20 kubectl --cache-dir "$E2E_DIR/cache" -n e2e get pods -w -o json --output-watch-events >"$W" 2>&1 &
w1=$!
timeout 20 kubectl --cache-dir "$E2E_DIR/cache" -n e2e get pods -w >"$T" 2>&1 &
w2=$!
# Both watches are established once kubectl has listed; wait for the list requests.
sleep 2
k -n e2e run p --image=nginx --overrides="$NOSCHED" >/dev/null
k -n e2e label pod p step=two >/dev/null
k -n e2e delete pod p >/dev/null
sleep 2; kill $w1 $w2 2>/dev/null; wait $w1 $w2 2>/dev/null
seq=$(/usr/bin/python3 - "$W" <<'PY'
import json, sys
text = open(sys.argv[1]).read(); dec = json.JSONDecoder(); i = 0; out = []
while i < len(text):
    while i < len(text) and text[i] in " \n\r\t": i += 1
    if i >= len(text): break
    try: obj, i = dec.raw_decode(text, i)
    except ValueError: break
    out.append(obj.get("type"))
print(" ".join(out))
PY
)
if printf '%s' "$seq" | grep -Eq '^ADDED( MODIFIED)+ DELETED$'; then pass "json watch events in order"
else fail "json watch events in order" "got: $seq / $(head -c 800 "$W")"; fi
if grep -Eq '^p +0/1 +Pending' "$T" && [ "$(grep -c '^p ' "$T")" -ge 2 ]; then pass "table watch rows"
else fail "table watch rows" "$(cat "$T")"; fi

# A reflector's watch: from a resourceVersion, with bookmarks and a timeout.
rv=$(k -n e2e get pods -o jsonpath='{.metadata.resourceVersion}')
out=$(curl -sS -m 10 "http://127.0.0.1:$PORT/api/v1/namespaces/e2e/pods?watch=1&resourceVersion=$rv&allowWatchBookmarks=true&timeoutSeconds=1")
rc=$?
if [ $rc -eq 0 ]; then pass "watch ends at timeoutSeconds"; else fail "watch ends at timeoutSeconds" "rc=$rc $out"; fi
summary
