#!/usr/bin/env bash
# Malformed and hostile requests get a Status with the right code and never hurt the server:
# oversized bodies, bad JSON and YAML, unknown media types, paths and methods.
. "$(dirname "$0")/../e2e/lib.sh"
start_apiserver
base="http://127.0.0.1:$PORT"
ns="$base/api/v1/namespaces/default/configmaps"
# code_of METHOD URL [CONTENT-TYPE] [BODY-FILE]: prints "HTTP-CODE BODY".
code_of() {
  local args=(-sS -o "$E2E_DIR/body" -w '%{http_code}' -X "$1" "$2")
  [ -n "${3:-}" ] && args+=(-H "Content-Type: $3")
  [ -n "${4:-}" ] && args+=(--data-binary "@$4")
  echo "$(curl "${args[@]}") $(cat "$E2E_DIR/body")"
}
head -c $((3 * 1024 * 1024 + 10)) /dev/zero | tr '\0' 'a' >"$E2E_DIR/big"
expect "413 for a body over 3 MiB" '^413 .*RequestEntityTooLarge' code_of POST "$ns" application/json "$E2E_DIR/big"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"' >"$E2E_DIR/truncated"
expect "400 for truncated JSON"    '^400 .*(unexpected end|offset|position|column).*BadRequest' code_of POST "$ns" application/json "$E2E_DIR/truncated"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n' >"$E2E_DIR/bad.yaml"
expect "400 for bad YAML"          '^400 .*line [0-9]+.*BadRequest' code_of POST "$ns" application/yaml "$E2E_DIR/bad.yaml"
printf '[1,2,3]' >"$E2E_DIR/array"
expect "400 for a non-object"      '^400 .*BadRequest' code_of POST "$ns" application/json "$E2E_DIR/array"
printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}' >"$E2E_DIR/wrongkind"
expect "400 for the wrong kind"    '^400 .*BadRequest' code_of POST "$ns" application/json "$E2E_DIR/wrongkind"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}' >"$E2E_DIR/otherns"
expect "400 for another namespace" '^400 .*does not match the namespace' code_of POST "$ns" application/json "$E2E_DIR/otherns"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":1}}' >"$E2E_DIR/badtype"
expect "400 for a wrong field type" '^400 .*cannot unmarshal' code_of POST "$ns" application/json "$E2E_DIR/badtype"
expect "415 for an unknown body type" '^415 .*UnsupportedMediaType' code_of POST "$ns" application/x-unknown "$E2E_DIR/badtype"
printf '{}' >"$E2E_DIR/empty"
expect "415 for an unknown patch type" '^415' code_of PATCH "$ns/x" text/plain "$E2E_DIR/empty"
expect "404 for an unknown resource" '^404 .*NotFound' code_of GET "$base/api/v1/bogus"
expect "404 for a subresource the resource lacks" '^404' code_of PUT "$ns/x/scale" application/json "$E2E_DIR/empty"
expect "404 for an unknown group"    '^404' code_of GET "$base/apis/bogus.io/v1"
expect "405 for a POST to a name"    '^405 .*MethodNotAllowed' code_of POST "$ns/x" application/json "$E2E_DIR/empty"
expect "406 for an unknown Accept"   '^406' curl -sS -w '%{http_code} ' -o /dev/null -H 'Accept: application/vnd.kubernetes.protobuf' "$ns" 
expect "400 for a bad selector"      '^400 .*BadRequest' code_of GET "$ns?labelSelector=a%20in%20("
expect "400 for a bad resourceVersion" '^400' code_of GET "$ns?resourceVersion=abc"
expect "400 for a bad dryRun"        '^400' code_of POST "$ns?dryRun=Some" application/json "$E2E_DIR/otherns"
expect "422 with causes"             '^422 .*"causes"' bash -c "printf '{\"metadata\":{\"name\":\"UPPER\"}}' >'$E2E_DIR/upper'; curl -sS -w '%{http_code} ' -o '$E2E_DIR/b2' -X POST -H 'Content-Type: application/json' --data-binary @'$E2E_DIR/upper' '$ns'; cat '$E2E_DIR/b2'"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}' >"$E2E_DIR/named-b"
expect "400 for an apply that renames" '^400 .*does not match the name on the URL' code_of PATCH "$ns/a?fieldManager=t" application/apply-patch+yaml "$E2E_DIR/named-b"
printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ghost"},"status":{"phase":"Running"}}' >"$E2E_DIR/ghost"
expect "404 for a status write of a missing pod" '^404' code_of PATCH "$base/api/v1/namespaces/default/pods/ghost/status?fieldManager=t" application/apply-patch+yaml "$E2E_DIR/ghost"
expect "400 for a name that is no path segment" '^400 .*may not contain' code_of GET "$ns/a%25b"
expect_eq "HEAD has no body"         '200 0' curl -sS -I -o /dev/null -w '%{http_code} %{size_download}' "$base/api/v1/namespaces"
# Raw garbage on the socket.
printf 'GET /api HTTP/1.1\r\nthis header has no colon\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; cat >&3; cat <&3" >"$E2E_DIR/raw" 2>&1
expect "garbage is a 400"            '^HTTP/1.1 400' cat "$E2E_DIR/raw"
expect "still serving"               '^ok$' curl -sS "$base/readyz"
expect_eq "nothing was stored"       '{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"RV"},"items":[]}' bash -c "curl -sS '$ns' | sed -E 's/\"resourceVersion\":\"[0-9]+\"/\"resourceVersion\":\"RV\"/'"
summary
