"""nbgrader's own autograde vs d2lkit's notebook grading, on the same class of nbgrader submissions.

    .venv/bin/python benchmarks/bench_instructor.py [--target ch2] [--n 8] [--jobs 2] [--runs 1]

One course made by `d2lkit nbgrader init/export` and `nbgrader generate_assignment`, N students:
most hand in the reference solutions, every fourth leaves the notebooks untouched. It is graded
three ways, each from a fresh copy of the course:

* `nbgrader autograde` as nbgrader does it by itself: every notebook executed in a kernel, the
  test cells' self-checks deciding each cell's score (`d2lkit.grader.check` in the kernel, which
  is how d2lkit's notebooks were graded before: the learner's kernel decides). The course's
  config is nbgrader's defaults plus a cell timeout and stderr ignored, as d2lkit's used to be;
* `d2lkit nbgrader autograde --jobs J`: the solution cells graded by d2lkit's engine in the
  sandbox, the scores written into the gradebook by nbgrader's own converter and API;
* `d2lkit grade submitted/ --jobs J`: the same notebook grading, without nbgrader's bookkeeping.

Both autogrades must give every student the same score (and the score they deserve). Prints the
median wall time per student of each (each tool's start-up included, median over --runs) and
the ratio of nbgrader's to d2lkit's.
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

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "D2LKIT_LANG": "en",
       "PYTHONWARNINGS": "ignore"}
D2LKIT = [sys.executable, "-m", "d2lkit"]

# nbgrader by itself: its default preprocessors (Execute), as the course was before d2lkit graded
# outside the kernel; stderr ignored so that a library warning never zeroes a cell
PLAIN_CONFIG = '''\
import os
c = get_config()  # noqa: F821
_here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "bench"
c.CourseDirectory.root = _here
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_here, "gradebook.db")
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\\s\\S]+"
c.OverwriteCells.add_missing_cells = True
'''


def sh(*args, cwd, ok=(0,)):
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=ENV, capture_output=True, text=True)
    if r.returncode not in ok:
        sys.exit(f"{' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def scores(course: Path, assignment: str, names) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {n: gb.find_submission(assignment, n).score for n in names}


def make_course(tmp: Path, target: str, n: int) -> tuple[Path, dict, float]:
    """The course, each student's deserved score, and the maximum."""
    course = tmp / "course"
    sh(*D2LKIT, "nbgrader", "init", course, "--course-id", "bench", cwd=tmp)
    sh(*D2LKIT, "nbgrader", "export", target, course, "--assignment", "a", cwd=tmp)
    sh(BIN / "nbgrader", "generate_assignment", "a", "--create", "--force", cwd=course)
    deserved, maximum = {}, 0.0
    for path in sorted((course / "release" / "a").glob("*.ipynb")):
        release = json.loads(path.read_text())
        source = json.loads((course / "source" / "a" / path.name).read_text())
        solutions = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source["cells"]
                     if c["metadata"].get("nbgrader", {}).get("solution")}
        points = sum(c["metadata"]["nbgrader"].get("points", 0) for c in source["cells"]
                     if c["metadata"].get("nbgrader", {}).get("grade"))
        maximum += points
        for i in range(n):
            name = f"s{i:02d}"
            solved = i % 4 != 3
            nb = json.loads(json.dumps(release))
            if solved:
                for cell in nb["cells"]:
                    gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
                    if gid in solutions:
                        cell["source"] = solutions[gid]
            folder = course / "submitted" / name / "a"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / path.name).write_text(json.dumps(nb))
            deserved[name] = deserved.get(name, 0.0) + (points if solved else 0.0)
    return course, deserved, maximum


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="ch2")
    ap.add_argument("--n", type=int, default=8, help="students")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="d2lkit's --jobs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="d2lkit-bench-") as tmp:
        tmp = Path(tmp)
        course, deserved, maximum = make_course(tmp, args.target, args.n)
        names = sorted(deserved)
        times = {"nbgrader": [], "d2lkit": [], "grade": []}
        for run in range(args.runs):
            # nbgrader by itself, on a copy whose config is nbgrader's defaults
            plain = tmp / f"plain{run}"
            shutil.copytree(course, plain)
            (plain / "nbgrader_config.py").write_text(PLAIN_CONFIG)
            start = time.perf_counter()
            sh(BIN / "nbgrader", "autograde", "a", "--force", cwd=plain)
            times["nbgrader"].append(time.perf_counter() - start)
            got_nb = scores(plain, "a", names)

            ours = tmp / f"ours{run}"
            shutil.copytree(course, ours)
            start = time.perf_counter()
            out_d2 = sh(*D2LKIT, "nbgrader", "autograde", "a", ours, "--jobs", args.jobs,
                        "--seed", "1", "--no-progress", cwd=ours)
            times["d2lkit"].append(time.perf_counter() - start)
            got_d2 = scores(ours, "a", names)

            start = time.perf_counter()
            sh(*D2LKIT, "grade", ours / "submitted", "--target", args.target, "--jobs",
               args.jobs, "--seed", "1", "--format", "json", "--no-progress", cwd=tmp)
            times["grade"].append(time.perf_counter() - start)

            want = {k: float(v) for k, v in deserved.items()}
            if got_d2 != want or got_nb != want:
                print(out_d2.stdout, out_d2.stderr)
                sys.exit(f"scores differ:\n  deserved {want}\n  nbgrader {got_nb}\n"
                         f"  d2lkit   {got_d2}")
            print(f"run {run + 1}: nbgrader autograde {times['nbgrader'][-1]:.1f} s, "
                  f"d2lkit nbgrader autograde {times['d2lkit'][-1]:.1f} s, "
                  f"d2lkit grade {times['grade'][-1]:.1f} s", flush=True)
        per = {k: statistics.median(v) / args.n for k, v in times.items()}
        notebooks = len(list((course / "release" / "a").glob("*.ipynb")))
        print(f"\n{args.n} students x {notebooks} notebook(s) of {args.target} "
              f"({maximum:g} points), median of {args.runs} run(s), wall time per student "
              f"(each tool's start-up included; d2lkit with --jobs {args.jobs}):")
        print(f"  nbgrader autograde (in the kernel)   {per['nbgrader']:8.2f} s")
        print(f"  d2lkit nbgrader autograde            {per['d2lkit']:8.2f} s   "
              f"{per['nbgrader'] / per['d2lkit']:6.1f}x faster")
        print(f"  d2lkit grade submitted/ (no gradebook) {per['grade']:6.2f} s   "
              f"{per['nbgrader'] / per['grade']:6.1f}x faster")
        print("  every student got the same score from both autogrades")


if __name__ == "__main__":
    main()
