#!/usr/bin/env bash
# The whole cluster from one command: scripts/up starts every component detached, nodes go
# Ready, a pod runs; a killed component shows in `scripts/up --status` with its log; up again on
# the same directory restarts the cluster on its stored state (same port, nodes, pods);
# scripts/down stops exactly that cluster's processes; above --hollow-above one hollow kubelet.
. "$(dirname "$0")/lib.sh"
root=${PK_SOURCE_DIR:?}
export PK_BUILD_DIR=$(dirname "${PK_BIN_DIR:?}")
D="$E2E_DIR/c"
trap 'for c in c h s; do "$root/scripts/down" --data-dir "$E2E_DIR/$c" >/dev/null 2>&1; done; e2e_cleanup' EXIT
up() { timeout 120 "$root/scripts/up" --no-build "$@"; }
status() { "$root/scripts/up" --status --data-dir "$D"; }
export KUBECONFIG="$D/kubeconfig"

expect "up prints each step"   'up: 3 nodes Ready \([0-9]+ ms\)' up --data-dir "$D" --nodes 3
expect "up wrote a kubeconfig" "server: https://127.0.0.1:" cat "$D/kubeconfig"
expect_eq "three nodes Ready"  "node-0=True node-1=True node-2=True " \
  k get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}'
timeout 60 kubectl --cache-dir "$E2E_DIR/cache" get pods -w >"$E2E_DIR/watch.txt" 2>&1 &
watch_pid=$!
sleep 0.5
expect "a pod runs"            "condition met" bash -c "kubectl --cache-dir '$E2E_DIR/cache' run web --image=nginx >/dev/null && kubectl --cache-dir '$E2E_DIR/cache' wait --for=condition=Ready pod/web --timeout=60s"
sleep 0.3; kill $watch_pid 2>/dev/null; wait $watch_pid 2>/dev/null
# The seed's flow as kubectl shows it: the pull makes the kubelet report the wait first.
expect_eq "watch: Pending, ContainerCreating, Running" "Pending ContainerCreating Running" \
  bash -c "awk '\$1==\"web\" {print \$3}' '$E2E_DIR/watch.txt' | uniq | tr '\n' ' ' | sed 's/ \$//'"
expect "status: all running"   'controller-manager +[0-9]+ +Running' status

# The pod-flow trace of that fresh pod: every documented step, each first seen in this causal
# order (the create's response and the scheduler's watch both follow the store write, in either
# order; the kubelet's status writes come around the pull and at the end).
"$root/scripts/trace" web --kubeconfig "$KUBECONFIG" --svg "$E2E_DIR/web.svg" >"$E2E_DIR/trace.txt" 2>&1
steps=("request received" authentication authorization "admission: NamespaceLifecycle" validation
  "store write" "seen by informer" "queue wait" filter score "chosen node" bind
  "pod seen" sandbox RunPodSandbox "image pull" PullImage create CreateContainer start StartContainer)
last=0; order_ok=1; missing=""
for step in "${steps[@]}"; do
  line=$(awk -v s="$step" 'index($0, s" ") == 1 {print NR; exit}' "$E2E_DIR/trace.txt")
  if [ -z "$line" ]; then missing+=" [$step]"; order_ok=0; continue; fi
  [ "$line" -gt "$last" ] || { missing+=" [$step out of order]"; order_ok=0; }
  last=$line
done
first() { awk -v s="$1" 'index($0, s" ") == 1 {print NR; exit}' "$E2E_DIR/trace.txt"; }
r=$(first response); w=$(first "store write")
[ -n "$r" ] && [ -n "$w" ] && [ "$r" -gt "$w" ] || { missing+=" [response after the store write]"; order_ok=0; }
if [ $order_ok = 1 ]; then pass "trace: every step in order"; else fail "trace: every step in order" "$missing: $(cat "$E2E_DIR/trace.txt")"; fi
expect "trace: the status goes Running" '^status write +kubelet .*phase Running' cat "$E2E_DIR/trace.txt"
expect "trace: the longest hop is named" '^Longest hop: ' cat "$E2E_DIR/trace.txt"
expect "trace: a sequence diagram" '<svg' cat "$E2E_DIR/web.svg"
port=$(sed -n 's/^port //p' "$D/up.conf")

kill -9 "$(cat "$D/pids/scheduler.pid")"
sleep 0.2
expect_fail "status: a dead component" 'scheduler +[0-9]+ +NotRunning' status
expect_fail "status: the end of its log" '^--- scheduler is not running; the end of .*scheduler.log' status

expect "up again on the same dir" 'up: 3 nodes Ready' up --data-dir "$D"
expect_eq "same REST port"     "$port" sed -n 's/^port //p' "$D/up.conf"
expect "the pod is back"       "condition met" k wait --for=condition=Ready pod/web --timeout=60s
expect "status: all running again" 'scheduler +[0-9]+ +Running' status

pids=$(cat "$D"/pids/*.pid)
expect "down stops every component" 'down: stopped apiserver' "$root/scripts/down" --data-dir "$D"
# Alive and not a zombie (an orphan's zombie waits for an init that may not reap it).
alive=""; for p in $pids; do [ -e /proc/$p ] && ! grep -q ') Z' /proc/$p/stat && alive+=" $p"; done
expect_eq "no process of the cluster is left" "" echo "$alive"
expect_fail "status after down"  'no cluster in' status

H="$E2E_DIR/h"
expect "hollow above the threshold" 'up: 7 nodes Ready' up --data-dir "$H" --nodes 7 --hollow-above 5
expect_eq "one kubelet simulates the seven nodes" "kubelet-node" bash -c "ls '$H/pids' | sed -n 's/^\(kubelet.*\)\.pid$/\1/p'"
expect_eq "seven nodes" "7" bash -c "kubectl --cache-dir '$E2E_DIR/cache' --kubeconfig '$H/kubeconfig' get nodes --no-headers | grep -c ' Ready '"

# Slow motion: every hop of the flow waits, each logged by the component that waits.
S="$E2E_DIR/s"
expect "up in slow motion"     'up: 1 nodes Ready' up --data-dir "$S" --nodes 1 --slow-motion 0.3
ks() { k --kubeconfig "$S/kubeconfig" "$@"; }
t0=$(date +%s%N)
expect "a pod in slow motion"  "condition met" bash -c "kubectl --cache-dir '$E2E_DIR/cache' --kubeconfig '$S/kubeconfig' run slow --image=nginx >/dev/null && kubectl --cache-dir '$E2E_DIR/cache' --kubeconfig '$S/kubeconfig' wait --for=condition=Ready pod/slow --timeout=60s"
took=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ $took -ge 1800 ]; then pass "six hops of 0.3 s took at least 1.8 s ($took ms)"; else fail "six hops of 0.3 s took at least 1.8 s" "$took ms"; fi
for hop in "apiserver: admit and store pod slow" "scheduler: bind default/slow to node-0" \
    "kubelet: RunPodSandbox for slow_default" "kubelet: PullImage nginx" \
    "kubelet: CreateContainer slow of slow_default" "kubelet: StartContainer slow of slow_default" \
    "kubelet: patch the status of slow"; do
  if grep -qF "slow motion: $hop" "$S"/logs/*.log; then pass "hop: $hop"; else fail "hop: $hop" "$(grep -h 'slow motion' "$S"/logs/*.log)"; fi
done
"$root/scripts/down" --data-dir "$S" >/dev/null
summary
