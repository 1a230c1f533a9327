"""One mistake costs one exercise: what builds on a broken exercise is blocked by it, and a module
that never finishes importing is reported once (grading/dependencies.py, runner, student)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from d2lkit import catalogue
from d2lkit.grading.dependencies import Cascade, uses, uses_in
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult

ROOT = Path(__file__).resolve().parent.parent
CAT = catalogue.load()


def test_the_reference_solutions_build_on_what_the_book_builds_on():
    graph = uses_in(ROOT / "solutions", CAT.exercises, CAT.exercises)
    assert graph["ch6.corr2d"] == ()
    assert graph["ch6.corr2d_multi_in"] == ("ch6.corr2d",)  # imported from conv_basics
    assert graph["ch6.corr2d_multi_in_out"] == ("ch6.corr2d_multi_in",)
    assert "ch10.masked_softmax" in graph["ch10.dot_product_attention"]
    assert "ch10.dot_product_attention" in graph["ch10.MultiHeadAttention"]  # a class it builds
    assert graph["ch7.BatchNorm"] == ("ch7.batch_norm",)


def test_every_exercise_builds_only_on_earlier_ones():
    """A cascade is judged in curriculum order: what an exercise uses must be known before it."""
    order = {ex.id: i for i, ex in enumerate(CAT.exercises)}
    graph = uses_in(ROOT / "solutions", CAT.exercises, CAT.exercises)
    for eid, used in graph.items():
        for other in used:
            assert order[other] < order[eid], (eid, other)


def test_a_learners_own_helper_counts_and_a_sibling_it_never_names_does_not():
    ex = CAT.by_id["ch3.cross_entropy"]
    source = ("def softmax(X):\n    return X\n\n"
              "def _probs(y_hat):\n    return softmax(y_hat)\n\n"
              "def cross_entropy(y_hat, y):\n    return -_probs(y_hat)[range(len(y)), y].log()\n\n"
              "def accuracy(y_hat, y):\n    return 0\n")
    assert uses(ex, source, CAT.exercises) == ("ch3.softmax",)
    assert uses(CAT.by_id["ch3.accuracy"], source, CAT.exercises) == ()
    assert uses(ex, "def cross_entropy(:\n", CAT.exercises) == ()  # unparsable: nothing


def _result(eid, status, detail=None):
    return ExerciseResult.of(CAT.by_id[eid], status, detail=detail)


def test_the_cascade_names_the_root_of_a_chain_and_keeps_no_mistake():
    graph = {"ch6.corr2d_multi_in": ("ch6.corr2d",),
             "ch6.corr2d_multi_in_out": ("ch6.corr2d_multi_in",)}
    judge = Cascade(graph, CAT.exercises)
    judge(_result("ch6.corr2d", Status.FAILED, Detail("values", {})))
    failed = ExerciseResult.of(CAT.by_id["ch6.corr2d_multi_in"], Status.FAILED,
                               mistake="stacked-not-summed", detail=Detail("values", {}))
    first = judge(failed)
    second = judge(_result("ch6.corr2d_multi_in_out", Status.ERROR, Detail("exception", {})))
    for r in (first, second):
        assert r.status is Status.BLOCKED and r.mistake is None and r.points == 0
        assert r.detail == Detail("blocked-by", {"id": "ch6.corr2d", "status": "failed"})


def test_an_exercise_that_passes_or_is_its_own_stub_is_never_blocked():
    graph = {"ch6.corr2d_multi_in": ("ch6.corr2d",)}
    judge = Cascade(graph, CAT.exercises)
    judge(_result("ch6.corr2d", Status.FAILED))
    own_stub = _result("ch6.corr2d_multi_in", Status.NOT_IMPLEMENTED,
                       Detail("not-implemented", {"function": "corr2d_multi_in"}))
    assert judge(own_stub).status is Status.NOT_IMPLEMENTED
    judge = Cascade(graph, CAT.exercises)
    judge(_result("ch6.corr2d", Status.NOT_IMPLEMENTED))
    its_stub = _result("ch6.corr2d_multi_in", Status.NOT_IMPLEMENTED,
                       Detail("not-implemented", {"function": "corr2d"}))
    blocked = judge(its_stub)
    assert blocked.detail == Detail("blocked-by", {"id": "ch6.corr2d", "status": "not_implemented"})
    assert judge(_result("ch6.corr2d_multi_in_out", Status.PASSED)).passed


def test_the_blocked_message_names_what_to_fix_in_both_languages():
    from d2lkit.output.messages import detail_text

    detail = Detail("blocked-by", {"id": "ch6.corr2d", "status": "failed"})
    assert "ch6.corr2d (failed)" in detail_text(detail, "en")
    zh = detail_text(detail, "zh")
    assert "ch6.corr2d（未通过）" in zh


# ------------------------------------------------------------------------------ the engine
def _solutions_of(chapter: str, tmp_path) -> Path:
    """A workspace holding one chapter's reference solutions."""
    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions" / chapter, ws / chapter)
    (ws / "d2lkit.toml").write_text("[workspace]\n")
    return ws


@pytest.fixture
def chapter6(tmp_path) -> Path:
    return _solutions_of("ch06", tmp_path)


def _flip_the_kernel(ws: Path):
    path = ws / "ch06" / "conv_basics.py"
    source = path.read_text()
    assert "(X[i:i + h, j:j + w] * K).sum()" in source
    path.write_text(source.replace("(X[i:i + h, j:j + w] * K).sum()",
                                   "(X[i:i + h, j:j + w] * K.flip(0, 1)).sum()", 1))


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_wrong_corr2d_blocks_the_channel_exercises_and_nothing_else(chapter6, jobs):
    from d2lkit.grading.engine import grade_once
    from d2lkit.grading.options import Options

    _flip_the_kernel(chapter6)
    ids = ["ch6.corr2d_multi_in_out", "ch6.corr2d_multi_in_out_1x1", "ch6.corr2d_multi_in"]
    results = grade_once([CAT.by_id[i] for i in ids], chapter6, Options(seed=1), jobs=jobs)
    # corr2d itself was graded to decide, but only what was asked for is reported
    assert [r.id for r in results] == ids
    got = {r.id: r for r in results}
    for eid in ("ch6.corr2d_multi_in_out", "ch6.corr2d_multi_in"):
        assert got[eid].status is Status.BLOCKED, got[eid]
        assert got[eid].mistake is None and got[eid].checks == []
        assert got[eid].detail.params == {"id": "ch6.corr2d", "status": "failed"}
    assert got["ch6.corr2d_multi_in_out_1x1"].passed  # it does not use corr2d


@pytest.mark.slow
def test_a_blocked_exercise_is_graded_on_its_merits_once_the_block_is_fixed(chapter6):
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options

    ex = CAT.by_id["ch6.corr2d_multi_in"]
    original = (chapter6 / "ch06" / "conv_basics.py").read_text()
    with Engine(Options(seed=2)) as engine:
        _flip_the_kernel(chapter6)
        assert engine.grade([ex], chapter6)[0].status is Status.BLOCKED
        (chapter6 / "ch06" / "conv_basics.py").write_text(original)
        assert engine.grade([ex], chapter6)[0].passed


@pytest.mark.slow
def test_a_module_that_hangs_at_import_is_reported_once_and_costs_one_timeout(tmp_path):
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options

    ws = _solutions_of("ch03", tmp_path)
    module = ws / "ch03" / "softmax_scratch.py"
    module.write_text(module.read_text() + "\nwhile True:\n    pass\n")
    ids = ["ch3.softmax", "ch3.cross_entropy", "ch3.accuracy", "ch3.squared_loss"]
    with Engine(Options(seed=3, timeout=1.5)) as engine:
        start = time.monotonic()
        results = engine.grade([CAT.by_id[i] for i in ids], ws)
        elapsed = time.monotonic() - start
    first, *others, unrelated = results
    assert first.status is Status.TIMEOUT and first.detail.key == "import-timeout"
    assert first.detail.params["file"] == "ch03/softmax_scratch.py"
    for r in others:
        assert r.status is Status.BLOCKED
        assert r.detail == Detail("module-not-imported", {"file": "ch03/softmax_scratch.py",
                                                          "id": "ch3.softmax"})
        assert r.duration_s == 0  # never run: the module would only hang again
    assert unrelated.passed  # another file of the chapter
    assert elapsed < 3 * 1.5, elapsed  # one timeout was paid, not three


@pytest.mark.slow
def test_a_syntax_error_is_reported_by_the_first_exercise_of_its_file(tmp_path):
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options

    ws = _solutions_of("ch03", tmp_path)
    module = ws / "ch03" / "softmax_scratch.py"
    module.write_text(module.read_text() + "\ndef broken(:\n")
    ids = ["ch3.softmax", "ch3.cross_entropy"]
    with Engine(Options(seed=3)) as engine:
        first, second = engine.grade([CAT.by_id[i] for i in ids], ws)
    assert first.detail.key == "syntax"
    assert second.status is Status.BLOCKED and second.detail.key == "module-not-imported"


@pytest.mark.slow
def test_the_report_of_a_blocked_exercise_points_at_what_blocks_it(workspace):
    from conftest import run_cli

    for source in (ROOT / "solutions" / "ch06").glob("*.py"):
        shutil.copy(source, workspace / "ch06" / source.name)
    _flip_the_kernel(workspace)
    r = run_cli("check", "ch6.corr2d_multi_in_out", cwd=workspace)
    assert r.returncode == 1, r.stderr
    assert "blocked" in r.stdout and "it builds on ch6.corr2d (failed)" in r.stdout
    assert "Edit: ch06/conv_basics.py" in r.stdout  # corr2d's file, not channels.py
    assert "d2lkit hint ch6.corr2d" in r.stdout
    assert "Likely mistake" not in r.stdout  # nothing of its own is diagnosed
