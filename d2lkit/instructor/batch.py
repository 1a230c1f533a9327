"""`d2lkit grade`: grade many submissions (workspaces) with the engine of `d2lkit check`.

Each submission is graded in isolation: its code only ever runs in sandbox children (timeouts,
limits, process-group kill, kernel confinement), so a broken, hanging or hostile submission costs
its own timeouts and nothing else. One `Engine` (its warm zygote) serves every submission of a
worker; `jobs > 1` forks that many workers, each of which starts its own engine after the fork.

What runs is a private copy: a submission's `chNN/` folders (folders, `*.py` files and quiz answers files only, no
symlinks, at most `MAX_COPY_BYTES`) are copied into a fresh temporary folder, graded there and
deleted. The supervisor's pre-checks (syntax, the forbidden-call scan) therefore read exactly the
files the children import, and nothing a child does can reach the original. The learner's own
progress file is still read (read-only) from the original.

With `jobs > 1` the submissions are the tasks of a `d2lkit.grading.pool`: a worker that dies
(killed, crashed: never the learner's doing, since learner code runs in the sandbox's children)
has its submission re-graded once in a fresh worker; a second death makes that submission an
`infrastructure_error`.

Grading results are not written into the submissions' progress databases unless `record=True`.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from d2lkit.catalogue import QUIZ_FILE
from d2lkit.grading.options import Options
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult, Results
from d2lkit.output.messages import detail_text
from d2lkit.progress import Progress
from d2lkit.workspace import Workspace

MAX_COPY_BYTES = 50 * 1024**2  # of *.py files per submission; a real workspace is well under 1 MiB
MAX_COPY_ENTRIES = 20_000  # folder entries looked at per submission (a flood of empty files)
MAX_COPY_DEPTH = 8  # folder levels below a chNN/ folder; deeper ones cannot be imported anyway
ERROR_CAP = 500  # characters of an error message kept (it may quote a learner's exception)
GRADE_ATTEMPTS = 2  # a submission whose worker dies is graded once more in a fresh worker

_CHAPTER = re.compile(r"ch[0-9]{2}")


@dataclass
class Submission:
    name: str
    path: Path


@dataclass
class Graded:
    submission: Submission
    results: Results = field(default_factory=Results)  # totals: results.points, .max_points, …
    duration_s: float = 0.0
    error: str = ""  # the grader itself failed on this submission (never expected)
    learner: dict = field(default_factory=dict)  # from the workspace's own progress, read-only
    flags: list = field(default_factory=list)  # for the instructor: see `machinery_flags`
    # exercise id -> normalised-code fingerprint (`d2lkit.instructor.integrity`), for the report
    fingerprints: dict = field(default_factory=dict)


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


def cap(text: str, limit: int = ERROR_CAP) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ------------------------------------------------------------------------------ private copies
class SubmissionTooLarge(Exception):
    """A submission's chNN/ folders hold more than the copy limits allow."""

    def __init__(self, detail: Detail):
        super().__init__(f"{detail.key}: {detail.params}")
        self.detail = detail


class _Budget:
    def __init__(self, max_bytes: int, max_entries: int):
        self.bytes, self.entries = max_bytes, max_entries
        self.max_bytes, self.max_entries = max_bytes, max_entries

    def entry(self):
        self.entries -= 1
        if self.entries < 0:
            raise SubmissionTooLarge(Detail("submission-too-many-files",
                                            {"count": self.max_entries}))

    def take(self, n: int):
        self.bytes -= n
        if self.bytes < 0:
            raise SubmissionTooLarge(Detail("submission-too-large",
                                            {"limit": f"{self.max_bytes / 1024**2:g} MiB"}))


def private_copy(source: Path, parent: str | None = None, max_bytes: int = MAX_COPY_BYTES) -> Path:
    """A fresh folder holding the `chNN/` folders of `source`: folders and regular `*.py` files
    only, never through a symlink. Raises SubmissionTooLarge past the limits (nothing is left
    behind then). The caller deletes the folder."""
    dest = Path(tempfile.mkdtemp(prefix="d2lkit-sub-", dir=parent))
    budget = _Budget(max_bytes, MAX_COPY_ENTRIES)
    try:
        top = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            with os.scandir(top) as it:
                chapters = sorted(e.name for e in it if _CHAPTER.fullmatch(e.name)
                                  and e.is_dir(follow_symlinks=False))
            for name in chapters:
                _copy_folder(top, name, dest / name, budget, 0)
        finally:
            os.close(top)
        # children run as an unprivileged uid when they can read their chapter: the copy must
        # be readable by others (searchable only at the top, so that it is not listed)
        os.chmod(dest, 0o711)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


def _copy_folder(parent_fd: int, name: str, target: Path, budget: _Budget, depth: int):
    # every open is relative to an open folder and refuses symlinks, so a path swapped for a
    # symlink while we copy still cannot lead outside the submission
    fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                 dir_fd=parent_fd)
    try:
        os.mkdir(target)
        os.chmod(target, 0o755)
        with os.scandir(fd) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            budget.entry()
            if e.is_symlink():
                continue
            if e.is_dir(follow_symlinks=False):
                if depth < MAX_COPY_DEPTH and not e.name.startswith(".") \
                        and e.name != "__pycache__":
                    _copy_folder(fd, e.name, target / e.name, budget, depth + 1)
            elif (e.name.endswith(".py") or e.name == QUIZ_FILE) \
                    and e.is_file(follow_symlinks=False):  # code, and the quiz answers (data)
                _copy_file(fd, e.name, target / e.name, budget)
    finally:
        os.close(fd)


def _copy_file(dir_fd: int, name: str, target: Path, budget: _Budget):
    try:  # O_NONBLOCK: a FIFO swapped in for a file must not hang the copy
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                     dir_fd=dir_fd)
    except OSError:
        return  # vanished, or a symlink by now: the exercise will report the file as missing
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return
        data = f.read(max(budget.bytes, 0) + 1)  # the size may change between stat and read
    budget.take(len(data))
    with open(target, "xb") as out:
        out.write(data)
    os.chmod(target, 0o644)


def _relocate(results: Results, copy: Path, original: Path) -> Results:
    """Say the learner's own paths in messages, not the temporary copy's."""
    old, new = str(copy), str(original)

    def fix(value):
        if isinstance(value, str):
            return value.replace(old, new)
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        return value

    def detail(d):
        return None if d is None else Detail(d.key, fix(d.params))

    out = Results()
    for r in results:
        checks = [replace(c, detail=detail(c.detail), output=fix(c.output),
                          warnings=[detail(w) for w in c.warnings]) for c in r.checks]
        out.append(replace(r, detail=detail(r.detail), checks=checks))
    return out


# ------------------------------------------------------------------------------ grading
def _kit_failed(exercises, detail: Detail | None = None) -> Results:
    """Every exercise of a submission the kit could not grade: 0 points, and not the learner's
    fault (an infrastructure error, never a learner's status)."""
    return Results(ExerciseResult.of(ex, Status.INFRASTRUCTURE, detail=detail) for ex in exercises)


def _grade_one(sub: Submission, exercises, engine, record: bool, scratch: str | None = None
               ) -> Graded:
    start = time.monotonic()
    # an unrecorded grading still writes nothing: a progress without a file keeps nothing
    store = Progress(Workspace(sub.path).progress_path if record else None)
    error = ""
    copy = None
    flags: list[dict] = []
    fingerprints: dict = {}
    try:
        copy = private_copy(sub.path, scratch)
        with store, store.run("grade", engine.options.seed, "grade") as on_result:
            results = _relocate(engine.grade(exercises, copy, on_result=on_result), copy, sub.path)
        flags = machinery_flags(copy, exercises, results)
        fingerprints = code_fingerprints(copy, exercises)
    except SubmissionTooLarge as e:  # not graded at all, and the learner is told why
        results = _kit_failed(exercises, e.detail)
        error = detail_text(e.detail, engine.options.lang)
    except Exception as e:  # the engine failed on this submission: it gets 0, the rest goes on
        results = _kit_failed(exercises, Detail("unexpected", {"type": type(e).__name__,
                                                               "message": cap(str(e), 300)}))
        error = cap("".join(traceback.format_exception_only(type(e), e)).strip())
    finally:
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)
    return Graded(sub, results, time.monotonic() - start, error, learner_progress(sub.path), flags,
                  fingerprints)


def code_fingerprints(copy: Path, exercises) -> dict:
    """Each exercise's normalised-code fingerprint, read from the private copy by the supervisor
    (never a child's report); a failure here costs the fingerprints, never a grade."""
    from d2lkit.instructor import integrity

    try:
        return integrity.exercise_fingerprints(copy, [ex for ex in exercises if not ex.is_quiz])
    except Exception:  # noqa: BLE001 - a signal for the instructor, not part of the grade
        return {}


def machinery_flags(copy: Path, exercises, results: Results) -> list[dict]:
    """For the instructor: every use of guard-switching machinery (torch._C, torch.ops, gc,
    frames, code objects...) in the modules the children imported — the supervisor's own scan,
    whatever the verdicts — and the tampering children reported. A child's report can be forged,
    so it may add a flag but never clear one: the scan does not depend on it."""
    from d2lkit.grading.tripwire import is_tampering, machinery

    flags = []
    for relpath in dict.fromkeys(ex.relpath for ex in exercises if not ex.is_quiz):
        try:
            source = (copy / relpath).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        flags += [{"file": relpath, "line": m.line, "what": m.what, "code": cap(m.code, 200),
                   "seen": "scan"} for m in machinery(source, relpath)]
    for r in results:
        details = [r.detail, *(c.detail for c in r.checks)] if r.status is Status.FORBIDDEN else []
        names = dict.fromkeys(str(d.params.get("name", "")) for d in details
                              if d is not None and d.key == "forbidden")
        flags += [{"file": r.id, "line": 0, "what": cap(name, 200), "code": "", "seen": "run"}
                  for name in names if is_tampering(name)]
    return flags


def _worker_died(sub: Submission, exercises, starting: bool = False) -> Graded:
    message = ("the grader failed: its worker processes kept dying before their sandbox was up"
               if starting else f"the grader failed: its worker process died {GRADE_ATTEMPTS} "
               f"times while grading this submission")
    return Graded(sub, _kit_failed(exercises, Detail("grader-died", {"attempts": GRADE_ATTEMPTS})),
                  0.0, message)


def learner_progress(root: Path) -> dict:
    """Time to first pass and attempts per exercise from a workspace's own progress file, opened
    read-only (grading never writes there unless asked); {} when there is none."""
    path = Path(root) / ".d2lkit" / "progress.sqlite3"
    with Progress(path, read_only=True) as store:
        stats = store.stats()
    if not stats:
        return {}
    return {"time_to_first_pass_s": {e: round(s.time_to_first_pass, 3) for e, s in stats.items()
                                     if s.time_to_first_pass is not None},
            "attempts": {e: s.attempts for e, s in stats.items() if s.attempts}}


class _Weaknesses:
    """Hands each sandbox weakness to `on_weakness` once, however many engines report it."""

    def __init__(self, on_weakness):
        self.seen: list[str] = []
        self.on_weakness = on_weakness

    def add(self, weaknesses):
        for w in weaknesses:
            if w not in self.seen:
                self.seen.append(w)
                if self.on_weakness:
                    self.on_weakness(w)


def grade(submissions: list[Submission], exercises, options: Options, *, jobs: int = 1,
          record: bool = False, on_done=None, on_weakness=None) -> list[Graded]:
    """Grade every submission; `on_done(graded)` sees each as soon as it is finished and
    `on_weakness(text)` each sandbox hardening step missing on this machine, once.
    Returns the results in the order of `submissions`, once every engine is closed.
    Raises `d2lkit.grading.sandbox.SandboxError` when no engine can start (with
    `options.strict`: when the kernel cannot confine learner code)."""
    if not submissions:
        return []
    # torch and the graders' imports come in here, before any fork; no tensor work happens in
    # this process (workers and zygotes are forked from it)
    from d2lkit.grading.engine import Engine

    weak = _Weaknesses(on_weakness)
    scratch = tempfile.mkdtemp(prefix="d2lkit-grade-")
    try:
        os.chmod(scratch, 0o711)  # see private_copy
        jobs = max(1, min(int(jobs), len(submissions)))
        if jobs > 1:
            return _grade_parallel(submissions, exercises, options, jobs, record, on_done, weak,
                                   scratch)
        out = []
        # no cache: every submission is a different folder, so nothing would ever be reused
        with Engine(options, cache=False) as engine:
            weak.add(engine.weaknesses)
            for sub in submissions:
                g = _grade_one(sub, exercises, engine, record, scratch)
                weak.add(engine.weaknesses)
                out.append(g)
                if on_done:
                    on_done(g)
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # also what a killed worker left behind


# ------------------------------------------------------------------------------ parallel
def _grade_parallel(submissions, exercises, options, jobs, record, on_done, weak, scratch
                    ) -> list[Graded]:
    from d2lkit.grading import pool

    out: dict[int, Graded] = {}

    def work(engine, index: int, attempt: int) -> Graded:
        return _grade_one(submissions[index], exercises, engine, record, scratch)

    def done(index: int, g: Graded):
        out[index] = g
        if on_done:
            on_done(g)

    pool.run(len(submissions), work, options, jobs, on_done=done,
             lost=lambda index, starting: _worker_died(submissions[index], exercises, starting),
             on_weakness=weak.add, name=lambda index: submissions[index].name,
             attempts=GRADE_ATTEMPTS)
    return [out[i] for i in range(len(submissions))]
