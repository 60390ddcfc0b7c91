#!/usr/bin/env bash
# A kubelet's writes under --authorization-mode=Node,RBAC with NodeRestriction enabled: node
# n1 (user system:node:n1 in group system:nodes) updates its own Node and the status of the
# pods bound to it, and nothing of node n2's; it may not give itself node-restriction labels
# nor create pods other than its mirror pods. Tokens over HTTP with curl, as
# kubectl_auth_test.sh (kubectl sends tokens only over TLS).
. "$(dirname "$0")/lib.sh"
cat >"$E2E_DIR/tokens.csv" <<'CSV'
admin-token,admin,1,system:masters
n1-token,system:node:n1,n1,system:nodes
CSV
start_apiserver --token-auth-file "$E2E_DIR/tokens.csv" --anonymous-auth=false \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction
# api TOKEN METHOD PATH [BODY]: the response body; merge patches for PATCH.
api() {
  local type=application/json
  [ "$2" = PATCH ] && type=application/merge-patch+json
  curl -s -X "$2" "http://127.0.0.1:$PORT$3" -H "Authorization: Bearer $1" \
    -H "Content-Type: $type" ${4:+-d "$4"}
}
admin() { api admin-token "$@"; }
n1() { api n1-token "$@"; }

for n in n1 n2; do admin POST /api/v1/nodes "{\"metadata\":{\"name\":\"$n\"}}" >/dev/null; done
for n in n1 n2; do
  admin POST /api/v1/namespaces/default/pods \
    "{\"metadata\":{\"name\":\"p-$n\"},\"spec\":{\"nodeName\":\"$n\",\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}" >/dev/null
done

expect "n1 updates its own Node" '"kind":"Node".*"example.com/pool":"a"' \
  n1 PATCH /api/v1/nodes/n1 '{"metadata":{"labels":{"example.com/pool":"a"}}}'
expect "n1 updates its own Node's status" '"kind":"Node"' \
  n1 PATCH /api/v1/nodes/n1/status '{"status":{"capacity":{"pods":"110"}}}'
expect "n1 may not modify node n2" 'node \\"n1\\" is not allowed to modify node \\"n2\\"".*"code":403' \
  n1 PATCH /api/v1/nodes/n2 '{"metadata":{"labels":{"example.com/pool":"a"}}}'
expect "n1 may not give itself a node-restriction label" \
  '"message":"nodes \\"n1\\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool".*"code":403' \
  n1 PATCH /api/v1/nodes/n1 '{"metadata":{"labels":{"node-restriction.kubernetes.io/pool":"gold"}}}'
expect "n1 may not change its own taints" \
  '"message":"nodes \\"n1\\" is forbidden: node \\"n1\\" is not allowed to modify taints"' \
  n1 PATCH /api/v1/nodes/n1 '{"spec":{"taints":[{"key":"k","effect":"NoSchedule"}]}}'
expect "n1 updates the status of its own pod" '"kind":"Pod".*"phase":"Running"' \
  n1 PATCH /api/v1/namespaces/default/pods/p-n1/status '{"status":{"phase":"Running"}}'
expect "n1 may not update the status of a pod bound to n2" \
  'node \\"n1\\" can only update pod status for pods with spec.nodeName set to itself".*"code":403' \
  n1 PATCH /api/v1/namespaces/default/pods/p-n2/status '{"status":{"phase":"Running"}}'
expect "n1 may not delete a pod bound to n2" \
  'node \\"n1\\" can only delete pods with spec.nodeName set to itself".*"code":403' \
  n1 DELETE /api/v1/namespaces/default/pods/p-n2
expect "n1 creates only mirror pods" \
  '"message":"pods \\"q\\" is forbidden: pod does not have \\"kubernetes.io/config.mirror\\" annotation, node \\"n1\\" can only create mirror pods"' \
  n1 POST /api/v1/namespaces/default/pods '{"metadata":{"name":"q"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}'
expect "the admin still modifies any node" '"kind":"Node".*"node-restriction.kubernetes.io/pool":"gold"' \
  admin PATCH /api/v1/nodes/n2 '{"metadata":{"labels":{"node-restriction.kubernetes.io/pool":"gold"}}}'
summary
