#!/usr/bin/env bash
# fake-cri and fake-cri-ctl as processes: serve, inject faults, dump, reboot, stop on SIGTERM.
set -euo pipefail
bin="${PK_BIN_DIR:?}"
dir=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$dir/log" >&2 || true; exit 1; }

"$bin/fake-cri" --socket "$dir/cri.sock" --time-scale 0.01 --state-dir "$dir/state" 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do [ -S "$dir/cri.sock" ] && break; sleep 0.05; done
[ -S "$dir/cri.sock" ] || fail "no socket after 5s"
ctl() { "$bin/fake-cri-ctl" --socket "$dir/cri.sock" "$@"; }

[ -z "$(ctl dump)" ] || fail "dump of an empty runtime is not empty"
ctl fail-pulls 2 --image nginx || fail "fail-pulls"
ctl latency PullImage 50 || fail "latency"
ctl latency all 0 || fail "latency all"
[ "$(ctl reboot)" = "rebooted: 0 containers lost" ] || fail "reboot"
out=$(ctl kill nosuch 2>&1) && fail "kill of an unknown container succeeded"
[[ "$out" == *'no running container "nosuch"'* ]] || fail "kill message: $out"
ctl fail-pulls -1 2>/dev/null && fail "a negative count was accepted"
"$bin/fake-cri" --socket "$dir/other.sock" --catalog "$dir/missing.yaml" 2>"$dir/err" &&
  fail "a missing catalog was accepted"
grep -q "cannot read image catalog" "$dir/err" || fail "catalog error: $(cat "$dir/err")"

kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && fail "still running 5s after SIGTERM"
wait "$pid" || fail "exit status $? after SIGTERM"
pid=""
grep -q "stopping on signal 15" "$dir/log" || fail "no stop line"
echo PASS
