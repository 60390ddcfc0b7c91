#!/usr/bin/python3
"""BENCHMARKS.md from one `scripts/bench all` run: the machine, how to rerun, the table of
goals with the figures each benchmark wrote (--json=FILE), every benchmark's own table, and
the findings (bench/FINDINGS.md). Nothing here is typed in by hand but the goals.

Usage: report.py RESULTS_DIR OUTPUT.md [--quick]
Prints the goals table and a summary line. RESULTS_DIR holds NAME.json, NAME.txt (the benchmark's stdout) and runs.tsv
("NAME<TAB>exit status<TAB>seconds") for each benchmark run.
"""
import datetime
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The goals of the performance issue. Each: what, the goal as text, a function of the
# figures giving (measured text, met: True/False/None), the benchmark(s) it comes from.
def at(figures, bench, key):
    return figures.get(bench, {}).get(key)


def fmt_num(v, unit="", digits=0):
    return "not measured" if v is None else f"{v:,.{digits}f}{unit}"


def upper(bench, key, goal, unit, digits=1):
    def measure(f):
        v = at(f, bench, key)
        return fmt_num(v, unit, digits), None if v is None else v <= goal
    return measure


def lower(bench, key, goal, unit, digits=0):
    def measure(f):
        v = at(f, bench, key)
        return fmt_num(v, unit, digits), None if v is None else v >= goal
    return measure


def burst_latency(nodes):
    def measure(f):
        keys = [f"p{q}_ms_{nodes}_nodes" for q in (50, 90, 99)]
        vals = [at(f, "burst", k) for k in keys]
        if None in vals:
            return "not measured", None
        return " / ".join(f"{v:,.0f}" for v in vals) + " ms", None
    return measure


def burst_rates(f):
    parts = []
    for n in (100, 1000, 5000):
        v = at(f, "burst", f"pods_per_s_{n}_nodes")
        parts.append(f"{n:,}: {fmt_num(v, '/s')}")
    v = at(f, "burst", "pods_per_s_5000_nodes")
    return "; ".join(parts), None if v is None else v >= 1000


def creates_vs_etcd(face):
    def measure(f):
        creates = at(f, "api", f"{face}_create_x64_per_s")
        etcd = at(f, "etcd", "etcd_puts_per_s")
        if creates is None or etcd is None or etcd == 0:
            return f"{fmt_num(creates, '/s')} vs etcd {fmt_num(etcd, '/s')}", None
        return f"{creates:,.0f}/s vs etcd {etcd:,.0f}/s = {creates / etcd:.2f}x", creates >= etcd
    return measure


def grpc_creates_vs_etcd(f):
    """etcd_bench alternates the apiserver's gRPC creates with etcd's puts in one run."""
    ratio = at(f, "etcd", "apiserver_etcd_write_ratio")
    creates = at(f, "etcd", "apiserver_creates_per_s")
    etcd = at(f, "etcd", "etcd_puts_per_s")
    if ratio is None or creates is None or etcd is None:
        return creates_vs_etcd("grpc")(f)
    return f"{creates:,.0f}/s vs etcd {etcd:,.0f}/s = {ratio:.2f}x (same run)", ratio >= 1


def raw_rocksdb(f):
    store = at(f, "store", "store64_per_s")
    raw = at(f, "store", "raw64_per_s")
    if store is None or raw is None or raw == 0:
        return "not measured", None
    return f"store {store:,.0f}/s vs raw RocksDB {raw:,.0f}/s = {store / raw:.2f}x", None


def grpc_gets(f):
    v = at(f, "api", "grpc_get_x64_per_s")
    return fmt_num(v, "/s"), None


def memory_at_scale(f):
    v = at(f, "memory", "scale_all_mb")
    if v is None:
        return "not measured", None
    running = at(f, "memory", "scale_running_pods")
    pods = at(f, "memory", "scale_pods")
    text = f"{v:,.0f} MB"
    if running is not None and pods is not None and running < pods:
        text += f" with only {running:,.0f} of {pods:,.0f} pods Running (the fill's bound)"
    return text, v < 4096 and (running is None or pods is None or running >= pods)


GOALS = [
    ("Pod startup, one pod at a time, p50", "<= 20 ms",
     upper("startup", "startup_p50_ms", 20, " ms"), "startup"),
    ("Pod startup, one pod at a time, p99", "<= 100 ms",
     upper("startup", "startup_p99_ms", 100, " ms"), "startup"),
    ("Pod startup, burst of 1,000 pods on 100 nodes, p50 / p90 / p99", "(reported)",
     burst_latency(100), "burst"),
    ("Pods scheduled and started per second on 100 / 1,000 / 5,000 hollow nodes",
     ">= 1,000/s at 5,000", burst_rates, "burst"),
    ("CPU of all processes per pod started, at 100 / 5,000 nodes", "(reported)",
     lambda f: (" / ".join(fmt_num(at(f, "burst", f"cpu_ms_per_pod_{n}_nodes"), " ms", 1)
                           for n in (100, 5000)), None), "burst"),
    ("Scheduling alone (binds/s) at 5,000 nodes", "(reported)",
     lambda f: (fmt_num(at(f, "scheduler", "pods_per_s_5000_nodes"), "/s"), None), "scheduler"),
    ("REST GET/s, 64 clients", ">= 20,000/s",
     lower("api", "rest_get_x64_per_s", 20000, "/s"), "api"),
    ("gRPC GET/s, 64 clients", "(reported)", grpc_gets, "api"),
    ("Durable creates/s over REST, 64 clients, vs etcd durable puts/s", ">= etcd",
     creates_vs_etcd("rest"), "api, etcd"),
    ("Durable creates/s over gRPC, 64 clients, vs etcd durable puts/s", ">= etcd",
     grpc_creates_vs_etcd, "etcd"),
    ("Store creates/s vs raw RocksDB synced puts, 64 writers", "(reported)", raw_rocksdb,
     "store"),
    ("Watch fan-out latency at 1,000 watchers, p99", "<= 50 ms",
     upper("watch", "p99_ms_1000_watchers", 50, " ms", 2), "watch"),
    ("Control plane RSS idle, 3 nodes", "<= 100 MB",
     upper("memory", "idle_control_plane_mb", 100, " MB", 0), "memory"),
    ("All processes' RSS holding 5,000 nodes and 150,000 pods", "< 4,096 MB",
     memory_at_scale, "memory"),
    ("`scripts/up` to every node Ready (3 nodes)", "<= 1 s",
     upper("up", "up_s", 1.0, " s", 2), "up"),
    ("Deployment scale 0 -> 1,000 pods Running on 100 hollow nodes", "<= 5 s",
     upper("controllers", "scale_s", 5.0, " s", 2), "controllers"),
]


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine(results):
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    fs = run(["df", "--output=fstype,source", ROOT]).splitlines()[-1:]
    return [
        f"- CPU: {model}, {os.cpu_count()} logical CPUs",
        f"- Memory: {mem_kb / 1024 / 1024:.1f} GiB",
        f"- Kernel: {platform.release()}; file system of the checkout: {' '.join(fs)}",
        f"- Commit: {commit(results)}",
        f"- Run: finished {run_time(results):%Y-%m-%d %H:%M} UTC",
    ]


def commit(results):
    """The commit the benchmarks ran at (all.sh notes it before the first one), so that a
    report rebuilt later (after editing the findings) still names it."""
    path = os.path.join(results, "commit")
    if os.path.exists(path):
        with open(path) as f:
            return f.read().strip()
    dirty = run(["git", "-C", ROOT, "status", "--porcelain"])
    head = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    return head + (" (with local changes)" if dirty else "")


def run_time(results):
    """When the run's last benchmark ended (its runs.tsv line), not when this report is made."""
    path = os.path.join(results, "runs.tsv")
    stamp = os.path.getmtime(path) if os.path.exists(path) else datetime.datetime.now().timestamp()
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc)


def load(results):
    figures, outputs, runs = {}, {}, []
    tsv = os.path.join(results, "runs.tsv")
    if os.path.exists(tsv):
        with open(tsv) as f:
            for line in f:
                name, status, seconds = line.rstrip("\n").split("\t")
                runs.append((name, int(status), float(seconds)))
    for name, _, _ in runs:
        path = os.path.join(results, name + ".json")
        if os.path.exists(path):
            with open(path) as f:
                figures[name] = json.load(f)
        path = os.path.join(results, name + ".txt")
        if os.path.exists(path):
            with open(path) as f:
                outputs[name] = f.read().rstrip()
    return figures, outputs, runs


def main():
    results, output = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv[3:]
    figures, outputs, runs = load(results)
    out = ["# Benchmarks", ""]
    out.append("Written by `scripts/bench all` (bench/report.py) from the figures the benchmarks "
               "measured in one run; nothing below is typed in by hand except the goals and the "
               "findings at the end.")
    if quick:
        out += ["", "**A `--quick` smoke run: tiny sizes, the figures say nothing about speed.**"]
    out += ["", "## Machine", ""] + machine(results)
    out += ["", "## Rerun", "",
            "```", "scripts/bench all            # every benchmark, full size; rewrites BENCHMARKS.md",
            "scripts/bench all --quick    # a smoke run of each (CI); writes build/bench-quick/",
            "scripts/bench NAME [--flags] # one of them; its flags are in bench/NAME_bench.cc",
            "```", "",
            "Every process is launched for real (apiserver, scheduler, controller-manager, kubelets,"
            " fake-cri, etcd); nothing is timed inside a test."]
    goals_at = len(out) + 3
    out += ["", "## Goals", "", "| What | Goal | Measured | Met | Benchmark |",
            "|---|---|---|---|---|"]
    met = total = 0
    for what, goal, measure, bench in GOALS:
        text, ok = measure(figures)
        if quick:
            ok = None  # tiny sizes: no goal is judged
        mark = "yes" if ok else ("no" if ok is False else "")
        if ok is not None:
            total += 1
            met += bool(ok)
        out.append(f"| {what} | {goal} | {text} | {mark} | {bench} |")
    goals = out[goals_at:]
    out += ["", "## Runs", "", "| Benchmark | Exit status | Seconds |", "|---|---|---|"]
    for name, status, seconds in runs:
        out.append(f"| {name} | {status} | {seconds:.0f} |")
    for name, _, _ in runs:
        if name in outputs:
            out += ["", f"### {name}", "", "```", outputs[name], "```"]
    findings = os.path.join(ROOT, "bench", "FINDINGS.md")
    if os.path.exists(findings):
        with open(findings) as f:
            out += ["", f.read().rstrip()]
    with open(output, "w") as f:
        f.write("\n".join(out) + "\n")
    failed = sum(1 for _, status, _ in runs if status != 0)
    print("\n".join(goals))
    print(f"bench all: {len(runs) - failed} of {len(runs)} benchmarks ran; "
          f"{met} of {total} measured goals met ({output})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
