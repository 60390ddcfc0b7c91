#!/usr/bin/env bash
# The real kubectl creates, reads, labels, patches, replaces and deletes objects.
. "$(dirname "$0")/lib.sh"
start_apiserver
NOSCHED='{"apiVersion":"v1","spec":{"schedulerName":"e2e-none"}}'

expect "create namespace"     'namespace/e2e created'       k create ns e2e
default_serviceaccount e2e
expect "run a pod"            'pod/web created'             k -n e2e run web --image=nginx:1.25 --labels=app=web --overrides="$NOSCHED"
expect "unknown field warned" 'Warning: unknown field "spec.bogus"' k -n e2e create --validate=warn -f - <<'Y'
{"apiVersion":"v1","kind":"Service","metadata":{"name":"warned"},"spec":{"bogus":1,"ports":[{"port":80}]}}
Y
expect_fail "unknown field strict" 'strict decoding error: unknown field "spec.bogus"' k -n e2e create -f - <<'Y'
{"apiVersion":"v1","kind":"Service","metadata":{"name":"strict"},"spec":{"bogus":1,"ports":[{"port":80}]}}
Y
expect "create -f"            'configmap/cfg created'       k -n e2e create -f - <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, labels: {tier: db}}
data: {k: v}
Y
expect_eq "jsonpath"          'web nginx:1.25 IfNotPresent' k -n e2e get pod web -o jsonpath='{.metadata.name} {.spec.containers[0].image} {.spec.containers[0].imagePullPolicy}'
expect "-o json"              '"kind": "Pod"'               k -n e2e get pod web -o json
expect "-o yaml"              'restartPolicy: Always'       k -n e2e get pod web -o yaml
expect "table"                '^NAME +READY +STATUS +RESTARTS +AGE'  k -n e2e get pods
expect "-o wide"              'NOMINATED NODE +READINESS GATES'      k -n e2e get pods -o wide
expect "all namespaces"       '^e2e +web '                  k get pods -A
expect "show labels"          'app=web'                     k -n e2e get pods --show-labels
# --sort-by asks the table for whole objects (includeObject=Object) and sorts on their fields.
expect "second configmap"     'configmap/a-cfg created'     k -n e2e create configmap a-cfg --from-literal=k=z
expect_eq "sort-by a field"   'cfg a-cfg'                   bash -c "kubectl --cache-dir '$E2E_DIR/cache' -n e2e get cm --sort-by=.data.k --no-headers -o custom-columns=N:.metadata.name | tr '\n' ' ' | sed 's/ $//'"
expect "sort-by in a table"   '^web '                       k -n e2e get pods --sort-by=.spec.containers[0].image --no-headers
expect_fail "includeObject checked" "must be 'Metadata', 'Object', 'None', or empty" k -n e2e get --raw '/api/v1/namespaces/e2e/pods?includeObject=Everything'
expect "get several kinds"    'pod/web.*configmap/cfg|configmap/cfg.*pod/web' bash -c "kubectl --cache-dir '$E2E_DIR/cache' -n e2e get pod,cm -o name | tr '\n' ' '"

expect "label"                'pod/web labeled'             k -n e2e label pod web tier=front
expect "label overwrite refused" 'already has a value' bash -c "! kubectl --cache-dir '$E2E_DIR/cache' -n e2e label pod web tier=back 2>&1"
expect "annotate"             'pod/web annotated'           k -n e2e annotate pod web note=hi
expect_eq "labels stored"     'front hi'                    k -n e2e get pod web -o jsonpath='{.metadata.labels.tier} {.metadata.annotations.note}'
expect "selector in"          '^web'                        k -n e2e get pods -l 'tier in (front,back)' --no-headers
expect "selector miss"        'No resources found'          k -n e2e get pods -l tier=none
expect "field selector"       '^web'                        k -n e2e get pods --field-selector=status.phase=Pending --no-headers
expect_fail "unsupported field selector" 'field label not supported' k -n e2e get pods --field-selector=spec.bogus=1

expect "merge patch"          'pod/web patched'             k -n e2e patch pod web --type=merge -p '{"metadata":{"labels":{"m":"1"}}}'
expect "json patch"           'pod/web patched'             k -n e2e patch pod web --type=json -p '[{"op":"add","path":"/metadata/labels/j","value":"2"}]'
expect "strategic patch"      'pod/web patched'             k -n e2e patch pod web -p '{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}'
expect_eq "patched"           '1 2 nginx:1.26'              k -n e2e get pod web -o jsonpath='{.metadata.labels.m} {.metadata.labels.j} {.spec.containers[0].image}'
expect_fail "immutable spec"  'Forbidden|immutable|may not change' k -n e2e patch pod web --type=merge -p '{"spec":{"restartPolicy":"Never"}}'
expect_fail "bad json patch"  'BadRequest|Invalid|invalid|unable' k -n e2e patch pod web --type=json -p '[{"op":"bogus"}]'

k -n e2e get cm cfg -o json | sed 's/"k": "v"/"k": "w"/' >"$E2E_DIR/cfg.json"
expect "replace"              'configmap/cfg replaced'      k -n e2e replace -f "$E2E_DIR/cfg.json"
expect_eq "replaced"          'w'                           k -n e2e get cm cfg -o jsonpath='{.data.k}'
expect_fail "stale replace"   'the object has been modified' k -n e2e replace -f "$E2E_DIR/cfg.json"

expect_fail "already exists"  'configmaps "cfg" already exists' k -n e2e create cm cfg
expect_fail "not found"       'pods "nope" not found'       k -n e2e get pod nope
expect_fail "invalid"         'is invalid.*metadata.name'   k -n e2e create cm Bad_Name
expect_fail "no namespace"    'namespaces "ghost" not found' k -n ghost create cm x

# Priority admission: the system classes exist, a pod gets its class's value, an unknown class
# and a second default are refused with Kubernetes' messages.
PRIO='{"apiVersion":"v1","spec":{"schedulerName":"e2e-none","priorityClassName":"%s"}}'
expect_eq "system priority classes" '2000001000 2000000000' k get priorityclass system-node-critical system-cluster-critical -o jsonpath='{.items[*].value}'
expect "create priorityclass" 'priorityclass.scheduling.k8s.io/e2e-high created' k create priorityclass e2e-high --value=1000
expect "pod with a class"     'pod/urgent created'          k -n e2e run urgent --image=nginx --overrides="$(printf "$PRIO" e2e-high)"
expect_eq "priority resolved" '1000 PreemptLowerPriority'   k -n e2e get pod urgent -o jsonpath='{.spec.priority} {.spec.preemptionPolicy}'
expect_fail "unknown class"   'pods "lost" is forbidden: no PriorityClass with name ghost was found' k -n e2e run lost --image=nginx --overrides="$(printf "$PRIO" ghost)"
expect "a default class"      'priorityclass.scheduling.k8s.io/e2e-default created' k create priorityclass e2e-default --value=7 --global-default
expect_fail "second default"  'PriorityClass e2e-default is already marked as default. Only one default can exist' k create priorityclass e2e-default2 --value=8 --global-default
expect_fail "system- reserved" "priority class names with 'system-' prefix are reserved" k create priorityclass system-mine --value=1

for i in 1 2 3; do k -n e2e create cm "bulk-$i" >/dev/null 2>&1; done
expect "delete by label"      'configmap "bulk-1" deleted'  bash -c "kubectl --cache-dir '$E2E_DIR/cache' -n e2e label cm bulk-1 bulk-2 bulk-3 set=bulk >/dev/null && kubectl --cache-dir '$E2E_DIR/cache' -n e2e delete cm -l set=bulk"
expect "deletecollection"     '"kind":"ConfigMapList".*"name":"cfg"' curl -fsS -X DELETE "http://127.0.0.1:$PORT/api/v1/namespaces/e2e/configmaps?labelSelector=tier%3Ddb"
expect_fail "collection gone" 'NotFound'                    k -n e2e get cm cfg
expect "delete pod"           'pod "web" deleted'           k -n e2e delete pod web
expect_fail "gone"            'NotFound'                    k -n e2e get pod web
expect "delete namespace"     'namespace "e2e" deleted'     k delete ns e2e --wait=false
expect "terminating"          'Terminating'                 k get ns e2e
expect_fail "no new content"  'being terminated'            k -n e2e create cm late
# What the namespace controller will do once its content is gone: finalize, and it goes.
expect "finalize"             '"finalizers":\[\]|"spec":\{\}' curl -fsS -X PUT -H 'Content-Type: application/json' --data '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"e2e"},"spec":{"finalizers":[]}}' "http://127.0.0.1:$PORT/api/v1/namespaces/e2e/finalize"
expect_fail "finalized namespace is gone" 'NotFound'        k get ns e2e
summary
