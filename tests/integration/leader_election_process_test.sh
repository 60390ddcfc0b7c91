#!/usr/bin/env bash
# Leader hand-over between processes: two candidates campaign for one Lease through the
# apiserver's gRPC face; the leader is killed with SIGKILL (no release); the other takes over.
. "$(dirname "$0")/../e2e/lib.sh"
"${PK_BIN_DIR:?}/apiserver" --data-dir "$E2E_DIR/data" --port 0 --port-file "$E2E_DIR/port" \
  --grpc-port 0 --grpc-port-file "$E2E_DIR/grpc-port" 2>"$E2E_DIR/apiserver.log" &
APISERVER_PID=$!
for _ in $(seq 200); do [ -s "$E2E_DIR/port" ] && break; sleep 0.05; done
[ -s "$E2E_DIR/port" ] || { cat "$E2E_DIR/apiserver.log"; echo "FAIL apiserver did not start"; exit 1; }
grpc="127.0.0.1:$(cat "$E2E_DIR/grpc-port")"
declare -A pids
for who in alpha beta; do
  "$PK_BIN_DIR/leader_candidate" "$grpc" "$who" e2e-lock >"$E2E_DIR/$who.out" 2>&1 &
  pids[$who]=$!
done
trap 'kill ${pids[alpha]} ${pids[beta]} 2>/dev/null; e2e_cleanup' EXIT
leader=""
for _ in $(seq 100); do
  for who in alpha beta; do grep -q "^leading $who" "$E2E_DIR/$who.out" && leader=$who; done
  [ -n "$leader" ] && break
  sleep 0.1
done
if [ -n "$leader" ]; then pass "one candidate leads ($leader)"; else fail "one candidate leads" "$(cat "$E2E_DIR"/*.out)"; fi
other=alpha; [ "$leader" = alpha ] && other=beta
if grep -q "^leading" "$E2E_DIR/$other.out"; then fail "only one leads" "$(cat "$E2E_DIR"/*.out)"; else pass "only one leads"; fi
k() { timeout 30 kubectl --cache-dir "$E2E_DIR/cache" --server "http://127.0.0.1:$(cat "$E2E_DIR/port")" "$@"; }
expect_eq "the Lease names the leader" "$leader" k -n kube-system get lease e2e-lock -o jsonpath='{.spec.holderIdentity}'
kill -9 "${pids[$leader]}"; wait "${pids[$leader]}" 2>/dev/null
took=""
for i in $(seq 100); do
  if grep -q "^leading $other" "$E2E_DIR/$other.out"; then took=$i; break; fi
  sleep 0.1
done
if [ -n "$took" ]; then pass "the other takes over after the leader is killed (~$((took * 100)) ms)"
else fail "the other takes over after the leader is killed" "$(cat "$E2E_DIR"/*.out)"; fi
expect_eq "the Lease names the new leader" "$other" k -n kube-system get lease e2e-lock -o jsonpath='{.spec.holderIdentity}'
expect_eq "one transition" "1" k -n kube-system get lease e2e-lock -o jsonpath='{.spec.leaseTransitions}'
summary
