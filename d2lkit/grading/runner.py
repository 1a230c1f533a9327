"""The one runner: pre-checks, then the hidden graders, then one result per exercise.

The graders are pytest files, collected by pytest once per process (and cached). They are run
here, not by a pytest session: each test function gets its fixtures (`student`, `seed`, `gen`,
`device` and its parametrize values) and its outcome becomes a check result. A transport decides
where the learner's code runs: in the sandbox (`WorkspaceTransport`) or in this process
(`d2lkit.grader`'s REPL transport). This process never imports learner code itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import zlib
from pathlib import Path

import pytest

from d2lkit.catalogue import Exercise
from d2lkit.compat import BaseExceptionGroup
from d2lkit.grading.errors import CheckFailed, LearnerProblem
from d2lkit.grading.precheck import precheck
from d2lkit.grading.protocol import STICKY, Status
from d2lkit.grading.results import CheckResult, Detail, ExerciseResult, Results
from d2lkit.paths import content_dir


def grader_file(ex: Exercise) -> Path:
    return content_dir("grader") / Path(ex.relpath).parent / f"test_{ex.topic}.py"


def _seed_for(seed: int, nodeid: str) -> int:
    return (seed * 1_000_003 + zlib.crc32(nodeid.encode())) % (2**31)


def classify(exc) -> tuple[str, str | None, Detail | None]:
    """(status, mistake id, detail) for an exception raised by a check."""
    if isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    if isinstance(exc, (CheckFailed, LearnerProblem)):
        return exc.status, exc.mistake, exc.detail
    if isinstance(exc, AssertionError):
        return "failed", None, Detail("assertion", {"message": str(exc)[:500]})
    name = type(exc).__name__ if exc is not None else "?"
    return "failed", None, Detail("unexpected", {"type": name, "message": str(exc)[:500]})


DEVICE_ERRORS = ("Expected all tensors to be on the same device", "on the same device",
                 "device type cuda but got device type cpu", "Input type (torch.FloatTensor) and weight type (torch.cuda",
                 "Input type (torch.DoubleTensor) and weight type (torch.cuda", "can't convert cuda")


def device_hint(detail: Detail | None, device: str) -> Detail | None:
    """On a GPU run, explain a result on the wrong device (or a mixed-device error) as such."""
    if detail is None or device == "cpu":
        return detail
    if detail.key == "device":
        return Detail("device-hint", {"expected": device, **detail.params})
    message = str(detail.params.get("message", ""))
    if detail.key in ("exception", "unexpected", "import-error") and any(
            m in message for m in DEVICE_ERRORS):
        return Detail("device-error", {**detail.params, "expected": device})
    return detail


def pytest_args(files: list[Path]) -> list[str]:
    # Graders check through expect_*/mistake_if, never bare asserts, so assertion rewriting (half
    # a second of compiling per cold run) buys nothing. importlib: each grader file is imported
    # under a name of its own, never through sys.path and sys.modules' bare basenames, so two
    # graders named test_norms.py (a course's own next to the kit's, a planted one in a test) can
    # be collected by one process; with the default "prepend" the second was silently empty.
    return [*map(str, files), "-p", "no:cacheprovider", "--continue-on-collection-errors",
            "--import-mode=importlib",
            "-p", "no:randomly", "-p", "no:terminal", "--capture=sys", "--assert=plain",
            "-o", "addopts=", "-o", "python_files=test_*.py",
            "--rootdir", str(content_dir("grader")), "--confcutdir", str(content_dir("grader")),
            "-c", os.devnull, "-W", "ignore::pytest.PytestAssertRewriteWarning"]


@contextlib.contextmanager
def _no_plugin_autoload():
    """Third-party pytest plugins (the jupyter stack brings several) load through entry points at
    every session start; graders need none of them."""
    old = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = old


_COLLECTED: dict[tuple[str, ...], list] = {}


class _Collector:
    def __init__(self):
        self.items = []

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "d2lkit(exercise_id, en, zh): a check of an exercise")

    def pytest_collection_finish(self, session):
        self.items = list(session.items)


# pytest plugins that cost time at every session and do nothing for graders run in-process
# (unraisableexception alone runs gc.collect twice at the end of each session)
QUIET_PLUGINS = ("unraisableexception", "threadexception", "faulthandler", "logging", "warnings",
                 "doctest", "junitxml", "pastebin", "stepwise", "lfplugin", "nose", "legacypath",
                 "tmpdir", "monkeypatch", "recwarn", "setuponly", "setupplan", "debugging")


def collect(files: list[Path]) -> list:
    """The graders' test items, collected by pytest once per process, in one session for all the
    files not seen yet, and cached per file: a warm re-grade (watch, grade, dev check) pays no
    collection, no plugin set-up and no assertion rewriting."""
    missing = [f for f in files if str(f) not in _COLLECTED]
    if missing:
        _register_hypothesis_profile()
        collector = _Collector()
        quiet = [arg for name in QUIET_PLUGINS for arg in ("-p", f"no:{name}")]
        with _no_plugin_autoload():
            code = pytest.main([*pytest_args(missing), *quiet, "--collect-only"],
                               plugins=[collector])
        if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
            raise RuntimeError(f"the graders could not be collected (pytest exit code {code})")
        for f in missing:
            _COLLECTED[str(f)] = []
        for item in collector.items:
            _COLLECTED.setdefault(str(item.path), []).append(item)
    return [item for f in files for item in _COLLECTED.get(str(f), [])]


class WorkspaceTransport:
    """Learner code in a workspace's files, run in the sandbox: one worker per exercise."""

    def __init__(self, workspace: Path, sandbox, options, protect=(), read=(), nobody_reads=False):
        self.workspace = Path(workspace)
        self.sandbox = sandbox
        self.options = options
        self.protect = tuple(protect)
        self.read = tuple(read)  # what children may read besides the learner's chapter
        self.nobody_reads = nobody_reads  # nobody can read all `read` (see confine.Policy)

    def precheck(self, ex: Exercise) -> tuple[ExerciseResult | None, str]:
        return precheck(ex, self.workspace / ex.relpath, self.options.untouched_stubs)

    def student(self, ex: Exercise):
        from d2lkit.grading.student import SandboxStudent

        timeout = getattr(ex, "time_budget", None) or self.options.timeout
        return SandboxStudent(ex, self.workspace, self.sandbox, timeout, self.options.device,
                              self.protect, self.read, self.options.confine,
                              self.options.extra_writable, self.nobody_reads, self.options.audit)


def run(exercises: list[Exercise], transport, options, on_result=None, hung=None) -> Results:
    """Grade exercises through a transport: pre-checks, then the hidden graders, one result each
    in curriculum order. Every path (check, watch, grade, dev check, the REPL) comes here.
    `on_result` sees each result as soon as it is known. `hung` remembers, across the calls of
    one engine, the modules whose import timed out (by content): each costs the timeout once."""
    hung = {} if hung is None else hung
    results: dict[str, ExerciseResult] = {}
    runnable: dict[str, tuple[Exercise, str]] = {}

    def done(result: ExerciseResult):
        results[result.id] = result
        if on_result:
            on_result(result)

    for ex in exercises:
        decided, digest = transport.precheck(ex)
        if decided:
            done(decided)
        elif not grader_file(ex).is_file():
            done(ExerciseResult.of(ex, Status.INFRASTRUCTURE, detail=Detail("no-grader", {"id": ex.id})))
        else:
            runnable[ex.id] = (ex, digest)
    if runnable:
        files = list(dict.fromkeys(grader_file(ex) for ex, _ in runnable.values()))
        items = [it for it in collect(files) if _exercise_of(it) in runnable]
        by_exercise: dict[str, list] = {eid: [] for eid in runnable}
        for it in items:
            by_exercise[_exercise_of(it)].append(it)
        for eid, (ex, digest) in runnable.items():  # curriculum order
            module = _module_key(transport, ex)
            if module in hung:  # the same module would hang again: the timeout is paid once
                first = hung[module]
                done(ExerciseResult.of(ex, first.status, detail=first.detail, code_hash=digest))
                continue
            result = _grade_exercise(ex, by_exercise[eid], transport, options, digest)
            if result.detail is not None and result.detail.key == "import-timeout":
                hung[module] = result
            done(result)
    return Results(results[ex.id] for ex in exercises)


def _about_shapes(detail: Detail | None) -> bool:
    """A failure a shape trace can explain: a result of the wrong shape, or a shape error."""
    if detail is None:
        return False
    if detail.key == "shape":
        return True
    if detail.key == "exception":
        from d2lkit.grading.shapetrace import looks_like_a_shape_error

        return looks_like_a_shape_error(str(detail.params.get("message", "")))
    return False


def _module_key(transport, ex: Exercise) -> tuple:
    """A learner's topic module by content (a hang is forgotten as soon as the file changes)."""
    path = Path(getattr(transport, "workspace", ".")) / ex.relpath
    try:
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        content = ""
    return str(path), content


def _exercise_of(item) -> str | None:
    marker = item.get_closest_marker("d2lkit")
    return marker.args[0] if marker else None


def _grade_exercise(ex: Exercise, items: list, transport, options, digest: str) -> ExerciseResult:
    """Run one exercise's checks in order: all of them, so that a learner sees every failing
    one, unless a check ends in a status that every later call would repeat (STICKY)."""
    import torch

    checks: list[CheckResult] = []
    student = None
    traced = False
    try:
        for it in items:
            params = dict(getattr(getattr(it, "callspec", None), "params", {}) or {})
            seed = _seed_for(options.seed, it.nodeid.split("::", 1)[-1])
            kwargs = {}
            for name in it.fixturenames:
                if name in params:
                    kwargs[name] = params[name]
                elif name == "student":
                    student = student or transport.student(ex)
                    student.outputs, student.warnings = [], []
                    student.series = []  # pictures a check records (api.record_series)
                    student.last_call = None
                    kwargs[name] = student
                elif name == "seed":
                    kwargs[name] = seed
                elif name == "gen":
                    kwargs[name] = torch.Generator().manual_seed(seed)
                elif name == "device":
                    kwargs[name] = torch.device(options.device)
                elif name != "request":
                    raise RuntimeError(f"{it.nodeid}: unknown fixture {name!r}")
            marker = it.get_closest_marker("d2lkit")
            title = {"en": marker.kwargs.get("en", it.name), "zh": marker.kwargs.get("zh", it.name)}
            start = time.perf_counter()
            status, mistake, detail = Status.PASSED, None, None
            try:
                it.obj(**kwargs)
            except pytest.skip.Exception:
                continue
            except BaseException as e:  # noqa: BLE001 - a grader's failure is a check result
                if isinstance(e, KeyboardInterrupt):
                    raise
                status, mistake, detail = classify(e)
                detail = device_hint(detail, options.device)
            trace = None
            if not traced and student is not None and _about_shapes(detail):
                traced = True  # one trace per exercise: it re-runs the call twice
                trace = student.shape_trace()
            checks.append(CheckResult(
                it.name, title, status, mistake, detail,
                "".join(student.outputs) if student else "", time.perf_counter() - start,
                list(student.warnings) if student else [],
                hidden=marker.kwargs.get("visibility") == "hidden", trace=trace,
                series=list(getattr(student, "series", ())) if student else []))
            if status in STICKY:  # every later call would say the same (a stub, a hang, …)
                break
    finally:
        if student is not None:
            student.close()
    if not checks:
        return ExerciseResult.of(ex, Status.INFRASTRUCTURE, detail=Detail("no-checks", {}),
                                 code_hash=digest)
    result = ExerciseResult.of(ex, Status.PASSED, checks=checks,
                               duration_s=sum(c.duration_s for c in checks), code_hash=digest)
    headline = result.failing_check  # the learner's own bug before a device complaint
    if headline is None:
        return result
    return ExerciseResult.of(ex, headline.status, mistake=headline.mistake,
                             detail=headline.detail, checks=checks,
                             duration_s=result.duration_s, code_hash=digest)


def _register_hypothesis_profile():
    """The graders' hypothesis settings; and its storage (a constants cache it writes even with
    no example database) in d2lkit's cache folder, not `.hypothesis/` in the learner's folder."""
    try:
        from hypothesis import HealthCheck, settings
        from hypothesis.configuration import set_hypothesis_home_dir
    except ImportError:
        return
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        from d2lkit.paths import cache_folder

        set_hypothesis_home_dir(cache_folder() / "hypothesis")
    settings.register_profile("d2lkit", database=None, deadline=None, derandomize=True,
                              print_blob=False,
                              suppress_health_check=[HealthCheck.too_slow,
                                                     HealthCheck.function_scoped_fixture])
    settings.load_profile("d2lkit")
