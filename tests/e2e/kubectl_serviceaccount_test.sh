#!/usr/bin/env bash
# Service account tokens with the real kubectl: `kubectl create token` hands out a JWT that
# authenticates as system:serviceaccount:NS:NAME (SelfSubjectReview, TokenReview, `kubectl auth
# whoami`), refusals in Kubernetes' words, tokens of a deleted account are 401, a pod gets the
# projected kube-api-access volume, and after a restart with RBAC (same data directory, so the
# same signing key) the account's token is denied by name.
# kubectl sends bearer tokens only over TLS, so the tokens are used with curl over HTTP.
. "$(dirname "$0")/lib.sh"
export E2E_SERVICE_ACCOUNTS=1  # the plugin under test
start_apiserver
api() { curl -s "http://127.0.0.1:$PORT$1" "${@:2}"; }
as() { local token=$1; shift; api "$@" -H "Authorization: Bearer $token"; }
post() { api "$1" -X POST -H 'Content-Type: application/json' -d "$2" "${@:3}"; }

expect "create a service account"  'serviceaccount/bot created' k create serviceaccount bot
k create serviceaccount bot2 >/dev/null
TOKEN=$(k create token bot 2>&1)
BOT2=$(k create token bot2 --duration=2h 2>&1)
expect "kubectl create token prints a JWT" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' echo "$TOKEN"
expect "the token lists pods"      '"kind":"PodList"' as "$TOKEN" /api/v1/namespaces/default/pods
expect "SelfSubjectReview names the account" \
  '"userInfo":\{"username":"system:serviceaccount:default:bot","uid":"[0-9a-f-]{36}","groups":\["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"\]' \
  as "$TOKEN" /apis/authentication.k8s.io/v1/selfsubjectreviews -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
expect "TokenReview authenticates it" \
  '"status":\{"authenticated":true,"user":\{"username":"system:serviceaccount:default:bot"' \
  post /apis/authentication.k8s.io/v1/tokenreviews "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"$TOKEN\"}}"
expect "TokenReview of garbage"    '"authenticated":false|"error":"invalid bearer token"' \
  post /apis/authentication.k8s.io/v1/tokenreviews '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"a.b.c"}}'
expect "kubectl auth whoami (anonymous)" 'Username +system:anonymous' k auth whoami
expect "api-resources lists tokenreviews" '^tokenreviews +authentication.k8s.io/v1 +false +TokenReview' k api-resources
expect "another audience is not the API's" '"code":401' \
  as "$(k create token bot --audience=vault)" /api/v1/namespaces/default/pods
expect_fail "no such account"       'serviceaccounts "nobody" not found' k create token nobody
expect_fail "too short"             'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes' \
  k create token bot --duration=1m

NOSCHED='{"apiVersion":"v1","spec":{"schedulerName":"e2e-none"}}'
k run web --image=nginx --overrides="$NOSCHED" >/dev/null
expect "the pod runs as default"    '^default kube-api-access-[a-z0-9]{5}$' \
  k get pod web -o jsonpath='{.spec.serviceAccountName} {.spec.volumes[0].name}'
expect_eq "its projected sources"   '3607 token kube-root-ca.crt metadata.namespace' \
  k get pod web -o jsonpath='{.spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds} {.spec.volumes[0].projected.sources[0].serviceAccountToken.path} {.spec.volumes[0].projected.sources[1].configMap.name} {.spec.volumes[0].projected.sources[2].downwardAPI.items[0].fieldRef.fieldPath}'
expect_eq "mounted read-only"       '/var/run/secrets/kubernetes.io/serviceaccount true' \
  k get pod web -o jsonpath='{.spec.containers[0].volumeMounts[0].mountPath} {.spec.containers[0].volumeMounts[0].readOnly}'
UID_WEB=$(k get pod web -o jsonpath='{.metadata.uid}')
expect_fail "bound to a pod of another account" 'cannot bind token for serviceaccount "bot" to pod running with different serviceaccount name' \
  k create token bot --bound-object-kind=Pod --bound-object-name=web --bound-object-uid="$UID_WEB"
POD_TOKEN=$(k create token default --bound-object-kind=Pod --bound-object-name=web --bound-object-uid="$UID_WEB")
expect "a pod-bound token names the pod" '"authentication.kubernetes.io/pod-name":\["web"\]' \
  as "$POD_TOKEN" /apis/authentication.k8s.io/v1/selfsubjectreviews -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
k delete pod web --grace-period=0 --force >/dev/null 2>&1
expect "the pod gone, its token is 401" '"code":401' as "$POD_TOKEN" /api/v1/namespaces/default/pods
expect_fail "no default account: refused" 'pods "p" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found' \
  k run p --image=nginx --overrides='{"apiVersion":"v1","spec":{"serviceAccountName":"ghost"}}'

k delete serviceaccount bot >/dev/null
expect "a deleted account's token is 401" '"message":"Unauthorized","reason":"Unauthorized","code":401' \
  as "$TOKEN" /api/v1/namespaces/default/pods

# The same data directory with RBAC: the key made at the first start still verifies bot2's
# token, and RBAC names the account in its denial.
kill "$APISERVER_PID"; wait "$APISERVER_PID" 2>/dev/null; rm -f "$E2E_DIR/port"
start_apiserver --authorization-mode=Node,RBAC
expect "RBAC denies the account by name" \
  'pods is forbidden: User \\"system:serviceaccount:default:bot2\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"default\\"' \
  as "$BOT2" /api/v1/namespaces/default/pods
summary
