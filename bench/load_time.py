#!/usr/bin/env python3
"""Load time of models in fresh processes: open + compile + first inference, as `qdeploy bench` measures it.

One `qdeploy bench --repeat 1` process per model and run (a second model in the same process would find
oneDNN's kernels and the page cache warm); the programs and models take turns. Prints a markdown table of
the medians with the date, CPU, ISA and load average; "total cpu" is the process CPU time of the three (a
busy machine stretches the wall times, much less the CPU time).

usage: bench/load_time.py [--runs N] [--qdeploy build/qdeploy[,other/qdeploy]] config model [model ...]
Several binaries (comma-separated) compare builds: every row names its binary.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile


def bench_once(qdeploy, config, model):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "bench.json")
        subprocess.run([qdeploy, "bench", config, "--model", model, "--repeat", "1", "--warmup", "0",
                        "--json", out], check=True, capture_output=True)
        with open(out) as f:
            report = json.load(f)
    model = dict(report["models"][0], peak_rss_mb=report["peak_rss_mb"])
    return report, model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--qdeploy", default="build/qdeploy")
    ap.add_argument("config")
    ap.add_argument("models", nargs="+")
    a = ap.parse_args()
    binaries = a.qdeploy.split(",")
    times = {}
    loads = [os.getloadavg()[0]]
    report = None
    for r in range(a.runs):
        for m in a.models:
            for b in binaries if r % 2 == 0 else binaries[::-1]:
                report, t = bench_once(b, a.config, m)
                times.setdefault((b, m), []).append(t)
        loads.append(os.getloadavg()[0])
    machine = report["machine"]
    print(f"Measured {report['date']} on {machine['cpu']} ({machine['cores']} cores, oneDNN ISA {machine['isa']}) "
          f"by `bench/load_time.py`: medians of {a.runs} fresh processes per model, load average (1 min) "
          f"{min(loads):.2f}-{max(loads):.2f}; ms.\n")
    head = ["model", "precision", "open", "compile", "first run", "total", "total cpu", "peak RSS MB"]
    if len(binaries) > 1:
        head.insert(0, "qdeploy")
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join(["---"] * (len(head) - 6) + ["---:"] * 6) + " |")
    for (b, m), ts in times.items():
        med = [statistics.median(t.get(k, float("nan")) for t in ts) for k in ("open_ms", "compile_ms", "first_run_ms", "load_ms",
                                                              "load_cpu_ms", "peak_rss_mb")]
        row = [os.path.basename(m), ts[0]["precision"]] + [f"{v:.1f}" for v in med]
        if len(binaries) > 1:
            row.insert(0, b)
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
