#!/usr/bin/env bash
# The apiserver as a process: starts on a free loopback port, answers its health and version
# endpoints, survives kill -9 and restarts on the same data directory.
set -euo pipefail
bin=${PK_BIN_DIR:?}
dir=$(mktemp -d); trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

start() {
  rm -f "$dir/port"
  "$bin/apiserver" --data-dir "$dir" --port 0 --port-file "$dir/port" 2>>"$dir/log" &
  pid=$!
  for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
  [ -s "$dir/port" ] || { cat "$dir/log"; fail "apiserver did not start"; }
  port=$(cat "$dir/port")
}

start
[ "$(curl -fsS "http://127.0.0.1:$port/healthz")" = ok ] || fail "/healthz"
curl -fsS "http://127.0.0.1:$port/version" | grep -q '"gitVersion":"v1.32.0"' || fail "/version"
code=$(curl -s -o "$dir/body" -w '%{http_code}' "http://127.0.0.1:$port/nope")
[ "$code" = 404 ] || fail "unknown path gave $code"
grep -q '"reason":"NotFound"' "$dir/body" || fail "404 body is not a Status: $(cat "$dir/body")"

kill -9 $pid; wait $pid 2>/dev/null || true
start
[ "$(curl -fsS "http://127.0.0.1:$port/readyz")" = ok ] || fail "/readyz after kill -9 and restart"
kill -TERM $pid; wait $pid || fail "apiserver did not exit cleanly on SIGTERM"
echo "1 passed, 0 failed"
