#!/usr/bin/env bash
# The 401/403 matrix of a secure cluster from scripts/up: each identity (the admin, the
# scheduler, the controller-manager, a node's kubelet, a user of the CA without bindings,
# anonymous, a certificate of another CA) against each kind of request, over HTTPS with curl,
# each answer's code checked against Kubernetes' rules (RBAC bootstrap roles, the Node
# authorizer, NodeRestriction). A denial is 403 with Kubernetes' message; bad credentials 401.
. "$(dirname "$0")/lib.sh"
root=${PK_SOURCE_DIR:?}
export PK_BUILD_DIR=$(dirname "${PK_BIN_DIR:?}")
D="$E2E_DIR/c"
trap '"$root/scripts/down" --data-dir "$D" >/dev/null 2>&1; e2e_cleanup' EXIT
export KUBECONFIG="$D/kubeconfig"
P="$D/pki"
timeout 120 "$root/scripts/up" --no-build --data-dir "$D" --nodes 2 >"$E2E_DIR/up.txt" 2>&1 ||
  { cat "$E2E_DIR/up.txt"; echo "FAIL the cluster did not start"; exit 1; }
port=$(sed -n 's/^port //p' "$D/up.conf")
k run victim --image=nginx >/dev/null
k wait --for=jsonpath='{.spec.nodeName}'=node-0 pod/victim --timeout=30s >/dev/null 2>&1 ||
  k wait --for=condition=PodScheduled pod/victim --timeout=30s >/dev/null
victim_node=$(k get pod victim -o jsonpath='{.spec.nodeName}')
other_node=$([ "$victim_node" = node-0 ] && echo node-1 || echo node-0)

openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -keyout "$E2E_DIR/jane.key" \
  -out "$E2E_DIR/jane.crt" -days 1 -subj "/CN=jane" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
  -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=clientAuth 2>/dev/null
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -keyout "$E2E_DIR/evil.key" \
  -out "$E2E_DIR/evil.crt" -days 1 -subj "/CN=kubernetes-admin/O=system:masters" 2>/dev/null

# The credentials of an identity, as curl arguments.
creds() {
  case "$1" in
    admin|scheduler|controller-manager) echo "--cert $P/$1.crt --key $P/$1.key" ;;
    kubelet-own) echo "--cert $P/node-$victim_node.crt --key $P/node-$victim_node.key" ;;
    kubelet-other) echo "--cert $P/node-$other_node.crt --key $P/node-$other_node.key" ;;
    jane|evil) echo "--cert $E2E_DIR/$1.crt --key $E2E_DIR/$1.key" ;;
    anonymous) echo "" ;;
  esac
}
pod='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"m-NAME"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}'
# request NAME -> METHOD PATH [BODY]
request() {
  case "$1" in
    readyz)         echo "GET /readyz" ;;
    list-pods)      echo "GET /api/v1/namespaces/default/pods" ;;
    list-nodes)     echo "GET /api/v1/nodes" ;;
    get-victim)     echo "GET /api/v1/namespaces/default/pods/victim" ;;
    create-pod)     echo "POST /api/v1/namespaces/default/pods" ;;
    label-node)     echo "PATCH /api/v1/nodes/$victim_node" ;;
    list-secrets)   echo "GET /api/v1/namespaces/kube-system/secrets" ;;
    create-binding) echo "POST /api/v1/namespaces/default/pods/victim/binding" ;;
  esac
}
code_of() {  # identity request
  local who=$1 what=$2 method path body="" ctype=application/json
  read -r method path <<<"$(request "$what")"
  case "$what" in
    create-pod) body=${pod/NAME/$who} ;;
    label-node) body='{"metadata":{"labels":{"matrix":"'"$who"'"}}}'; ctype=application/merge-patch+json ;;
    create-binding) body='{"apiVersion":"v1","kind":"Binding","metadata":{"name":"victim"},"target":{"kind":"Node","name":"'"$victim_node"'"}}' ;;
  esac
  # shellcheck disable=SC2046
  curl -sS -o "$E2E_DIR/body" -w '%{http_code}' --cacert "$P/ca.crt" $(creds "$who") -X "$method" \
    ${body:+-H "Content-Type: $ctype" -d "$body"} "https://127.0.0.1:$port$path"
}

requests=(readyz list-pods list-nodes get-victim create-pod label-node list-secrets create-binding)
# The codes Kubernetes gives, one row per identity in the order of `requests`. 409: allowed,
# the pod is already bound. kubelet-own is the kubelet of the victim pod's node.
declare -A want=(
  [admin]="200 200 200 200 201 200 200 409"
  [scheduler]="200 200 200 200 403 403 403 409"
  [controller-manager]="200 200 200 200 201 200 200 409"
  [kubelet-own]="200 403 403 200 403 200 403 403"
  [kubelet-other]="200 403 403 403 403 403 403 403"
  [jane]="200 403 403 403 403 403 403 403"
  [anonymous]="200 403 403 403 403 403 403 403"
  [evil]="401 401 401 401 401 401 401 401"
)
printf '%-20s' identity; printf ' %-14s' "${requests[@]}"; echo
for who in admin scheduler controller-manager kubelet-own kubelet-other jane anonymous evil; do
  read -r -a expected <<<"${want[$who]}"
  got=(); for i in "${!requests[@]}"; do
    got+=("$(code_of "$who" "${requests[$i]}")")
    if [ "${got[$i]}" = "${expected[$i]}" ]; then pass "$who ${requests[$i]}: ${got[$i]}"
    else fail "$who ${requests[$i]}: wanted ${expected[$i]}, got ${got[$i]}" "$(head -c 400 "$E2E_DIR/body")"; fi
  done
  printf '%-20s' "$who"; printf ' %-14s' "${got[@]}"; echo
done

# The words of the denials.
expect "a 403 names the user, verb and resource" \
  'pods is forbidden: User \\"jane\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"default\\"' \
  curl -sS --cacert "$P/ca.crt" $(creds jane) "https://127.0.0.1:$port/api/v1/namespaces/default/pods"
expect "the Node authorizer's reason for another node's pod" \
  "pods \\\\\"victim\\\\\" is forbidden: User \\\\\"system:node:$other_node\\\\\" cannot get resource \\\\\"pods\\\\\" in API group \\\\\"\\\\\" in the namespace \\\\\"default\\\\\": no relationship found between node '$other_node' and this object" \
  curl -sS --cacert "$P/ca.crt" $(creds kubelet-other) "https://127.0.0.1:$port/api/v1/namespaces/default/pods/victim"
expect "NodeRestriction: a kubelet creates only mirror pods" \
  "pod does not have \\\\\"kubernetes.io/config.mirror\\\\\" annotation, node \\\\\"$victim_node\\\\\" can only create mirror pods" \
  curl -sS --cacert "$P/ca.crt" $(creds kubelet-own) -X POST -H 'Content-Type: application/json' \
  -d "${pod/NAME/x}" "https://127.0.0.1:$port/api/v1/namespaces/default/pods"

# Escalation: an admin of one namespace may grant there what it holds, and nothing more.
kj() { k --client-certificate "$E2E_DIR/jane.crt" --client-key "$E2E_DIR/jane.key" "$@"; }
k create rolebinding jane-admin --clusterrole=admin --user=jane >/dev/null
expect "a namespace admin grants view (rules it holds)" 'rolebinding.rbac.authorization.k8s.io/bob-view created' \
  kj create rolebinding bob-view --clusterrole=view --user=bob
expect_fail "but not cluster-admin: escalation is refused" \
  'rolebindings.rbac.authorization.k8s.io "esc" is forbidden: user "jane" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held' \
  kj create rolebinding esc --clusterrole=cluster-admin --user=jane
expect_fail "nor a Role with rules it lacks" \
  'roles.rbac.authorization.k8s.io "nodes-reader" is forbidden: user "jane" .* is attempting to grant RBAC permissions not currently held' \
  kj create role nodes-reader --verb=get --resource=nodes
expect "401 is Kubernetes' Status"  '"message":"Unauthorized","reason":"Unauthorized","code":401' \
  curl -sS --cacert "$P/ca.crt" $(creds evil) "https://127.0.0.1:$port/api/v1/nodes"
summary
