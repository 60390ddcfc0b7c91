#!/usr/bin/env bash
# Authentication and authorization: a static token file names users; a wrong or missing
# token is 401 in Kubernetes' words (kubectl's own message included); RBAC denies with
# Kubernetes' 403 message until a RoleBinding allows; impersonation is itself authorized.
# kubectl sends bearer tokens only over TLS, so the token checks speak HTTP directly until the
# apiserver serves HTTPS.
. "$(dirname "$0")/lib.sh"
cat >"$E2E_DIR/tokens.csv" <<'CSV'
admin-token,admin,1,system:masters
dev-token,jane,2,"dev,ops"
CSV
start_apiserver --token-auth-file "$E2E_DIR/tokens.csv" --anonymous-auth=false \
  --authorization-mode=Node,RBAC
api() { curl -s "http://127.0.0.1:$PORT$1" "${@:2}"; }

expect "a token authenticates"      '"kind":"ServiceList"' api /api/v1/namespaces/default/services -H 'Authorization: Bearer admin-token'
expect "RBAC denies jane"           'pods is forbidden: User \\"jane\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"default\\"' \
  api /api/v1/namespaces/default/pods -H 'Authorization: Bearer dev-token'
expect "the denial is a 403 Status" '"reason":"Forbidden".*"code":403' \
  api /api/v1/namespaces/default/pods -H 'Authorization: Bearer dev-token'
expect "admin binds view to jane"   '"kind":"RoleBinding"' \
  api /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings -X POST \
  -H 'Authorization: Bearer admin-token' -H 'Content-Type: application/json' \
  -d '{"metadata":{"name":"jane-view"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"jane"}]}'
expect "then jane may list pods"    '"kind":"PodList"' \
  api /api/v1/namespaces/default/pods -H 'Authorization: Bearer dev-token'
expect "but not secrets (view)"     'secrets is forbidden: User \\"jane\\" cannot list resource \\"secrets\\"' \
  api /api/v1/namespaces/default/secrets -H 'Authorization: Bearer dev-token'
expect "jane may not impersonate"   'users \\"root\\" is forbidden: User \\"jane\\" cannot impersonate resource \\"users\\" in API group \\"\\" at the cluster scope' \
  api /api/v1/namespaces/default/pods -H 'Authorization: Bearer dev-token' -H 'Impersonate-User: root'
expect "an admin impersonating jane is jane" 'secrets is forbidden: User \\"jane\\"' \
  api /api/v1/namespaces/default/secrets -H 'Authorization: Bearer admin-token' -H 'Impersonate-User: jane'
expect "a wrong token is a 401 Status" '"message":"Unauthorized","reason":"Unauthorized","code":401' \
  api /api/v1/pods -H 'Authorization: Bearer nope'
expect "no token is 401 when anonymous is off" '"code":401' api /api/v1/pods
expect_fail "kubectl says it must log in" 'error: You must be logged in to the server' k get pods
expect "a group without a user is refused" 'requested impersonation of groups or a uid without impersonating a user' \
  api /api/v1/pods -H 'Authorization: Bearer admin-token' -H 'Impersonate-Group: dev'
summary
