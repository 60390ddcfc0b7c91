# Shared by the end-to-end tests: start an apiserver on a free loopback port in a temp dir,
# talk to it with the real kubectl, count checks. Source it; needs PK_BIN_DIR.
# Every check prints PASS/FAIL; `summary` prints "N passed, M failed" and sets the exit code.
set -u
PASSED=0; FAILED=0
E2E_DIR=$(mktemp -d)
APISERVER_PID=""
trap 'e2e_cleanup' EXIT

e2e_cleanup() {
  [ -n "$APISERVER_PID" ] && kill "$APISERVER_PID" 2>/dev/null && wait "$APISERVER_PID" 2>/dev/null
  rm -rf "$E2E_DIR"
}

# Starts the apiserver (with any more flags given) and writes $KUBECONFIG; fails the test
# when it does not become ready. No controller-manager runs, so nothing makes the "default"
# service accounts: the ServiceAccount admission plugin is off (as in Kubernetes' own
# integration tests) unless E2E_SERVICE_ACCOUNTS=1.
start_apiserver() {
  local sa=(--disable-admission-plugins=ServiceAccount)
  [ "${E2E_SERVICE_ACCOUNTS:-0}" = 1 ] && sa=()
  "${PK_BIN_DIR:?}/apiserver" --data-dir "$E2E_DIR/data" --port 0 --port-file "$E2E_DIR/port" \
    "${sa[@]}" "$@" 2>"$E2E_DIR/apiserver.log" &
  APISERVER_PID=$!
  for _ in $(seq 200); do [ -s "$E2E_DIR/port" ] && break; sleep 0.05; done
  [ -s "$E2E_DIR/port" ] || { cat "$E2E_DIR/apiserver.log"; echo "FAIL apiserver did not start"; exit 1; }
  PORT=$(cat "$E2E_DIR/port")
  for _ in $(seq 100); do
    curl -sS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break  # any answer, 401 too
    sleep 0.05
  done
  default_serviceaccount default
  export KUBECONFIG="$E2E_DIR/kubeconfig"
  cat >"$KUBECONFIG" <<EOF2
apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: "http://127.0.0.1:$PORT"}}]
contexts: [{name: e2e, context: {cluster: e2e, user: e2e, namespace: default}}]
current-context: e2e
users: [{name: e2e, user: {}}]
EOF2
}

# What the controller-manager's serviceaccount controller does for namespace $1 (these tests
# run an apiserver alone): its "default" ServiceAccount, which the ServiceAccount admission
# plugin wants before any pod. Quiet; does nothing when anonymous requests may not write.
default_serviceaccount() {
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"metadata":{"name":"default"}}' "http://127.0.0.1:$PORT/api/v1/namespaces/$1/serviceaccounts"
}

k() { timeout 60 kubectl --cache-dir "$E2E_DIR/cache" --request-timeout=30s "$@"; }

pass() { PASSED=$((PASSED+1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED+1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '     %s\n' "$2" | head -c 3000; echo; }

# expect NAME PATTERN CMD...: CMD succeeds and its output (stdout+stderr) matches PATTERN.
expect() {
  local name=$1 pat=$2; shift 2
  local out rc; out=$("$@" 2>&1); rc=$?
  if [ $rc -eq 0 ] && printf '%s' "$out" | grep -Eq -- "$pat"; then pass "$name"
  else fail "$name" "wanted /$pat/, rc=$rc, got: $out"; fi
}
# expect_fail NAME PATTERN CMD...: CMD fails and its output matches PATTERN.
expect_fail() {
  local name=$1 pat=$2; shift 2
  local out rc; out=$("$@" 2>&1); rc=$?
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -Eq -- "$pat"; then pass "$name"
  else fail "$name" "wanted failure /$pat/, rc=$rc, got: $out"; fi
}
# expect_eq NAME WANT CMD...: CMD's stdout is exactly WANT.
expect_eq() {
  local name=$1 want=$2; shift 2
  local out; out=$("$@" 2>&1)
  if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "wanted '$want', got: $out"; fi
}
summary() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ] || { echo "--- apiserver log (tail)"; tail -30 "$E2E_DIR/apiserver.log"; }
  [ "$FAILED" -eq 0 ]
}
