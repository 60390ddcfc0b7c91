#!/usr/bin/env bash
# The real kubectl talks to the apiserver: version and raw health endpoints.
set -euo pipefail
bin=${PK_BIN_DIR:?}
dir=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin/apiserver" --data-dir "$dir" --port 0 --port-file "$dir/port" 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
[ -s "$dir/port" ] || { cat "$dir/log"; echo "FAIL: apiserver did not start"; exit 1; }
k() { timeout 30 kubectl --cache-dir "$dir/cache" --server "http://127.0.0.1:$(cat "$dir/port")" "$@"; }
out=$(k version -o json)
echo "$out" | grep -q '"gitVersion": "v1.32.0"' || { echo "FAIL: kubectl version: $out"; exit 1; }
[ "$(k get --raw /livez)" = ok ] || { echo "FAIL: kubectl get --raw /livez"; exit 1; }
echo "1 passed, 0 failed"
