#!/usr/bin/env bash
# Authentication: a static token file names users; a wrong or missing token is 401 in
# Kubernetes' words (kubectl's own message included); impersonation headers switch the user.
# kubectl sends bearer tokens only over TLS, so the token checks speak HTTP directly until the
# apiserver serves HTTPS.
. "$(dirname "$0")/lib.sh"
cat >"$E2E_DIR/tokens.csv" <<'CSV'
admin-token,admin,1,system:masters
dev-token,jane,2,"dev,ops"
CSV
start_apiserver --token-auth-file "$E2E_DIR/tokens.csv" --anonymous-auth=false
api() { curl -s "http://127.0.0.1:$PORT$1" "${@:2}"; }

expect "a token authenticates"      '"kind":"ServiceList"' api /api/v1/namespaces/default/services -H 'Authorization: Bearer admin-token'
expect "another user's token"       '"kind":"PodList"'     api /api/v1/pods -H 'Authorization: Bearer dev-token'
expect "a wrong token is a 401 Status" '"message":"Unauthorized","reason":"Unauthorized","code":401' \
  api /api/v1/pods -H 'Authorization: Bearer nope'
expect "no token is 401 when anonymous is off" '"code":401' api /api/v1/pods
expect_fail "kubectl says it must log in" 'error: You must be logged in to the server' k get pods
expect "impersonation headers"      '"kind":"PodList"' \
  api /api/v1/pods -H 'Authorization: Bearer admin-token' -H 'Impersonate-User: jane' -H 'Impersonate-Group: dev'
expect "a group without a user is refused" 'requested impersonation of groups or a uid without impersonating a user' \
  api /api/v1/pods -H 'Authorization: Bearer admin-token' -H 'Impersonate-Group: dev'
summary
