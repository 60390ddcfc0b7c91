#!/usr/bin/env bash
# Runs one script of ../shared/acceptance against a cluster started with scripts/up, then
# stops it. Skipped (exit 77) when the shared folder is absent: a fresh clone passes alone.
# Usage: tests/acceptance/run.sh kubectl-api.sh | python-client.py
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
script="$root/../shared/acceptance/$1"
[ -f "$script" ] || { echo "SKIP: $script is not there"; exit 77; }
dir=$(mktemp -d)
trap '"$root/scripts/down" --data-dir "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
"$root/scripts/up" --data-dir "$dir" >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
export KUBECONFIG="$dir/kubeconfig"
case "$1" in
  *.py) /usr/bin/python3 "$script" ;;
  *) bash "$script" ;;
esac
rc=$?
[ $rc -eq 0 ] || { echo "--- apiserver log (tail)"; tail -40 "$dir/logs/apiserver.log"; }
exit $rc
