#!/usr/bin/env bash
# Discovery, OpenAPI and the read-only commands built on them: api-resources, explain,
# describe, get --raw, version; the bootstrap objects.
. "$(dirname "$0")/lib.sh"
start_apiserver
out=$(k api-resources 2>&1)
for r in pods nodes namespaces events configmaps secrets services serviceaccounts endpoints \
         deployments replicasets daemonsets statefulsets jobs leases roles rolebindings \
         clusterroles clusterrolebindings priorityclasses mutatingwebhookconfigurations \
         validatingwebhookconfigurations; do
  if printf '%s' "$out" | grep -Eq "^$r[[:space:]]"; then pass "api-resources lists $r"
  else fail "api-resources lists $r" "$out"; fi
done
expect "short names"          '^pods +po +v1 +true +Pod'       k api-resources --api-group=''
expect "api-versions"         'apps/v1'                        k api-versions
expect "explain field"        'restartPolicy'                  k explain pod.spec.restartPolicy
expect "explain kind"         'KIND: +Deployment'              k explain deployments
expect "openapi v2"           '"swagger":"2.0"'                k get --raw /openapi/v2
expect "openapi v3 index"     '"api/v1"'                       k get --raw /openapi/v3
expect "raw version"          '"gitVersion":"v1.32.0"'         k get --raw /version
expect "raw readyz"           '^ok$'                           k get --raw /readyz
expect "raw list"             '"kind":"NamespaceList"'         k get --raw /api/v1/namespaces
expect "bootstrap namespaces" 'default.*Active'                k get ns default
expect_eq "system namespaces" 'default kube-node-lease kube-public kube-system' k get ns -o jsonpath='{.items[*].metadata.name}'
expect "kubernetes service"   'kubernetes +ClusterIP +10.96.0.1' k -n default get svc
expect "run for describe"     'pod/d created'                  k run d --image=nginx --overrides='{"apiVersion":"v1","spec":{"schedulerName":"e2e-none"}}'
expect "describe"             'Name: +d'                       k describe pod d
expect "describe events"      'Events:'                        k describe pod d
expect "secret"               'secret/s created'               k create secret generic s --from-literal=k=v
expect_eq "secret data"       'dg=='                           k get secret s -o jsonpath='{.data.k}'
expect_eq "auth can-i"         'yes'                            k auth can-i create pods
expect "cluster-info"         'Kubernetes control plane'       k cluster-info
summary
