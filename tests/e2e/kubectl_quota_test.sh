#!/usr/bin/env bash
# ResourceQuota and LimitRange with the real kubectl: `kubectl create quota`, a LimitRange whose
# defaults let pods through a cpu quota, the controller-manager's resource quota controller
# filling status (get/describe quota), Kubernetes' refusals word for word, and a create that
# succeeds again once a deletion has been recounted.
. "$(dirname "$0")/lib.sh"
start_apiserver --grpc-port -1 --grpc-socket "$E2E_DIR/grpc.sock"
CM_PID=""
trap '[ -n "$CM_PID" ] && kill "$CM_PID" 2>/dev/null && wait "$CM_PID" 2>/dev/null; e2e_cleanup' EXIT
"$PK_BIN_DIR/controller-manager" --apiserver "unix:$E2E_DIR/grpc.sock" --leader-elect=false \
  --controllers resourcequota 2>"$E2E_DIR/controller-manager.log" &
CM_PID=$!
NOSCHED='{"apiVersion":"v1","spec":{"schedulerName":"e2e-none"}}'
run_pod() { k run "$1" --image=nginx --overrides="$NOSCHED"; }
# until_ok SECONDS CMD...: retries CMD every 0.2 s; its last output, and its status.
until_ok() {
  local end=$((SECONDS + $1)) out; shift
  while :; do
    out=$("$@" 2>&1) && { printf '%s' "$out"; return 0; }
    [ $SECONDS -ge "$end" ] && { printf '%s' "$out"; return 1; }
    sleep 0.2
  done
}
# expect_ok NAME CMD...: CMD succeeds.
expect_ok() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "got: $out"; fi
}
used_pods() { k get quota q -o jsonpath='{.status.used.pods}/{.status.hard.pods}'; }
wait_used() { until_ok 15 bash -c "[ \"\$(kubectl --cache-dir '$E2E_DIR/cache' get quota q -o jsonpath='{.status.used.pods}/{.status.hard.pods}')\" = '$1' ]"; }

expect "create limitrange" 'limitrange/limits created' k apply -f - <<'Y'
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - type: Container
    min: {cpu: 50m}
    max: {memory: 1Gi}
    default: {cpu: 200m, memory: 256Mi}
    defaultRequest: {cpu: 100m}
Y
expect "create quota" 'resourcequota/q created' k create quota q --hard=pods=2,requests.cpu=1,limits.cpu=2
expect_ok "controller counts the quota" wait_used 0/2
expect "get quota table" '^NAME +REQUEST +LIMIT +AGE' k get quota
expect "get quota row" '^q +pods: 0/2, requests.cpu: 0/1 +limits.cpu: 0/2 ' k get quota

expect "pod with defaults" 'pod/p1 created' run_pod p1
expect_eq "defaults applied" '{"limits":{"cpu":"200m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"256Mi"}}' \
  k get pod p1 -o jsonpath='{.spec.containers[0].resources}'
expect "limit-ranger annotation" 'LimitRanger plugin set: cpu, memory request for container p1; cpu, memory limit for container p1' \
  k get pod p1 -o jsonpath='{.metadata.annotations.kubernetes\.io/limit-ranger}'
expect "second pod" 'pod/p2 created' run_pod p2
expect_eq "charged by admission" '2/2' used_pods
expect_fail "quota exceeded" 'Error from server \(Forbidden\): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2' run_pod p3
expect "describe quota" 'limits.cpu +400m +2' k describe quota q
expect "describe quota pods" 'pods +2 +2' k describe quota q
expect "describe quota cpu" 'requests.cpu +200m +1' k describe quota q
expect "describe limitrange" 'Container +cpu +50m +- +100m +200m +-' k describe limitrange limits

expect_fail "limitrange min" 'pods "small" is forbidden: minimum cpu usage per Container is 50m, but request is 10m' \
  k apply -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: small}
spec:
  schedulerName: e2e-none
  containers:
  - {name: c, image: nginx, resources: {requests: {cpu: 10m}}}
Y

expect "delete a pod" 'pod "p1" deleted' k delete pod p1 --wait=false
expect_ok "recounted after the deletion" wait_used 1/2
expect "create passes again" 'pod/p3 created' run_pod p3

# Without a LimitRange, a quota on limits needs every container to declare them.
expect "other namespace" 'namespace/other created' k create ns other
expect "quota there" 'resourcequota/mem created' k -n other create quota mem --hard=limits.memory=1Gi
expect_ok "counted there" until_ok 15 bash -c "kubectl --cache-dir '$E2E_DIR/cache' -n other get quota mem -o jsonpath='{.status.used}' | grep -q limits.memory"
expect_fail "must specify" 'pods "bare" is forbidden: failed quota: mem: must specify limits.memory for: bare' \
  k -n other run bare --image=nginx --overrides="$NOSCHED"
summary
