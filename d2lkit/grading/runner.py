"""Grading a list of exercises: pre-checks, then the hidden pytest graders, then one result each.

The supervisor (this process) imports torch and the graders, forks the sandbox's zygote before any
tensor work, and runs pytest in-process with a plugin that hands each test a `student` and turns
each test's outcome into a check result. It never imports learner code.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
import zlib
from pathlib import Path

import pytest

from d2lkit.catalogue import Exercise
from d2lkit.grading.errors import CheckFailed, LearnerProblem
from d2lkit.grading.results import CheckResult, Detail, ExerciseResult
from d2lkit.grading.tripwire import scan
from d2lkit.paths import content_dir

STICKY = ("not_implemented", "timeout", "crashed", "forbidden")


def grader_file(ex: Exercise) -> Path:
    return content_dir("grader") / Path(ex.relpath).parent / f"test_{ex.topic}.py"


def code_hash(source: str, names: tuple[str, ...]) -> str:
    """A hash of the learner's definitions for this exercise (attempts are counted by change)."""
    try:
        tree = ast.parse(source)
        parts = [ast.get_source_segment(source, n) or "" for n in tree.body
                 if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in names]
    except SyntaxError:
        parts = [source]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def precheck(ex: Exercise, path: Path) -> tuple[ExerciseResult | None, str]:
    """Problems found without running learner code: a missing file, a syntax error, a forbidden
    name. Returns (a decided result or None, the code hash)."""
    def decided(status, key, **params):
        return ExerciseResult(ex.id, ex.chapter_id, ex.section, status, 0, ex.points, ex.stretch,
                              detail=Detail(key, params))
    if not path.is_file():
        return decided("error", "file-missing", file=str(path)), ""
    try:
        source = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return decided("error", "file-unreadable", file=str(path), message=str(e)), ""
    digest = code_hash(source, ex.functions)
    try:
        violations = scan(source, str(path), ex.functions, ex.forbid)
    except SyntaxError as e:
        r = decided("error", "syntax", file=str(path), line=e.lineno or 0, col=e.offset or 0,
                    text=(e.text or "").rstrip("\n"), message=e.msg, type=type(e).__name__)
        r.code_hash = digest
        return r, digest
    if violations:
        v = violations[0]
        r = decided("forbidden", "forbidden-static", name=v.name, line=v.line, code=v.code,
                    file=str(path))
        r.code_hash = digest
        return r, digest
    return None, digest


def _seed_for(seed: int, nodeid: str) -> int:
    return (seed * 1_000_003 + zlib.crc32(nodeid.encode())) % (2**31)


class GraderPlugin:
    """pytest plugin: fixtures for graders, and the collection of their outcomes."""

    def __init__(self, exercises: dict[str, Exercise], make_student, seed: int, device: str,
                 on_result=None, hashes=None):
        self.exercises = exercises
        self.make_student = make_student
        self.run_seed = seed
        self.device_name = device
        self.on_result = on_result
        self.hashes = hashes or {}
        self.checks: dict[str, list[CheckResult]] = {eid: [] for eid in exercises}
        self.remaining: dict[str, int] = {}
        self.decided: dict[str, str] = {}
        self.students: dict[str, object] = {}
        self.results: dict[str, ExerciseResult] = {}

    # ------------------------------------------------------------------ collection
    def pytest_configure(self, config):
        config.addinivalue_line("markers", "d2lkit(exercise_id, en, zh): a check of an exercise")

    def pytest_collection_modifyitems(self, session, config, items):
        keep, drop = [], []
        for item in items:
            eid = self._exercise_of(item)
            (keep if eid in self.exercises else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep
        for item in keep:
            eid = self._exercise_of(item)
            self.remaining[eid] = self.remaining.get(eid, 0) + 1

    @staticmethod
    def _exercise_of(item) -> str | None:
        marker = item.get_closest_marker("d2lkit")
        return marker.args[0] if marker else None

    # ------------------------------------------------------------------ fixtures
    @pytest.fixture
    def student(self, request):
        eid = self._exercise_of(request.node)
        st = self.students.get(eid)
        if st is None:
            st = self.students[eid] = self.make_student(self.exercises[eid])
        st.outputs = []
        st.warnings = []
        return st

    @pytest.fixture
    def seed(self, request) -> int:
        return _seed_for(self.run_seed, request.node.nodeid.split("::", 1)[-1])

    @pytest.fixture
    def gen(self, seed):
        import torch

        g = torch.Generator()
        g.manual_seed(seed)
        return g

    @pytest.fixture
    def device(self):
        import torch

        return torch.device(self.device_name)

    # ------------------------------------------------------------------ running
    def pytest_runtest_setup(self, item):
        eid = self._exercise_of(item)
        if eid in self.decided:
            pytest.skip("decided by an earlier check")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        eid = self._exercise_of(item)
        if report.skipped or (report.when != "call" and report.passed):
            return report
        marker = item.get_closest_marker("d2lkit")
        title = {"en": marker.kwargs.get("en", item.name), "zh": marker.kwargs.get("zh", item.name)}
        status, mistake, detail = "passed", None, None
        if report.failed:
            status, mistake, detail = classify(call.excinfo.value if call.excinfo else None)
        student = self.students.get(eid)
        output = "".join(getattr(student, "outputs", []) or [])
        self.checks[eid].append(CheckResult(item.name, title, status, mistake, detail, output,
                                            report.duration))
        if status != "passed":
            self.decided[eid] = status
        return report

    def pytest_runtest_logfinish(self, nodeid, location):
        pass

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item, nextitem):
        eid = self._exercise_of(item)
        self.remaining[eid] -= 1
        if self.remaining[eid] == 0:
            self.finish(eid)

    def finish(self, eid: str):
        ex = self.exercises[eid]
        checks = self.checks[eid]
        failing = next((c for c in checks if c.status != "passed"), None)
        if not checks:
            status, mistake, detail = "error", None, Detail("no-checks", {})
        elif failing:
            status, mistake, detail = failing.status, failing.mistake, failing.detail
        else:
            status, mistake, detail = "passed", None, None
        result = ExerciseResult(
            ex.id, ex.chapter_id, ex.section, status, ex.points if status == "passed" else 0,
            ex.points, ex.stretch, mistake, detail, checks, sum(c.duration_s for c in checks),
            self.hashes.get(eid, ""))
        self.results[eid] = result
        if self.on_result:
            self.on_result(result)


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


def grading_device(name: str):
    """`cuda` means `cuda:0`: results come back with an index, and graders compare devices."""
    import torch

    device = torch.device(name)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", 0)
    return device


def device_hint(detail: Detail | None, device: str) -> Detail | None:
    """On a GPU run, explain a result on the wrong device (or a mixed-device error) as such."""
    if detail is None or device == "cpu":
        return detail
    if detail.key == "device":
        return Detail("device-hint", {"expected": device, **detail.params})
    message = str(detail.params.get("message", ""))
    if detail.key in ("exception", "unexpected", "import-error") and any(
            m in message for m in DEVICE_ERRORS):
        return Detail("device-error", {**detail.params, "expected": str(grading_device(device))})
    return detail


def pytest_args(files: list[Path]) -> list[str]:
    # Graders check through expect_*/mistake_if, never bare asserts, so assertion rewriting (half
    # a second of compiling per cold run) buys nothing.
    return [*map(str, files), "-p", "no:cacheprovider", "--continue-on-collection-errors",
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


def run_pytest(files: list[Path], plugin: GraderPlugin):
    _register_hypothesis_profile()
    with _no_plugin_autoload():
        code = pytest.main(pytest_args(files), plugins=[plugin])
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RuntimeError(f"the graders could not run (pytest exit code {code})")


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


def run_items(items: list, plugin: GraderPlugin):
    """Run collected grader tests with the plugin's fixtures, as pytest would, without a pytest
    session: each test gets student/seed/gen/device and its parametrize values, and its outcome
    becomes a check result exactly as `GraderPlugin.pytest_runtest_makereport` records it."""
    import time as _time

    import torch
    from _pytest.outcomes import Skipped

    device = grading_device(plugin.device_name)
    mine = [it for it in items if GraderPlugin._exercise_of(it) in plugin.exercises]
    for it in mine:
        eid = GraderPlugin._exercise_of(it)
        plugin.remaining[eid] = plugin.remaining.get(eid, 0) + 1
    for it in mine:
        eid = GraderPlugin._exercise_of(it)
        try:
            if eid in plugin.decided:
                continue
            params = dict(getattr(getattr(it, "callspec", None), "params", {}) or {})
            seed = _seed_for(plugin.run_seed, it.nodeid.split("::", 1)[-1])
            kwargs = {}
            for name in it._fixtureinfo.argnames:
                if name in params:
                    kwargs[name] = params[name]
                elif name == "student":
                    st = plugin.students.get(eid)
                    if st is None:
                        st = plugin.students[eid] = plugin.make_student(plugin.exercises[eid])
                    st.outputs = []
                    st.warnings = []
                    kwargs[name] = st
                elif name == "seed":
                    kwargs[name] = seed
                elif name == "gen":
                    g = torch.Generator()
                    g.manual_seed(seed)
                    kwargs[name] = g
                elif name == "device":
                    kwargs[name] = device
                else:
                    raise RuntimeError(f"{it.nodeid}: unknown fixture {name!r}")
            marker = it.get_closest_marker("d2lkit")
            title = {"en": marker.kwargs.get("en", it.name), "zh": marker.kwargs.get("zh", it.name)}
            start = _time.perf_counter()
            status, mistake, detail = "passed", None, None
            try:
                it.obj(**kwargs)
            except Skipped:
                continue
            except BaseException as e:  # noqa: BLE001 - a grader's failure is a check result
                if isinstance(e, KeyboardInterrupt):
                    raise
                status, mistake, detail = classify(e)
                detail = device_hint(detail, plugin.device_name)
            student = plugin.students.get(eid)
            output = "".join(getattr(student, "outputs", []) or [])
            plugin.checks[eid].append(CheckResult(
                it.name, title, status, mistake, detail, output, _time.perf_counter() - start,
                list(getattr(student, "warnings", []) or [])))
            if status != "passed":
                plugin.decided[eid] = status
        finally:
            plugin.remaining[eid] -= 1
            if plugin.remaining[eid] == 0:
                plugin.finish(eid)


def grade(exercises: list[Exercise], workspace: Path, *, make_student, seed: int,
          device: str = "cpu", on_result=None) -> list[ExerciseResult]:
    """Grade exercises of a workspace; `on_result` sees each result as soon as it is known."""
    results: dict[str, ExerciseResult] = {}
    runnable: dict[str, Exercise] = {}
    hashes: dict[str, str] = {}
    for ex in exercises:
        decided, digest = precheck(ex, Path(workspace) / ex.relpath)
        hashes[ex.id] = digest
        if decided:
            results[ex.id] = decided
            if on_result:
                on_result(decided)
        elif not grader_file(ex).is_file():
            results[ex.id] = r = ExerciseResult(ex.id, ex.chapter_id, ex.section, "error", 0,
                                                ex.points, ex.stretch,
                                                detail=Detail("no-grader", {"id": ex.id}))
            if on_result:
                on_result(r)
        else:
            runnable[ex.id] = ex
    if runnable:
        plugin = GraderPlugin(runnable, make_student, seed, device, on_result, hashes)
        files = list(dict.fromkeys(grader_file(ex) for ex in runnable.values()))  # curriculum order
        items = collect(files)
        run_items(items, plugin)
        for eid, ex in runnable.items():
            if eid not in plugin.results:  # collection failed or no test for it
                plugin.finish(eid)
        results.update(plugin.results)
    return [results[ex.id] for ex in exercises]


def _register_hypothesis_profile():
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:
        return
    settings.register_profile("d2lkit", database=None, deadline=None, derandomize=True,
                              print_blob=False,
                              suppress_health_check=[HealthCheck.too_slow,
                                                     HealthCheck.function_scoped_fixture])
    settings.load_profile("d2lkit")
