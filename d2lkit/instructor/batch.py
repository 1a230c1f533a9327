"""`d2lkit grade`: grade many submissions (workspaces) with the engine of `d2lkit check`.

Each submission is graded in isolation: its code only ever runs in sandbox children (timeouts,
limits, process-group kill), so a broken, hanging or hostile submission costs its own timeouts
and nothing else. One Sandbox (its warm zygote) serves every submission of a worker; `jobs > 1`
forks that many workers, each with its own Sandbox, before any tensor work.

Grading results are not written into the submissions' progress databases unless `record=True`.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from d2lkit.grading.results import Detail, ExerciseResult


@dataclass
class Submission:
    name: str
    path: Path


@dataclass
class Graded:
    submission: Submission
    results: list[ExerciseResult] = field(default_factory=list)
    duration_s: float = 0.0
    error: str = ""  # the grader itself failed on this submission (never expected)
    learner: dict = field(default_factory=dict)  # from the workspace's own progress, read-only

    @property
    def points(self) -> int:
        return sum(r.points for r in self.results if not r.stretch)

    @property
    def max_points(self) -> int:
        return sum(r.max_points for r in self.results if not r.stretch)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results if not r.stretch)

    @property
    def total(self) -> int:
        return sum(1 for r in self.results if not r.stretch)


def is_workspace(path: Path) -> bool:
    return path.is_dir() and ((path / "d2lkit.toml").is_file() or any(path.glob("ch[0-9][0-9]")))


def discover(paths) -> list[Submission]:
    """Each path is a workspace, or a folder whose sub-folders are workspaces (sorted by name)."""
    found: list[Submission] = []
    for raw in paths:
        path = Path(raw)
        if is_workspace(path):
            found.append(Submission(path.resolve().name, path.resolve()))
        elif path.is_dir():
            for sub in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
                if is_workspace(sub):
                    found.append(Submission(sub.name, sub.resolve()))
        else:
            raise FileNotFoundError(str(path))
    names: dict[str, int] = {}
    for s in found:  # unique names, as the output keys submissions by name
        n = names.get(s.name, 0)
        names[s.name] = n + 1
        if n:
            s.name = f"{s.name}~{n + 1}"
    return found


def _grade_one(sub: Submission, exercises, seed, timeout, sandbox, record) -> Graded:
    from d2lkit.grading.session import check_exercises

    start = time.monotonic()
    on_result, finish = None, None
    if record:
        on_result, finish = _recorder(sub, seed)
    try:
        results = check_exercises(exercises, sub.path, seed=seed, timeout=timeout, sandbox=sandbox,
                                  on_result=on_result)
        error = ""
    except Exception as e:  # the engine failed on this submission: it gets 0, the rest goes on
        results = [ExerciseResult(ex.id, ex.chapter_id, ex.section, "crashed", 0, ex.points,
                                  ex.stretch, detail=Detail("unexpected", {
                                      "type": type(e).__name__, "message": str(e)[:300]}))
                   for ex in exercises]
        error = "".join(traceback.format_exception_only(type(e), e)).strip()
    finally:
        if finish:
            finish()
    return Graded(sub, results, time.monotonic() - start, error, learner_progress(sub.path))


def learner_progress(root: Path) -> dict:
    """Time to first pass and attempts per exercise from a workspace's progress file, opened
    read-only (grading never writes there unless asked); {} when there is none."""
    import sqlite3

    path = Path(root) / ".d2lkit" / "progress.sqlite3"
    if not path.is_file():
        return {}
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = db.execute("SELECT exercise, status, at FROM results ORDER BY at, id").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return {}
    first_attempt, first_pass, attempts = {}, {}, {}
    for exercise, status, at in rows:
        if status != "not_implemented":
            attempts[exercise] = attempts.get(exercise, 0) + 1
            first_attempt.setdefault(exercise, at)
        if status == "passed":
            first_pass.setdefault(exercise, at)
    ttfp = {e: round(first_pass[e] - first_attempt[e], 3) for e in first_pass if e in first_attempt}
    return {"time_to_first_pass_s": ttfp, "attempts": attempts}


def _recorder(sub: Submission, seed):
    from d2lkit import __version__
    from d2lkit.progress import Progress
    from d2lkit.workspace import Workspace

    store = Progress(Workspace(sub.path).progress_path)
    run_id = store.start_run("grade", seed, "grade", __version__)

    def record(r):
        store.record_result(run_id, r.id, r.status, r.mistake, r.duration_s, r.code_hash)

    def finish():
        store.finish_run(run_id)
        store.close()

    return record, finish


def grade(submissions: list[Submission], exercises, *, seed: int, timeout: float = 10.0,
          jobs: int = 1, record: bool = False, on_done=None) -> list[Graded]:
    """Grade every submission; `on_done(graded)` sees each as soon as it is finished.
    Returns the results in the order of `submissions`."""
    if not submissions:
        return []
    # torch and the graders' imports come in here, before any fork; no tensor work happens in
    # this process (workers and zygotes are forked from it)
    from d2lkit.grading import session  # noqa: F401
    from d2lkit.grading.sandbox import Sandbox

    jobs = max(1, min(int(jobs), len(submissions)))
    if jobs == 1:
        out = []
        with Sandbox() as sb:
            for sub in submissions:
                g = _grade_one(sub, exercises, seed, timeout, sb, record)
                out.append(g)
                if on_done:
                    on_done(g)
        return out
    return _grade_parallel(submissions, exercises, seed, timeout, jobs, record, on_done)


def _worker(tasks, results, submissions, exercises, seed, timeout, record):
    from d2lkit.grading.sandbox import Sandbox

    os.environ["OMP_NUM_THREADS"] = "1"
    with Sandbox() as sb:  # this worker's own zygote, forked before any tensor work here
        while True:
            index = tasks.get()
            if index is None:
                break
            results.put((index, _grade_one(submissions[index], exercises, seed, timeout, sb,
                                           record)))


def _grade_parallel(submissions, exercises, seed, timeout, jobs, record, on_done) -> list[Graded]:
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    tasks, results = ctx.Queue(), ctx.Queue()
    for i in range(len(submissions)):
        tasks.put(i)
    for _ in range(jobs):
        tasks.put(None)
    workers = [ctx.Process(target=_worker, args=(tasks, results, submissions, exercises, seed,
                                                 timeout, record), daemon=True)
               for _ in range(jobs)]
    for w in workers:
        w.start()
    out: dict[int, Graded] = {}
    try:
        while len(out) < len(submissions):
            try:
                index, g = results.get(timeout=1.0)
            except Exception:  # queue.Empty: check that the workers are alive
                if not any(w.is_alive() for w in workers) and results.empty():
                    break
                continue
            out[index] = g
            if on_done:
                on_done(g)
    finally:
        for w in workers:
            w.join(timeout=5)
            if w.is_alive():
                w.kill()
                w.join()
    for i, sub in enumerate(submissions):  # a worker died (never expected): say so per submission
        if i not in out:
            g = Graded(sub, [ExerciseResult(ex.id, ex.chapter_id, ex.section, "crashed", 0,
                                            ex.points, ex.stretch) for ex in exercises],
                       0.0, "grading worker died")
            out[i] = g
            if on_done:
                on_done(g)
    return [out[i] for i in range(len(submissions))]
