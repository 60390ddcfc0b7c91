#!/usr/bin/env bash
# The audit log (--audit-policy-file, --audit-log-path) with the real kubectl: each request
# the policy selects is a JSON line in the audit.k8s.io/v1 Event format -- verb, user,
# objectRef, response code, and the bodies its level asks for -- and the Audit-Id header of
# every answer is the event's auditID. CORS (--cors-allowed-origins) answers a preflight.
. "$(dirname "$0")/lib.sh"
cat >"$E2E_DIR/policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  nonResourceURLs: ["/api*", "/openapi*", "/version", "/readyz*", "/healthz*"]
- level: RequestResponse
  resources: [{group: "", resources: ["configmaps"]}]
- level: Metadata
YAML
LOG="$E2E_DIR/audit.log"
start_apiserver --audit-policy-file "$E2E_DIR/policy.yaml" --audit-log-path "$LOG" \
  --cors-allowed-origins '^https://ui\.example\.com$'

k create configmap audited --from-literal=a=b >/dev/null
k get configmap audited -o name >/dev/null
k delete configmap audited --wait=false >/dev/null
k get pods >/dev/null 2>&1
headers=$(curl -sS -i "http://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps?limit=1" -o /dev/null -D -)
audit_id=$(printf '%s' "$headers" | tr -d '\r' | sed -n 's/^Audit-Id: //Ip')
sleep 0.5  # the writer thread flushes each batch

# event VERB NAME FIELD: FIELD (a jq path) of the ResponseComplete event of VERB on NAME.
event() {
  jq -c "select(.stage == \"ResponseComplete\" and .verb == \"$1\" and .objectRef.name == \"$2\") | $3" "$LOG" | tail -1
}
expect_eq "every line is an audit.k8s.io/v1 Event"  "true" \
  jq -s 'all(.kind == "Event" and .apiVersion == "audit.k8s.io/v1")' "$LOG"
expect_eq "RequestReceived is omitted by the policy" "0" \
  jq -s 'map(select(.stage == "RequestReceived")) | length' "$LOG"
expect_eq "create: one event, code 201"    "201" event create audited .responseStatus.code
expect_eq "create: the user"               '"system:anonymous"' event create audited .user.username
expect_eq "create: the objectRef"          '{"resource":"configmaps","namespace":"default","name":"audited","apiVersion":"v1"}' \
  event create audited .objectRef
expect_eq "create: the request body (RequestResponse)" '{"a":"b"}' event create audited .requestObject.data
expect_eq "create: the response body"      '"audited"' event create audited .responseObject.metadata.name
expect_eq "create: the level"              '"RequestResponse"' event create audited .level
expect_eq "create: kubectl's user agent"   "true" event create audited '.userAgent | startswith("kubectl/")'
expect_eq "create: the source IP"          '["127.0.0.1"]' event create audited .sourceIPs
expect_eq "create: authorization annotations" '"allow"' event create audited '.annotations["authorization.k8s.io/decision"]'
expect_eq "get: code 200"                  "200" event get audited .responseStatus.code
expect_eq "delete: code 200"               "200" event delete audited .responseStatus.code
expect_eq "the events of the three requests" "3" \
  jq -s 'map(select(.objectRef.name == "audited")) | length' "$LOG"
expect_eq "Metadata level: no bodies"      '"Metadata" false false' \
  jq -r 'select(.verb == "list" and .objectRef.resource == "pods") | "\"\(.level)\" \(has("requestObject")) \(has("responseObject"))"' "$LOG"
expect_eq "list pods: microsecond timestamps" "true" \
  jq 'select(.verb == "list" and .objectRef.resource == "pods") | .stageTimestamp | test("^[0-9-]+T[0-9:]+\\.[0-9]{6}Z$")' "$LOG"
if [ -n "$audit_id" ]; then pass "an answer carries Audit-Id"; else fail "an answer carries Audit-Id" "$headers"; fi
http_date='^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
expect "an answer carries Date, as Go's net/http writes it" "$http_date" \
  printf '%s' "$(printf '%s' "$headers" | tr -d '\r')"
expect_eq "the Audit-Id header is the event's auditID" "list 200" \
  jq -r "select(.auditID == \"$audit_id\") | \"\(.verb) \(.responseStatus.code)\"" "$LOG"
expect_eq "a failure records its Status"   '"NotFound"' \
  bash -c "kubectl --cache-dir '$E2E_DIR/cache' get configmap missing >/dev/null 2>&1; sleep 0.5; jq -c 'select(.objectRef.name == \"missing\") | .responseStatus.reason' '$LOG'"

preflight=$(curl -sS -i -X OPTIONS -H 'Origin: https://ui.example.com' "http://127.0.0.1:$PORT/api/v1/pods" | tr -d '\r')
expect "CORS: a preflight from an allowed origin is 204" '^HTTP/1.1 204' printf '%s' "$preflight"
expect "CORS: the origin is echoed"      'Access-Control-Allow-Origin: https://ui.example.com' printf '%s' "$preflight"
expect "CORS: credentials allowed"       'Access-Control-Allow-Credentials: true' printf '%s' "$preflight"
other=$(curl -sS -i -H 'Origin: https://evil.example.org' "http://127.0.0.1:$PORT/api/v1/namespaces/default/pods" | tr -d '\r')
if printf '%s' "$other" | grep -q 'Access-Control-Allow-Origin'; then
  fail "CORS: another origin gets no CORS headers" "$other"
else pass "CORS: another origin gets no CORS headers"; fi
# A watch's answer has the head every answer has: its Audit-Id (the watch's audit event's
# ID, written when the watch ends) and, for an allowed origin, the CORS headers.
watch_head=$(curl -sS -i --max-time 10 -H 'Origin: https://ui.example.com' \
  "http://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1" | tr -d '\r')
watch_id=$(printf '%s' "$watch_head" | sed -n 's/^Audit-Id: //Ip' | head -1)
expect "watch: a chunked answer"         '^Transfer-Encoding: chunked$' printf '%s' "$watch_head"
expect "watch: the answer carries Audit-Id" '^[0-9a-f-]{36}$' printf '%s' "$watch_id"
expect "watch: the answer carries Date"  "$http_date" printf '%s' "$watch_head"
expect "watch: CORS for an allowed origin" 'Access-Control-Allow-Origin: https://ui.example.com' \
  printf '%s' "$watch_head"
sleep 0.5  # the writer thread flushes each batch
expect_eq "watch: the Audit-Id header is the watch's auditID" "watch configmaps" \
  jq -r "select(.auditID == \"$watch_id\" and .stage == \"ResponseComplete\") | \"\(.verb) \(.objectRef.resource)\"" "$LOG"
summary
