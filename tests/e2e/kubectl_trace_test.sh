#!/usr/bin/env bash
# The pod-flow trace through the real kubectl: `kubectl get --raw` of
# /debug/picokube/traces/NS/POD in each format, and scripts/trace (timeline and SVG).
. "$(dirname "$0")/lib.sh"
start_apiserver
trace="$(dirname "$0")/../../scripts/trace"
NOSCHED='{"apiVersion":"v1","spec":{"schedulerName":"e2e-none"}}'
raw="/debug/picokube/traces/default/web"

expect "run a pod"            'pod/web created'      k run web --image=nginx --overrides="$NOSCHED"
expect "text timeline"        'store write +apiserver +[0-9.]+ +[0-9.]+ +create, revision [0-9]+' k get --raw "$raw?format=text"
expect "kubectl is the client" '"client": "kubectl"' k get --raw "$raw"
expect "svg"                  '^<\?xml'              k get --raw "$raw?format=svg"
expect_fail "bad format"      'use format=json, text or svg' k get --raw "$raw?format=xml"
expect_fail "unknown pod"     'no pod "nope" in namespace "default".*check the pod' k get --raw /debug/picokube/traces/default/nope
expect "scripts/trace"        'Sequence diagram: .*/web.svg' "$trace" web --svg "$E2E_DIR/web.svg"
expect "the svg file"         '</svg>'               cat "$E2E_DIR/web.svg"
expect "scripts/trace --help" 'Usage: scripts/trace POD' "$trace" --help
expect_fail "scripts/trace unknown pod" 'NotFound' "$trace" nope -n default --svg "$E2E_DIR/nope.svg"
expect "delete"               'pod "web" (force )?deleted'    k delete pod web --grace-period=0 --force
expect "a deleted pod's trace" 'delete, revision'    "$trace" web --svg "$E2E_DIR/web2.svg"
summary
