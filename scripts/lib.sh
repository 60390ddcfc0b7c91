# Shared by scripts/up and scripts/down: where a cluster lives and how its processes are tracked.
# A cluster is a data directory: DIR/store (RocksDB), DIR/logs/NAME.log, DIR/pids/NAME.pid,
# DIR/kubeconfig.

pk_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The binaries a cluster runs; picokube launches the others.
pk_components="picokube apiserver scheduler controller-manager kubelet fake-cri fake-cri-ctl"

# pk_running NAME DIR: true when DIR's process NAME is alive.
pk_running() {
  local pidfile="$2/pids/$1.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# pk_stop NAME DIR: stops DIR's process NAME (TERM, then KILL after 5 s).
pk_stop() {
  local pidfile="$2/pids/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# pk_elapsed START_NS: milliseconds since START_NS (from date +%s%N).
pk_elapsed() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
