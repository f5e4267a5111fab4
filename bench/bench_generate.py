"""Benchmark `csops generate` at each scale: wall time, CPU time and peak memory, written as Markdown.

Usage: python bench/bench_generate.py [--scales tiny,small,medium,large] [--runs 1] [--out bench/results.md]

Each run is a separate process (`csops generate --quiet`) into a temporary folder; peak memory is the
child's maximum resident set size as the kernel accounts it (getrusage). Our machines are shared and
noisy: compare figures from one run of this script, and prefer the median of several runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(scale: str, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{scale}-") as tmp:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "csops.cli", "generate", "--scale", scale, "--seed",
                                 str(seed), "--out", f"{tmp}/raw", "--quiet"], stdout=subprocess.PIPE)
        _, _, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.stdout.read()
        manifest = json.loads(Path(tmp, "raw", "_manifest.json").read_text())
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())

    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "events": manifest["row_counts"]["product"]["events"],
        "rows": sum(sum(t.values()) for t in manifest["row_counts"].values()),
        "customers": manifest["customers"],
        "bytes": size,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="tiny,small,medium,large")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="bench/results.md")
    args = ap.parse_args()
    lines = [
        "# csops generate benchmark",
        "",
        (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.runs} run(s) per scale, median shown. Command: `python bench/bench_generate.py "
        f"--scales {args.scales} --runs {args.runs}` (or `make bench`)."),
        "",
        "| scale | customers | rows | product events | files (MB) | wall (s) | CPU (s) | peak memory (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale in args.scales.split(","):
        runs = [run_once(scale, args.seed) for _ in range(args.runs)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        line = (f"| {scale} | {med['customers']:,.0f} | {med['rows']:,.0f} | {med['events']:,.0f} | "
                f"{med['bytes'] / 1e6:,.0f} | {med['wall_s']:.1f} | {med['cpu_s']:.1f} | {med['peak_mb']:,.0f} |")
        print(line, flush=True)
        lines.append(line)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
