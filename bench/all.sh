#!/usr/bin/env bash
# `scripts/bench all [--quick] [--only a,b]`: every benchmark in turn, each against processes
# it launches, then BENCHMARKS.md from the figures they wrote (bench/report.py). Full runs
# rewrite BENCHMARKS.md at the top of the checkout; --quick is a smoke run of each at tiny
# sizes (CI: it checks that every benchmark runs, not its speed) and writes
# build/bench-quick/BENCHMARKS.md. Each benchmark's stdout, stderr and figures stay in the
# results directory (build/bench-all or build/bench-quick). Exits 1 if any benchmark failed.
# PK_BENCH_NO_BUILD=1 skips the build (ctest runs this after building).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${PK_BUILD_DIR:-$root/build}"
quick=false; only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true ;;
    --only) only=",$2,"; shift ;;
    *) echo "usage: scripts/bench all [--quick] [--only NAME,...]" >&2; exit 2 ;;
  esac
  shift
done

# In the order they run: the cheap, single-process ones first.
benches=(codec store etcd api watch startup burst scheduler controllers memory up)

# The flags of each benchmark: full size, or a smoke run.
flags() {
  if [ "$quick" = true ]; then
    case "$1" in
      codec) echo "--iterations=200" ;;
      store) echo "--seconds=1 --rounds=1" ;;
      api) echo "--seconds=0.5 --warmup=0.1" ;;
      watch) echo "--watchers=10 --seconds=1" ;;
      startup) echo "--pods=5 --interval-ms=20" ;;
      *) echo "--quick=true" ;;
    esac
  else
    case "$1" in
      # 150,000 pods do not all run on 2 cores (bench/FINDINGS.md): bound the fill at 10 min.
      memory) echo "--timeout=600" ;;
      *) echo "" ;;  # each benchmark's defaults are its full size
    esac
  fi
}

if [ "$quick" = true ]; then out="$build/bench-quick"; report="$out/BENCHMARKS.md"
else out="$build/bench-all"; report="$root/BENCHMARKS.md"; fi
rm -rf "$out" && mkdir -p "$out"
# The commit the run measures, for the report (rebuilt later, it still names this one).
if commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
  [ -n "$(git -C "$root" status --porcelain)" ] && commit+=" (with local changes)"
  echo "$commit" >"$out/commit"
fi

selected=()
for name in "${benches[@]}"; do
  [ -n "$only" ] && [[ "$only" != *",$name,"* ]] && continue
  [ -f "$root/bench/${name}_bench.cc" ] && selected+=("$name")
done
if [ -z "${PK_BENCH_NO_BUILD:-}" ]; then
  "$root/scripts/build" "${selected[@]/%/_bench}" >&2 || exit 1
fi

for name in "${selected[@]}"; do
  echo "bench all: $name $(flags "$name")" >&2
  start=$(date +%s.%N)
  # shellcheck disable=SC2046  # the flags are words
  "$build/bin/${name}_bench" $(flags "$name") --json="$out/$name.json" \
    >"$out/$name.txt" 2>"$out/$name.log"
  status=$?
  seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  printf '%s\t%s\t%s\n' "$name" "$status" "$seconds" >>"$out/runs.tsv"
  if [ "$status" -ne 0 ]; then
    echo "bench all: $name failed ($status); the end of $out/$name.log:" >&2
    tail -5 "$out/$name.log" >&2
  else
    echo "bench all: $name: $(tail -1 "$out/$name.txt") ($(printf '%.0f' "$seconds") s)" >&2
  fi
done
args=("$out" "$report")
[ "$quick" = true ] && args+=(--quick)
exec /usr/bin/python3 "$root/bench/report.py" "${args[@]}"
