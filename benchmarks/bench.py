"""d2lkit's performance figures, as medians of several runs on this machine.

    .venv/bin/python benchmarks/bench.py            # everything
    .venv/bin/python benchmarks/bench.py --runs 3   # fewer repetitions

Figures: `import torch` alone; cold `d2lkit check ch2`, `ch6`, `all` (stubs and reference
solutions); warm re-grade latency in one process with the zygote kept alive (one exercise after a
save, a chapter after saving one file, a chapter with nothing cached); `d2lkit grade` throughput
(submissions/s, one chapter); `list`, `hint`, `progress` (which import no torch); the peak memory
(max RSS of the largest process) of a cold check.

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


def peak_rss(cmd, cwd=None) -> float:
    """Max RSS in MiB of the largest process of a command (supervisor, zygote or child)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    import resource

    return max(usage.ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def warm_worker(ws: str, runs: int):
    """In one process, as `d2lkit watch` does: a WarmGrader, then timed re-grades after saves."""
    import json

    from d2lkit import catalogue
    from d2lkit.grading.session import WarmGrader

    cat = catalogue.load()
    root = Path(ws)
    one = cat.resolve(["ch2.vector_norm"])
    ch2 = cat.resolve(["ch2"])
    out = {"one": [], "chapter_after_save": [], "chapter_nothing_cached": []}
    with WarmGrader() as grader:
        grader.grade(ch2, root, seed=1)  # first grading: collection, zygote warm-up
        norms = root / "ch02" / "norms.py"
        text = norms.read_text()
        for i in range(runs):
            norms.write_text(text + f"\n# save {i}\n")  # a save: the file's content changes
            start = time.perf_counter()
            grader.grade(one, root, seed=1)
            out["one"].append(time.perf_counter() - start)
            norms.write_text(text + f"\n# save {i}b\n")
            start = time.perf_counter()
            grader.grade(ch2, root, seed=1)
            out["chapter_after_save"].append(time.perf_counter() - start)
            start = time.perf_counter()
            grader.grade(ch2, root, seed=1, use_cache=False)
            out["chapter_nothing_cached"].append(time.perf_counter() - start)
        norms.write_text(text)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--chapters", default="ch2,ch6,all")
    ap.add_argument("--warm-worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.warm_worker:
        return warm_worker(args.warm_worker, args.runs)
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
        # warm re-grades (what `d2lkit watch` pays after a save), on a copy of the solutions
        import json

        sol = tmp / "sol"
        shutil.copytree(ROOT / "solutions", sol)
        out = subprocess.run([PY, __file__, "--warm-worker", str(sol), "--runs", str(args.runs)],
                             env=ENV, capture_output=True, text=True, check=True)
        warm = json.loads(out.stdout.strip().splitlines()[-1])
        line("warm re-grade, one exercise after a save", warm["one"])
        line("warm re-grade, ch2 after saving one file", warm["chapter_after_save"])
        line("warm re-grade, ch2 with nothing cached", warm["chapter_nothing_cached"])
        # d2lkit grade: a class of submissions, one chapter
        subs = tmp / "class"
        subs.mkdir()
        n_subs = 10
        for i in range(n_subs):
            shutil.copytree(ROOT / "solutions" if i % 2 else ws, subs / f"s{i:02d}",
                            ignore=shutil.ignore_patterns(".d2lkit"))
        times = timed([*d2lkit, "grade", str(subs), "--target", "ch2", "--format", "json"], tmp,
                      max(1, args.runs // 2))
        med = statistics.median(times)
        print(f"{'d2lkit grade, ch2, ' + str(n_subs) + ' submissions':<44} median {med:6.2f} s   "
              f"= {n_subs / med:.1f} submissions/s (incl. start-up; n={len(times)})", flush=True)
        for cmd in (["list"], ["hint", "ch2.vector_norm"], ["progress"]):
            line(f"d2lkit {' '.join(cmd)}", timed([*d2lkit, *cmd], ws, args.runs))
        rss = [peak_rss([*d2lkit, "check", "ch6", "--workspace", str(ROOT / "solutions")], ROOT)
               for _ in range(max(1, args.runs // 2))]
        print(f"{'peak memory, d2lkit check ch6':<44} median {statistics.median(rss):6.0f} MiB "
              f"(max RSS of its largest process)", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
