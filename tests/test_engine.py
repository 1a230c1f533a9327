"""One runner: the same submission gives the same result, field by field, on every path —
`check` (grade_once: one engine, and exercises spread over forked engines), `watch` (a warm
engine, graded twice), `grade` (batch workers) and the
REPL's in-process transport — for a catalogued mistake, an allowed-but-reported input mutation
(a warning) and a device error raised by the learner's code."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT

CASES = {
    # the book's unstable softmax: the catalogued mistake no-max-subtraction
    "ch3.softmax": ("ch03/softmax_scratch.py", "softmax", '''
def softmax(X):
    e = X.exp()
    return e / e.sum(dim=1, keepdim=True)
'''),
    # right, but it writes its mask into the caller's X, as d2l's own does: passes, with a warning
    "ch10.masked_softmax": ("ch10/attention_scoring.py", "masked_softmax", '''
def masked_softmax(X, valid_lens=None):
    if valid_lens is None:
        return torch.softmax(X, dim=-1)
    B, Q, K = X.shape
    if valid_lens.dim() == 1:
        valid_lens = valid_lens.repeat_interleave(Q)
    keep = torch.arange(K, device=X.device).reshape(1, 1, K) < valid_lens.reshape(B, Q, 1)
    X[~keep] = -1e6
    return torch.softmax(X, dim=-1)
'''),
    # the message a learner sees when tensors sit on two devices
    "ch2.vector_norm": ("ch02/norms.py", "vector_norm", '''
def vector_norm(x, p=2.0):
    raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                       "devices, cuda:0 and cpu!")
'''),
}


def fields(result) -> dict:
    """What a learner or an instructor is shown, without timings (as text: a NaN measured in a
    failing check is the same NaN on every path, though nan != nan)."""
    return {"status": result.status, "mistake": result.mistake, "detail": repr(result.detail),
            "warnings": repr(result.warnings), "points": result.points,
            "checks": [repr((c.name, c.status, c.mistake, c.detail, c.warnings))
                       for c in result.checks]}


@pytest.fixture(scope="module")
def submission(tmp_path_factory) -> Path:
    """A workspace of reference solutions with each case's function replaced by the learner's."""
    ws = tmp_path_factory.mktemp("engine") / "ws"
    for relpath, name, code in CASES.values():
        target = ws / relpath
        if not target.parent.exists():
            shutil.copytree(ROOT / "solutions" / target.parent.name, target.parent)
        target.write_text(target.read_text() + "\n\n# --- the learner's version ---\n" + code)
    (ws / "d2lkit.toml").write_text("[workspace]\n")
    return ws


@pytest.mark.slow
def test_every_path_gives_the_same_result(submission):
    from d2lkit import catalogue, grader
    from d2lkit.grading.engine import Engine, grade_once
    from d2lkit.grading.options import Options
    from d2lkit.instructor import batch

    cat = catalogue.load()
    exercises = [cat.by_id[eid] for eid in CASES]
    options = Options(seed=5)
    # `check` with one engine, and with the exercises spread over two forked engines
    by_path = {"check": grade_once(exercises, submission, options, jobs=1),
               "check in workers": grade_once(exercises, submission, options, jobs=2)}
    with Engine(options) as engine:
        engine.grade(exercises, submission)
        by_path["watch"] = engine.grade(exercises, submission, use_cache=False)
    [graded] = batch.grade([batch.Submission("s", submission)], exercises, options)
    by_path["grade"] = graded.results
    in_process = []
    for ex in exercises:
        spec = importlib.util.spec_from_file_location(f"learner_{ex.topic}", submission / ex.relpath)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        in_process.append(grader.grade(ex.id, *(getattr(module, n) for n in ex.functions),
                                       seed=options.seed))
    by_path["repl"] = in_process

    check = {r.id: fields(r) for r in by_path["check"]}
    assert check["ch3.softmax"]["mistake"] == "no-max-subtraction"
    assert check["ch10.masked_softmax"]["status"] == "passed"
    assert [w.key for w in by_path["check"][1].warnings] == ["input-mutated-warning"]
    assert check["ch2.vector_norm"]["status"] == "error"
    assert "same device" in by_path["check"][2].detail.params["message"]
    for path, results in by_path.items():
        got = {r.id: fields(r) for r in results}
        for eid in CASES:
            assert got[eid] == check[eid], (path, eid)


def test_the_in_process_transport_says_it_is_not_confined(capsys):
    from d2lkit import grader

    assert "not confined" in (grader.__doc__ or "").lower()
    def softmax(X):
        return None

    # sandbox=False: graded in this process, which the report must say (with readable source,
    # check() would send the function to the sandbox instead)
    with pytest.raises(AssertionError) as failure:
        grader.check("ch3.softmax", softmax, sandbox=False)
    assert "not confined" in str(failure.value) + capsys.readouterr().out


def test_a_parsed_source_gives_the_same_segments_as_ast():
    """Attempts are counted by a hash of the exercise's definitions: the fast segmenting the
    runner uses must cut exactly what ast.get_source_segment cuts."""
    import ast

    from d2lkit.grading.tripwire import parsed

    sources = [p.read_text() for p in sorted((ROOT / "solutions").glob("ch*/*.py"))]
    sources.append("x = 1\r\ndef f():\r\n    return 'é\x0c'  # ü\r\n\rclass C: pass  # tail\n")
    count = 0
    for source in sources:
        p = parsed(source)
        for node in p.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert p.segment(node) == ast.get_source_segment(source, node)
                count += 1
    assert count > 100


@pytest.mark.slow
@pytest.mark.parametrize("rule, status", [("ch3.squared_loss:1", "passed"),
                                          ("ch3.squared_loss", "infrastructure_error")])
def test_a_check_in_workers_survives_a_dying_worker(monkeypatch, capfd, rule, status):
    """A worker killed while grading an exercise (the OOM killer, say): the exercise is graded
    again in a fresh worker, and after a second death it is the kit's error, never the
    learner's; every other exercise keeps its own result, in curriculum order."""
    from d2lkit import catalogue
    from d2lkit.grading import pool
    from d2lkit.grading.engine import grade_once
    from d2lkit.grading.options import Options

    exercises = catalogue.load().resolve(["ch3.linreg", "ch3.squared_loss", "ch3.sgd"])
    monkeypatch.setenv(pool.TEST_KILL_WORKER, rule)
    seen = []
    results = grade_once(exercises, ROOT / "solutions", Options(seed=1), jobs=2,
                         on_result=lambda r: seen.append(r.id))
    assert seen == [ex.id for ex in exercises]
    by_id = {r.id: r for r in results}
    assert by_id["ch3.squared_loss"].status == status
    if status != "passed":
        assert by_id["ch3.squared_loss"].detail.key == "worker-died"
        assert by_id["ch3.squared_loss"].points == 0
    assert by_id["ch3.linreg"].status == by_id["ch3.sgd"].status == "passed"
    err = capfd.readouterr().err
    assert "died" in err and "ch3.squared_loss" in err


@pytest.mark.slow
def test_every_check_runs_unless_the_status_would_repeat(submission):
    """A wrong result fails several checks and the learner sees them all; a status that every
    later call would repeat (the stub's NotImplementedError, a hang) ends the exercise there."""
    from d2lkit import catalogue
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options

    cat = catalogue.load()
    softmax, norm = cat.by_id["ch3.softmax"], cat.by_id["ch2.vector_norm"]
    with Engine(Options(seed=5, untouched_stubs=False)) as engine:  # the stub runs too
        wrong, raising = engine.grade([softmax, norm], submission)
        [stub] = engine.grade([norm], ROOT / "exercises")
    assert wrong.status == "failed" and len(wrong.failing_checks) >= 2
    assert wrong.failing_check.mistake == wrong.mistake == "no-max-subtraction"
    # an exception raised on every call is reported by every check (not sticky)
    assert raising.status == "error" and len(raising.failing_checks) == len(raising.checks) > 1
    assert stub.status == "not_implemented" and len(stub.checks) == 1


def test_two_graders_with_one_file_name_are_both_collected(tmp_path):
    """A process that has collected the kit's grader/ch02/test_norms.py can still collect another
    test_norms.py (a course's own grader, or the e2e test's planted one). Under pytest's default
    import mode the second shared the first's module name and was collected as nothing, so every
    submission graded with it got "The grader itself failed" — seen only late in a full suite."""
    from d2lkit.grading import runner
    from d2lkit.paths import content_dir

    real = content_dir("grader") / "ch02" / "test_norms.py"
    extra = "\n\ndef test_only_in_the_copy():\n    pass\n"
    copy = tmp_path / "course" / "ch02" / "test_norms.py"
    copy.parent.mkdir(parents=True)
    copy.write_text(real.read_text("utf-8") + extra, "utf-8")
    kit_names = {item.name for item in runner.collect([real])}
    copy_names = {item.name for item in runner.collect([copy])}
    assert kit_names and "test_only_in_the_copy" not in kit_names
    assert copy_names == kit_names | {"test_only_in_the_copy"}
