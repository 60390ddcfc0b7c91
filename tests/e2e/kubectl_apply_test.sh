#!/usr/bin/env bash
# kubectl apply (client-side: created, unchanged, configured), apply --server-side with
# managedFields and conflicts, and scale through the scale subresource.
. "$(dirname "$0")/lib.sh"
start_apiserver
k create ns e2e >/dev/null
cat >"$E2E_DIR/deploy.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx, ports: [{containerPort: 80}], env: [{name: A, value: "1"}]}
      - {name: side, image: busybox}
Y
expect "apply creates"        'deployment.apps/web created'    k -n e2e apply -f "$E2E_DIR/deploy.yaml"
expect_eq "defaults"          '10 600 RollingUpdate 25%'       k -n e2e get deploy web -o jsonpath='{.spec.revisionHistoryLimit} {.spec.progressDeadlineSeconds} {.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge}'
expect "apply unchanged"      'deployment.apps/web unchanged'  k -n e2e apply -f "$E2E_DIR/deploy.yaml"
expect_eq "generation 1"      '1'                              k -n e2e get deploy web -o jsonpath='{.metadata.generation}'
sed -i 's/replicas: 2/replicas: 3/; s/image: busybox/image: busybox:1.36/' "$E2E_DIR/deploy.yaml"
expect "apply configures"     'deployment.apps/web configured' k -n e2e apply -f "$E2E_DIR/deploy.yaml"
expect_eq "configured"        '3 web,side busybox:1.36 2'      k -n e2e get deploy web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].name},{.spec.template.spec.containers[1].name} {.spec.template.spec.containers[1].image} {.metadata.generation}'
expect "last-applied"         'kubectl.kubernetes.io/last-applied-configuration' k -n e2e get deploy web -o yaml
expect "scale"                'deployment.apps/web scaled'     k -n e2e scale deploy web --replicas=5
expect_eq "scaled"            '5'                              k -n e2e get deploy web -o jsonpath='{.spec.replicas}'
expect "scale subresource"    '"kind":"Scale".*"replicas":5'   k get --raw /apis/apps/v1/namespaces/e2e/deployments/web/scale
expect_fail "invalid selector" 'selector.*does not match|Invalid' k -n e2e create -f - <<'Y'
{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}
Y

SSA='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"a":"1"}}'
expect "server-side apply"    'configmap/ssa serverside-applied' k -n e2e apply --server-side -f - <<<"$SSA"
expect "managed by kubectl"   'kubectl'  k -n e2e get cm ssa -o jsonpath='{.metadata.managedFields[*].manager}' --show-managed-fields
expect "re-apply"             'configmap/ssa serverside-applied' k -n e2e apply --server-side -f - <<<"$SSA"
expect_fail "conflict"        'conflict' k -n e2e apply --server-side --field-manager=other -f - <<<"${SSA/\"1\"/\"2\"}"
expect "force"                'serverside-applied' k -n e2e apply --server-side --force-conflicts --field-manager=other -f - <<<"${SSA/\"1\"/\"2\"}"
expect_eq "forced value"      '2'        k -n e2e get cm ssa -o jsonpath='{.data.a}'
expect "dry run"              'created \(server dry run\)' k -n e2e create cm dry --from-literal=a=b --dry-run=server
expect_fail "dry run stored nothing" 'NotFound' k -n e2e get cm dry
summary
