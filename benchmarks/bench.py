"""d2lkit's performance figures, as medians of several runs on this machine.

    .venv/bin/python benchmarks/bench.py            # everything, 3 runs each
    .venv/bin/python benchmarks/bench.py --runs 5
    .venv/bin/python benchmarks/bench.py --training   # only the training exercises and ch11

Every figure of the engine's targets (README, "Performance"):

  - cold `d2lkit check ch6` on the solved workspace (11 main + 8 stretch exercises) and on a fresh
    one (stubs), as `import torch` + the rest;
  - warm re-grade of one exercise after a save, and of ch2 with nothing cached, in one process
    with the engine kept alive (what `d2lkit watch` pays);
  - `d2lkit grade` of 40 solved ch3 workspaces, no two byte-identical (each has its own comment
    inside every function), `--jobs 2`, start-up included: submissions per second;
  - the REPL's in-process grading of ch6 against the sandboxed grading, both after start-up;
  - what the kernel's confinement (Landlock, seccomp, privileges) and the audit hook add to a
    child: the first call of a fresh child with them and without;
  - the peak memory of `check ch6` (max RSS of its largest process);
  - the time to grade each training exercise (kind "training": a learner's loop run in lockstep
    with the reference's) with its reference solution, target ≤ 20 s each, and the whole of ch11,
    target ≤ 15 s: engine start-up and grading in a fresh interpreter, torch's import left out,
    with each median's ratio to its target.

The machines are shared and noisy, so each line gives the median and spread, and ratios come
from one run of this script, never from numbers measured at different times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
D2LKIT = [PY, "-m", "d2lkit"]


TRAINING_TARGET_S = 20.0  # seconds to grade one training exercise (on 2 cores)
CH11_TARGET_S = 15.0  # seconds to grade all of ch11


def timed(cmd, cwd=None, runs=3, ok=(0, 1)) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if out.returncode not in ok:
            raise SystemExit(f"{cmd} failed ({out.returncode}):\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    return times


def line(label, times, base=None, unit="s"):
    med = statistics.median(times)
    extra = ""
    if base is not None:
        extra = (f"   = import torch + {med - base:.2f} s" if med >= base
                 else f"   = {med / base:.2f}× import torch")
    print(f"{label:<58} median {med:6.2f} {unit}   (min {min(times):.2f}, max {max(times):.2f}, "
          f"n={len(times)}){extra}", flush=True)
    return med


def against(label, times, target: float) -> float:
    """A line of `line`'s, with the median's ratio to its target."""
    med = statistics.median(times)
    verdict = "ok" if med <= target else "OVER"
    print(f"{label:<58} median {med:6.2f} s   (min {min(times):.2f}, max {max(times):.2f}, "
          f"n={len(times)})   = {med / target:.2f}× the {target:g} s target, {verdict}",
          flush=True)
    return med


def training_section(runs: int):
    """Each training exercise, then all of ch11, graded with the reference solutions, each run in
    a fresh interpreter (`sandboxed_worker`: engine start-up included, import torch not)."""
    from d2lkit import catalogue

    training = [ex.id for ex in catalogue.load().exercises if ex.kind == "training"]
    print(f"\ntraining exercises ({len(training)}), graded with the reference solution", flush=True)
    for eid in training:
        against(f"  {eid}", [worker("sandboxed", eid) for _ in range(runs)], TRAINING_TARGET_S)
    against("all of ch11", [worker("sandboxed", "ch11") for _ in range(runs)], CH11_TARGET_S)


def worker(kind: str, arg: str) -> list[float] | float:
    """Run a measurement in a fresh interpreter (so every figure starts equally cold)."""
    out = subprocess.run([PY, __file__, "--worker", kind, arg], env=ENV, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise SystemExit(f"worker {kind} failed:\n{out.stdout[-3000:]}{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ workers
def warm_worker(ws: str, runs: int):
    """As `d2lkit watch` does: one engine, then timed re-grades after saves."""
    from d2lkit import catalogue
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options

    cat = catalogue.load()
    root = Path(ws)
    one, ch2 = cat.resolve(["ch2.vector_norm"]), cat.resolve(["ch2"])
    out = {"one": [], "ch2_nothing_cached": [], "ch2_first_in_warm_engine": []}
    with Engine(Options(seed=1)) as engine:
        start = time.perf_counter()
        engine.grade(ch2, root)  # first grading: the graders are collected here
        out["ch2_first_in_warm_engine"].append(time.perf_counter() - start)
        norms = root / "ch02" / "norms.py"
        text = norms.read_text()
        for i in range(runs):
            norms.write_text(text + f"\n# save {i}\n")  # a save: the file's content changes
            start = time.perf_counter()
            engine.grade(one, root)
            out["one"].append(time.perf_counter() - start)
            start = time.perf_counter()
            engine.grade(ch2, root, use_cache=False)
            out["ch2_nothing_cached"].append(time.perf_counter() - start)
        norms.write_text(text)
    print(json.dumps(out))


def solved_workspace(cat, exercises) -> Path:
    """The reference solutions, plus answers files that hold each quiz's measured truth (the
    solutions folder has none: a quiz's reference is its key). The truths are measured here,
    before the clock starts, so a quiz costs what grading an answer costs."""
    from d2lkit.quiz import answers, key

    quizzes = [ex for ex in exercises if ex.is_quiz]
    if not quizzes:
        return ROOT / "solutions"
    ws = Path(tempfile.mkdtemp(prefix="d2lkit-bench-solved-"))
    shutil.copytree(ROOT / "solutions", ws, dirs_exist_ok=True)
    for ex in quizzes:
        answers.set_answer(ws / ex.relpath, ex.name, answers.as_written(ex, key.truth(ex)),
                           kit_copy=answers.kit_copy(ex.chapter))
    return ws


def sandboxed_worker(target: str):
    from d2lkit import catalogue
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options

    cat = catalogue.load()
    exercises = cat.resolve([target])
    solved = solved_workspace(cat, exercises)
    start = time.perf_counter()
    with Engine(Options(seed=1), cache=False) as engine:
        results = engine.grade(exercises, solved)
    elapsed = time.perf_counter() - start
    if solved != ROOT / "solutions":
        shutil.rmtree(solved, ignore_errors=True)
    assert all(r.passed for r in results), [(r.id, r.status) for r in results if not r.passed]
    print(json.dumps(elapsed))


def confinement_worker(runs: str):
    """The first call into a fresh child, with and without the kernel's confinement and the audit
    hook (the rest of a child's life costs the same either way)."""
    from d2lkit.catalogue import Exercise
    from d2lkit.grading.child import runtime_read_paths
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options
    from d2lkit.grading.student import SandboxStudent

    ws = Path(tempfile.mkdtemp(prefix="d2lkit-bench-ws-"))
    (ws / "ch02").mkdir()
    (ws / "ch02" / "mod.py").write_text("def f(x):\n    return x + 1\n")
    ex = Exercise(id="ch2.f", chapter=2, topic="mod", section="2.1", title={"en": "", "zh": ""},
                  points=1, functions=("f",), forbid=(), hints=(), mistakes=())
    read = runtime_read_paths()
    out = {"open": [], "confined": []}
    with Engine(Options()) as engine:
        for _ in range(int(runs)):
            for label, on in (("open", False), ("confined", True)):
                times = []
                for _ in range(30):
                    st = SandboxStudent(ex, ws, engine.sandbox, 5.0, read=read, confine=on, audit=on)
                    start = time.perf_counter()
                    st.call("f", 1)
                    times.append(time.perf_counter() - start)
                    st.close()
                out[label].append(statistics.median(times))
    shutil.rmtree(ws, ignore_errors=True)
    print(json.dumps(out))


def inprocess_worker(target: str):
    """The REPL's way: `d2lkit.grader.grade(id, *objects)` for each exercise, on the reference
    solutions' own objects."""
    import torch  # noqa: F401

    from d2lkit import catalogue, grader
    from d2lkit.grading.api import load_solution_module
    from d2lkit.paths import content_dir

    exercises = catalogue.load().resolve([target])
    start = time.perf_counter()
    for ex in exercises:
        module = load_solution_module(content_dir("solutions") / ex.relpath)
        result = grader.grade(ex.id, **{n: getattr(module, n) for n in ex.functions}, seed=1)
        assert result.passed, (ex.id, result.status, result.detail)
    print(json.dumps(time.perf_counter() - start))


# ------------------------------------------------------------------------------ a class
def class_of_submissions(into: Path, n: int, chapter: str = "ch03") -> Path:
    """n solved workspaces of one chapter, each with its own comment inside every function, so
    that no two are byte-identical and nothing can be reused by file content."""
    for i in range(n):
        ws = into / f"student{i:02d}"
        (ws / chapter).mkdir(parents=True)
        (ws / "d2lkit.toml").write_text("[workspace]\n")
        for src in (ROOT / "solutions" / chapter).glob("*.py"):
            text = re.sub(r"### BEGIN SOLUTION", f"### BEGIN SOLUTION  (student {i})",
                          src.read_text("utf-8"))
            (ws / chapter / src.name).write_text(text, "utf-8")
    return into


def peak_rss(cmd, cwd=None) -> float:
    """Max RSS in MiB of the largest process of a command (supervisor, zygote or child)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    import resource

    return max(usage.ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--submissions", type=int, default=40)
    ap.add_argument("--training", action="store_true",
                    help="only the training exercises and ch11, against their targets")
    ap.add_argument("--worker", nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, arg = args.worker
        if kind == "warm":
            return warm_worker(arg, args.runs)
        return {"sandboxed": sandboxed_worker, "inprocess": inprocess_worker,
                "confinement": confinement_worker}[kind](arg)
    if args.training:
        print(f"d2lkit benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        return training_section(args.runs)
    tmp = Path(tempfile.mkdtemp(prefix="d2lkit-bench-"))
    try:
        subprocess.run([*D2LKIT, "init", str(tmp / "ws")], env=ENV, check=True, capture_output=True)
        ws = tmp / "ws"
        print(f"d2lkit benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
        base = line("import torch", timed([PY, "-c", "import torch"], runs=args.runs))
        line("cold check ch6, solved workspace (19 exercises)",
             timed([*D2LKIT, "check", "ch6", "--workspace", str(ROOT / "solutions")], ROOT,
                   args.runs), base)
        line("cold check ch6, fresh workspace (stubs)",
             timed([*D2LKIT, "check", "ch6"], ws, args.runs), base)

        sol = tmp / "sol"
        shutil.copytree(ROOT / "solutions", sol)
        warm = worker("warm", str(sol))
        line("warm re-grade of one exercise after a save", warm["one"])
        line("warm re-grade of ch2, nothing cached", warm["ch2_nothing_cached"])
        line("ch2, first grading in a warm engine (collection too)", warm["ch2_first_in_warm_engine"])

        n = args.submissions
        subs = class_of_submissions(tmp / "class", n)
        times = timed([*D2LKIT, "grade", str(subs), "--target", "ch3", "--jobs", "2",
                       "--format", "json"], tmp, max(1, args.runs - 1))
        med = statistics.median(times)
        print(f"{f'grade, {n} solved ch3 workspaces, --jobs 2':<58} median {med:6.2f} s   "
              f"= {n / med:.1f} submissions/s (incl. start-up; n={len(times)})", flush=True)

        sandboxed = [worker("sandboxed", "ch6") for _ in range(args.runs)]
        inprocess = [worker("inprocess", "ch6") for _ in range(args.runs)]
        s = line("ch6 graded in the sandbox (after start-up)", sandboxed)
        i = line("ch6 graded in process, the REPL's way (after start-up)", inprocess)
        print(f"{'   in-process / sandboxed':<58} {i / s:6.2f}×", flush=True)

        conf = worker("confinement", str(args.runs))
        o = line("first call of a fresh child, unconfined", [t * 1000 for t in conf["open"]],
                 unit="ms")
        c = line("first call of a fresh child, confined", [t * 1000 for t in conf["confined"]],
                 unit="ms")
        print(f"{'   confinement added per child':<58} {c - o:6.2f} ms", flush=True)

        rss = [peak_rss([*D2LKIT, "check", "ch6", "--workspace", str(ROOT / "solutions")], ROOT)
               for _ in range(max(1, args.runs - 1))]
        print(f"{'peak memory of check ch6 (largest process)':<58} median "
              f"{statistics.median(rss):6.0f} MiB", flush=True)
        for cmd in (["list"], ["hint", "ch2.vector_norm"], ["progress"]):
            line(f"d2lkit {' '.join(cmd)} (imports no torch)", timed([*D2LKIT, *cmd], ws, args.runs))
        training_section(args.runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
