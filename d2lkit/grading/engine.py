"""The one way to grade: `Engine(options).grade(exercises, workspace)` → `Results`.

`check`, `watch`, `grade`, `dev check` and the benchmark all come through here; the REPL path
(`d2lkit.grader`) runs the same runner with the in-process transport.

Importing this module imports torch and everything a child needs, and must happen before this
process runs any tensor operation: an engine forks its sandbox's zygote, and every child is forked
from that zygote, inheriting these modules for free. An engine is warm: its zygote, the collected
graders and the expected values of the reference solutions stay alive across gradings, and a
result is reused while the files it depends on are unchanged (same seed and options).
"""

from __future__ import annotations

import ast
import hashlib
import os
import sys
from pathlib import Path

# What a child needs, imported before the zygote forks (children inherit it for free); the
# supervisor must run no tensor operation (and must not touch CUDA) before that fork.
PRELOAD = ("torch", "numpy", "numpy.random", "pytest", "hypothesis", "sqlite3", "d2lkit.grading.api",
           "d2lkit.grading.child", "d2lkit.grading.probes", "d2lkit.grading.wire",
           "d2lkit.grading.shapetrace")
for _name in PRELOAD:
    __import__(_name)

import torch  # noqa: E402

from d2lkit.grading import child, confine, dependencies, runner  # noqa: E402
from d2lkit.grading.options import Options  # noqa: E402
from d2lkit.grading.protocol import CACHEABLE  # noqa: E402
from d2lkit.grading.results import Results  # noqa: E402
from d2lkit.grading.sandbox import Sandbox, SandboxError  # noqa: E402


def _precision(options: Options):
    """CATALOGUE §2.6: full float32 precision, TF32 off (after the fork: this may touch CUDA).
    One intra-op thread, like the children: the references run on tiny tensors, and a second
    OpenMP thread only waits for a core that children and other workers keep busy (measured:
    single small operators took 5-15 ms instead of 0.01 ms under `grade --jobs 2`)."""
    torch.set_float32_matmul_precision("highest")
    torch.set_num_threads(options.limits.threads)
    if options.on_gpu:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


def _safe(on_result):
    """A progress writer that fails (a learner broke the database) must not end the grading."""
    if on_result is None:
        return None
    warned = []

    def call(result):
        try:
            on_result(result)
        except Exception as e:  # noqa: BLE001
            if not warned:
                warned.append(e)
                print(f"d2lkit: could not record a result ({type(e).__name__}: {e})", file=sys.stderr)

    return call


def fingerprint(workspace: Path, ex) -> str:
    """The learner's files an exercise can see, by content: its own module and the modules of
    its chapter that it imports relatively (`from .ndarray import ...`)."""
    h = hashlib.sha256()
    own = Path(workspace) / ex.relpath
    files = [own]
    try:
        for node in ast.walk(ast.parse(own.read_bytes())):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                if node.module:
                    files.append(own.parent / (node.module.split(".")[0] + ".py"))
                else:
                    files += [own.parent / f"{a.name}.py" for a in node.names]
    except (OSError, SyntaxError, ValueError):
        pass
    for f in sorted(set(files)):
        try:
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
        except OSError:
            h.update(f.name.encode() + b"\0?\0")
    return h.hexdigest()


class Engine:
    """A warm grader. Create it before any tensor work in this process."""

    def __init__(self, options: Options, *, cache: bool = True, protect=()):
        self.options = options
        self.protect = tuple(str(p) for p in protect)  # more folders children may not open
        self.read = child.runtime_read_paths()
        self.nobody_reads = options.confine and confine.nobody_can_read(self.read)
        policy = confine.Policy(read=self.read, landlock=options.confine,
                                seccomp=options.confine, nobody_reads=self.nobody_reads)
        self.confinement_weaknesses = confine.preview(policy)
        if options.strict and options.confine and confine.landlock_abi() == 0:
            raise SandboxError("this kernel has no Landlock, so learner code could read and write "
                               "any file this user can; refusing to grade (see README)")
        self.sandbox = Sandbox(child.ENTRY, device=options.device, limits=options.limits,
                               preload=PRELOAD, strict=options.strict).start()
        self.cache_enabled = cache
        self._cache: dict[tuple, object] = {}
        self.reused = 0  # results taken from the cache in the last grading
        self.hung: dict = {}  # modules whose import timed out (runner.run), by content
        _precision(options)

    @property
    def weaknesses(self) -> list[str]:
        """Sandbox hardening steps that failed on this machine (README says what each costs)."""
        return [*self.confinement_weaknesses, *self.sandbox.weaknesses]

    def close(self):
        self.sandbox.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def grade(self, exercises, workspace: Path, *, on_result=None, use_cache: bool | None = None,
              cascade: bool = True) -> Results:
        """Results of `exercises` in their order. With `cascade`, the exercises they use are
        graded too (not reported), and one that fails while something it uses is not passed
        is blocked by it (`grading.dependencies`). Quizzes among them are graded from the
        workspace's answers files, in this process (d2lkit.quiz.grading: data, never run)."""
        from d2lkit.quiz.grading import with_quizzes

        return with_quizzes(exercises, workspace, on_result, lambda code, arrived: self._grade_code(
            code, workspace, on_result=arrived, use_cache=use_cache, cascade=cascade))

    def _grade_code(self, exercises, workspace: Path, *, on_result=None,
                    use_cache: bool | None = None, cascade: bool = True) -> Results:
        workspace = Path(workspace)
        use_cache = self.cache_enabled if use_cache is None else use_cache
        o = self.options
        requested = list(exercises)
        graph: dict = {}
        if cascade:
            exercises, graph = dependencies.with_dependencies(requested, workspace,
                                                              _catalogue_exercises())
        wanted = {ex.id for ex in requested}
        todo, raw, keys = [], {}, {}
        for ex in exercises:
            if not self.cache_enabled:  # `grade`: every submission is new, keep nothing
                todo.append(ex)
                continue
            key = (str(workspace.resolve()), ex.id, o.seed, o.device, o.timeout,
                   fingerprint(workspace, ex))
            keys[ex.id] = key
            if use_cache and key in self._cache:
                raw[ex.id] = self._cache[key]
            else:
                todo.append(ex)
        self.reused = sum(ex.id in raw for ex in requested)
        safe = _safe(on_result)
        judge = dependencies.Cascade(graph, exercises)
        final: dict = {}

        def release():
            """Judge and report, in order, every result whose predecessors are all known."""
            for ex in exercises:
                if ex.id in final:
                    continue
                if ex.id not in raw:
                    return
                final[ex.id] = judge(raw[ex.id])
                if safe and ex.id in wanted:
                    safe(final[ex.id])

        def arrived(result):
            raw[result.id] = result
            release()

        release()
        transport = runner.WorkspaceTransport(workspace, self.sandbox, o, self.protect, self.read,
                                              self.nobody_reads)
        fresh = runner.run(todo, transport, o, on_result=arrived, hung=self.hung) if todo else []
        for r in fresh:
            raw.setdefault(r.id, r)
            if r.status in CACHEABLE and r.id in keys:
                self._cache[keys[r.id]] = r  # the learner's own verdict: blocking is redone
        release()
        return Results(final[ex.id] for ex in requested)


def _catalogue_exercises():
    from d2lkit import catalogue

    return catalogue.load().exercises


def grade_once(exercises, workspace: Path, options: Options, *, on_result=None, on_weakness=None,
               jobs: int | None = None) -> Results:
    """`d2lkit check`: grade once, with as many engines as the exercises that need running are
    worth (`workers_for`, or `jobs`), then stop them. `on_weakness(list)` sees the sandbox's
    weaknesses on this machine before the first result, and any found later."""
    from d2lkit.grading.precheck import precheck

    if all(ex.is_quiz for ex in exercises):  # answers are data: no engine, no sandbox
        from d2lkit.quiz.grading import with_quizzes

        return with_quizzes(exercises, workspace, on_result, lambda code, arrived: Results())
    warn = on_weakness or (lambda weaknesses: None)
    runnable = [ex for ex in exercises if not ex.is_quiz
                and precheck(ex, Path(workspace) / ex.relpath, options.untouched_stubs)[0] is None]
    jobs = workers_for(runnable, options) if jobs is None else max(1, min(jobs, len(runnable)))
    if jobs > 1:
        return grade_in_workers(exercises, workspace, options, jobs, on_result=on_result,
                                on_weakness=warn)
    with Engine(options, cache=False) as engine:
        warn(engine.weaknesses)
        results = engine.grade(exercises, workspace, on_result=on_result)
        warn(engine.weaknesses)  # a hardening step can also fail once children are forked
        return results


WORKER_ATTEMPTS = 2  # an exercise whose worker dies is graded once more in a fresh worker


def workers_for(exercises, options: Options) -> int:
    """How many engines a cold grading of these exercises is worth: one per core, up to 4 (each
    costs a fork and a zygote, ~0.1 s of CPU), and one on a GPU (the untested path stays simple)."""
    if options.on_gpu:
        return 1
    return max(1, min(os.cpu_count() or 1, 4, len(exercises)))


def grade_in_workers(exercises, workspace: Path, options: Options, jobs: int, *, on_result=None,
                     on_weakness=None) -> Results:
    """A cold grading of many exercises (`d2lkit check ch6`): the exercises are the tasks of a
    `grading.pool` of `jobs` engines, each in a process forked from this one. Grading one
    exercise is a ping-pong (the supervisor sends a call, the child computes, the supervisor
    compares), so one engine keeps one core busy; several keep several. Every exercise is still
    graded by one runner in a child of its own, so its result is the one `Engine.grade` gives.
    `on_result` sees the results in curriculum order, each as soon as it and all before it are
    known; `on_weakness(list)` sees each worker's sandbox weaknesses."""
    from d2lkit.quiz.grading import with_quizzes

    return with_quizzes(exercises, workspace, on_result, lambda code, arrived: _grade_in_workers(
        code, workspace, options, jobs, on_result=arrived, on_weakness=on_weakness))


def _grade_in_workers(exercises, workspace: Path, options: Options, jobs: int, *, on_result=None,
                      on_weakness=None) -> Results:
    from d2lkit.grading import pool
    from d2lkit.grading.protocol import Status
    from d2lkit.grading.results import Detail, ExerciseResult

    requested = list(exercises)
    exercises, graph = dependencies.with_dependencies(requested, workspace, _catalogue_exercises())
    wanted = {ex.id for ex in requested}
    judge = dependencies.Cascade(graph, exercises)
    torch.set_num_threads(options.limits.threads)
    runner.collect([runner.grader_file(ex) for ex in exercises])  # here once: workers inherit it
    results: dict[int, object] = {}
    final: dict[str, object] = {}
    shown = 0
    safe = _safe(on_result)

    def done(index: int, result):
        nonlocal shown
        results[index] = result
        while shown in results:  # in curriculum order: what an exercise uses is judged first
            r = final[exercises[shown].id] = judge(results[shown])
            if safe and r.id in wanted:
                safe(r)
            shown += 1

    def work(engine, index: int, attempt: int):
        return engine.grade([exercises[index]], workspace, cascade=False)[0]

    def lost(index: int, starting: bool):
        return ExerciseResult.of(exercises[index], Status.INFRASTRUCTURE,
                                 detail=Detail("worker-died", {"attempts": WORKER_ATTEMPTS}))

    pool.run(len(exercises), work, options, jobs, on_done=done, lost=lost,
             on_weakness=on_weakness or (lambda weaknesses: None),
             name=lambda index: exercises[index].id, attempts=WORKER_ATTEMPTS)
    return Results(final[ex.id] for ex in requested)
