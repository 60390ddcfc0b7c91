#!/usr/bin/env bash
# Pod admission with the real kubectl: PodSecurity's enforce refuses `kubectl run` in a
# restricted namespace with Kubernetes' message and admits a compliant pod; its warn mode
# prints `Warning:` lines; tightening a namespace's label warns of its existing pods; every
# pod gets DefaultTolerationSeconds' two tolerations (the flags set their seconds); an unknown
# plugin name stops the apiserver with kube-apiserver's message.
. "$(dirname "$0")/lib.sh"

out=$("$PK_BIN_DIR/apiserver" --data-dir "$E2E_DIR/bad" --enable-admission-plugins=NodeRestriction,Bogus 2>&1)
rc=$?
if [ $rc -ne 0 ] && [ "$out" = 'Error: enable-admission-plugins plugin "Bogus" is unknown' ]; then
  pass "an unknown admission plugin fails start-up"
else fail "an unknown admission plugin fails start-up" "rc=$rc: $out"; fi

start_apiserver --default-unreachable-toleration-seconds=200

restricted='allowPrivilegeEscalation != false \(container "x" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "x" must set securityContext.capabilities.drop=\["ALL"\]\), runAsNonRoot != true \(pod or container "x" must set securityContext.runAsNonRoot=true\), seccompProfile \(pod or container "x" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"\)'

k create namespace r >/dev/null && k create namespace w >/dev/null
expect "kubectl labels a namespace enforce=restricted" 'namespace/r labeled' \
  k label namespace r pod-security.kubernetes.io/enforce=restricted
expect_fail "kubectl run is refused with Kubernetes' message" \
  "^Error from server \(Forbidden\): pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": $restricted\$" \
  k run x --image=nginx -n r
cat >"$E2E_DIR/compliant.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: r}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: nginx
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
YAML
expect_eq "a compliant pod is admitted without warnings" "pod/ok created" k apply -f "$E2E_DIR/compliant.yaml"

expect "kubectl labels a namespace warn=restricted" 'namespace/w labeled' \
  k label namespace w pod-security.kubernetes.io/warn=restricted
expect "warn admits with a Warning: line" \
  "^Warning: would violate PodSecurity \"restricted:latest\": $restricted
pod/x created\$" k run x --image=nginx -n w
expect "a deployment in an enforcing namespace warns of its template" \
  '^Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "nginx"' \
  k create deployment d --image=nginx -n r
expect "tightening enforce warns of the existing pods" \
  "^Warning: existing pods in namespace \"w\" violate the new PodSecurity enforce level \"restricted:latest\"
Warning: x: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile
namespace/w labeled\$" k label namespace w pod-security.kubernetes.io/enforce=restricted

expect_eq "a pod gets the two default tolerations" \
  "node.kubernetes.io/not-ready:NoExecute:Exists:300 node.kubernetes.io/unreachable:NoExecute:Exists:200 " \
  k get pod x -n w -o jsonpath='{range .spec.tolerations[*]}{.key}:{.effect}:{.operator}:{.tolerationSeconds} {end}'
k run t --image=nginx -n default --overrides='{"spec":{"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":10}]}}' >/dev/null
expect_eq "a pod's own toleration of a taint is kept" \
  "node.kubernetes.io/not-ready:NoExecute:Exists:10 node.kubernetes.io/unreachable:NoExecute:Exists:200 " \
  k get pod t -o jsonpath='{range .spec.tolerations[*]}{.key}:{.effect}:{.operator}:{.tolerationSeconds} {end}'
summary
