#!/usr/bin/env bash
# The scenario runner (picokube scenario, scenarios/README.md) on real clusters: a scenario
# passes and writes JUnit; a deliberately wrong assertion fails with what the cluster looked
# like and the scheduler's explanation; a mistake in the file is named with its line before
# any cluster starts; faults (a slow store, a container crash) reach the components; --keep
# leaves the cluster up; the seed replays.
. "$(dirname "$0")/lib.sh"
root=${PK_SOURCE_DIR:?}
run() { timeout 180 "$PK_BIN_DIR/picokube" scenario "$@" 2>&1; }
S="$E2E_DIR/s"; mkdir -p "$S"

cat >"$S/pass.yaml" <<'Y'
name: a pod crashes and restarts, and the store can be slowed
seed: 42
cluster:
  time-scale: 0.05
  nodes: [{name: solo, capacity: {cpu: "2"}}]
steps:
  - apply: |
      apiVersion: v1
      kind: Pod
      metadata: {name: web}
      spec: {containers: [{name: main, image: nginx}]}
  - eventually: {within: 30s, pod: {name: web, phase: Running, node: solo, ready: true}}
  - container-fault: {pod: web, exit-code: 3}
  - eventually: {within: 30s, event: {reason: Started, object: pod/web, min: 2}}
  - eventually: {within: 30s, pod: {name: web, ready: true}}
  - slow: {store: 300ms}
  - kubectl: get --raw /debug/picokube/faults
  - kubectl: label pod web slowed=yes
  - kubectl: {args: "get pod nosuch", expect-error: 'pods "nosuch" not found'}
  - slow: {store: 0s}
  - eventually: {within: 5s, pods: {phase: Running, count: 1}}
Y
out=$(run "$S/pass.yaml" --junit "$S/pass.xml"); rc=$?
[ $rc = 0 ] && pass "a scenario passes" || fail "a scenario passes (rc $rc)" "$out"
expect_eq "every step printed PASS" "11" bash -c "grep -c ' PASS ' <<<'$out'"
expect "JUnit: one suite, no failures" 'tests="11" failures="0" skipped="0"' cat "$S/pass.xml"
# A lower bound, not a speed target: the injected 300 ms is in every write while it lasts.
expect_eq "a write waits the slowed store" "slowed" bash -c \
  "awk '/label pod web slowed=yes/ && \$(NF-1) >= 0.3 {print \"slowed\"}' <<<'$out'"
expect "the seed is printed" 'seed 42' echo "$out"

cat >"$S/wrong.yaml" <<'Y'
name: a deliberately wrong assertion
cluster:
  nodes:
    - {name: small, capacity: {cpu: "1"}}
steps:
  - apply: |
      apiVersion: v1
      kind: Pod
      metadata: {name: big, labels: {app: big}}
      spec: {containers: [{name: main, image: nginx, resources: {requests: {cpu: "2"}}}]}
  - eventually: {within: 3s, pods: {selector: app=big, phase: Running, count: 1}}
  - wait: 1s
Y
out=$(run "$S/wrong.yaml" --junit "$S/wrong.xml"); rc=$?
[ $rc = 1 ] && pass "a wrong assertion fails the run" || fail "a wrong assertion fails the run (rc $rc)" "$out"
expect "it says what it wanted and saw" 'saw: never held; last: 0 of 1 selected pods match; the others: big Pending, unbound: Unschedulable' echo "$out"
expect "it shows the pods"             'big +0/1 +Pending' echo "$out"
expect "it shows the nodes"            'small +True' echo "$out"
expect "it shows the events"           'FailedScheduling' echo "$out"
expect "the scheduler explains"        'small +NodeResourcesFit: Insufficient cpu' echo "$out"
expect "it shows what the control plane logged" 'controller-manager: running; controllers' echo "$out"
expect "later steps are skipped"       '<skipped message="an earlier step failed"/>' cat "$S/wrong.xml"
expect "JUnit carries the failure"     'failures="1" skipped="1"' cat "$S/wrong.xml"

printf 'name: typo\nsteps:\n  - wait: 1s\n  - aply: x\n' >"$S/typo.yaml"
out=$(run "$S/pass.yaml" "$S/typo.yaml"); rc=$?
[ $rc = 2 ] && pass "a bad file stops before any cluster" || fail "a bad file (rc $rc)" "$out"
expect "the mistake is named with its line" "typo.yaml:4: unknown step 'aply'" echo "$out"

out=$(run --keep "$S/wrong.yaml")
kept=$(grep -o 'export KUBECONFIG=[^ ]*' <<<"$out" | cut -d= -f2)
dir=$(dirname "${kept:-/nonexistent/x}")
expect "--keep leaves the cluster up" 'big +0/1 +Pending' k --kubeconfig "$kept" get pods
"$PK_BIN_DIR/picokube" down --data-dir "$dir" >/dev/null 2>&1; rm -rf "$dir"
summary
