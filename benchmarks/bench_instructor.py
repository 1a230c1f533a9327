"""d2lkit grade vs nbgrader autograde: the same N solved submissions of one chapter.

    .venv/bin/python benchmarks/bench_instructor.py [--target ch2] [--n 4] [--runs 3]

Both sides grade the reference solutions with the same graders: `d2lkit grade` on N workspaces,
and `nbgrader autograde` on the course that `d2lkit nbgrader export` generates (N students who
hand in the solved notebooks). Prints the median wall time of each per submission and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "D2LKIT_LANG": "en",
       "PYTHONWARNINGS": "ignore"}


def sh(*args, cwd):
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=ENV, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, args))} failed:\n{r.stdout}\n{r.stderr}")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="ch2")
    ap.add_argument("--n", type=int, default=4, help="submissions")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1, help="d2lkit grade --jobs")
    args = ap.parse_args()
    d2lkit = [sys.executable, "-m", "d2lkit"]
    with tempfile.TemporaryDirectory(prefix="d2lkit-bench-") as tmp:
        tmp = Path(tmp)
        # the class as workspaces
        cls = tmp / "class"
        for i in range(args.n):
            ws = cls / f"s{i:02d}"
            sh(*d2lkit, "init", ws, cwd=tmp)
            for folder in (ROOT / "solutions").glob("ch*"):
                shutil.copytree(folder, ws / folder.name, dirs_exist_ok=True)
        # the same class as an nbgrader course
        course = tmp / "course"
        sh(*d2lkit, "nbgrader", "init", course, "--course-id", "bench", cwd=tmp)
        sh(*d2lkit, "nbgrader", "export", args.target, course, "--assignment", "a", cwd=tmp)
        sh(BIN / "nbgrader", "generate_assignment", "a", "--create", "--force", cwd=course)
        for i in range(args.n):
            shutil.copytree(course / "source" / "a", course / "submitted" / f"s{i:02d}" / "a")

        d2, nb = [], []
        for run in range(args.runs):
            start = time.perf_counter()
            r = sh(*d2lkit, "grade", cls, "--target", args.target, "--format", "json",
                   "--jobs", args.jobs, "--seed", "1", "--no-progress", cwd=tmp)
            d2.append(time.perf_counter() - start)
            subs = json.loads(r.stdout)["submissions"]
            assert all(s["summary"]["points"] == s["summary"]["max_points"] for s in subs), \
                "the reference solutions should pass"
            start = time.perf_counter()
            sh(BIN / "nbgrader", "autograde", "a", "--create", "--force", cwd=course)
            nb.append(time.perf_counter() - start)
            print(f"run {run + 1}: d2lkit grade {d2[-1]:.2f}s, nbgrader autograde {nb[-1]:.2f}s",
                  flush=True)
        per_d2 = statistics.median(d2) / args.n
        per_nb = statistics.median(nb) / args.n
        print(f"\n{args.n} submissions of {args.target}, median of {args.runs} runs "
              f"(wall time, including each tool's start-up):")
        print(f"  d2lkit grade       {per_d2:8.3f} s per submission "
              f"({args.n / statistics.median(d2):.2f} submissions/s)")
        print(f"  nbgrader autograde {per_nb:8.3f} s per submission")
        print(f"  ratio              {per_nb / per_d2:8.1f}x")


if __name__ == "__main__":
    main()
