"""d2lkit's performance figures, as medians of several runs on this machine.

    .venv/bin/python benchmarks/bench.py            # everything
    .venv/bin/python benchmarks/bench.py --runs 3   # fewer repetitions

Every figure is a whole command, timed from outside (what a learner waits for). The machines are
shared and noisy, so each line gives the median, the spread, and where useful a ratio to
`import torch`, which bounds what any grading command can do cold.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ENV = {**os.environ, "D2LKIT_LANG": "en", "COLUMNS": "120"}


def timed(cmd, cwd=None, runs=5, ok=(0, 1)) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if out.returncode not in ok:
            raise SystemExit(f"{cmd} failed ({out.returncode}):\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    return times


def line(label, times, base=None):
    med = statistics.median(times)
    extra = f"   = import torch + {med - base:.2f} s" if base is not None else ""
    print(f"{label:<44} median {med:6.2f} s   (min {min(times):.2f}, max {max(times):.2f}, n={len(times)}){extra}",
          flush=True)
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--chapters", default="ch2,ch6,all")
    args = ap.parse_args()
    d2lkit = [PY, "-m", "d2lkit"]
    tmp = Path(tempfile.mkdtemp(prefix="d2lkit-bench-"))
    try:
        subprocess.run([*d2lkit, "init", str(tmp / "ws")], env=ENV, check=True, capture_output=True)
        ws = tmp / "ws"
        print(f"d2lkit benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
        base = line("import torch", timed([PY, "-c", "import torch"], runs=args.runs))
        for target in args.chapters.split(","):
            line(f"cold d2lkit check {target} (stubs)", timed([*d2lkit, "check", target], ws, args.runs), base)
            line(f"cold d2lkit check {target} (solutions)",
                 timed([*d2lkit, "check", target, "--workspace", str(ROOT / "solutions")], ROOT, args.runs), base)
        for cmd in (["list"], ["hint", "ch2.vector_norm"], ["progress"]):
            line(f"d2lkit {' '.join(cmd)}", timed([*d2lkit, *cmd], ws, args.runs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
