"""`d2lkit grade --out`: refused before grading unless it is a regular file or a new file in an
existing folder, and written by the supervisor alone, atomically, once grading is over; the
sandbox switch (`--allow-weak-sandbox`) and where its weaknesses end up.

Most tests stand a fake `batch.grade` in for the engine (no torch, no sandbox); the ones that
need the real engine without Landlock run d2lkit in a subprocess whose `landlock_abi` says 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from d2lkit.cli import instructor as cli_instructor
from d2lkit.cli import main
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult, Results
from d2lkit.instructor import batch
from d2lkit.output import formats
from tests.conftest import ROOT, run_cli

TARGET = "norms"  # ch02/norms.py: 3 exercises, 4 points (section 2.3 also has a quiz)
WEAKNESS = "no Landlock on this kernel: children's files and network are not confined"
NO_LANDLOCK = ("import d2lkit.grading.confine as c; c.landlock_abi = lambda: 0; "
               "from d2lkit.cli import main; main(prog_name='d2lkit')")


def run_without_landlock(*args, cwd=None) -> subprocess.CompletedProcess:
    """d2lkit as on a kernel without Landlock (the engine asks `confine.landlock_abi()`)."""
    env = {**os.environ, "D2LKIT_LANG": "en", "COLUMNS": "120", "NO_COLOR": "1"}
    env.pop("D2LKIT_WORKSPACE", None)
    return subprocess.run([sys.executable, "-c", NO_LANDLOCK, *map(str, args)], cwd=cwd or ROOT,
                          env=env, text=True, capture_output=True, timeout=300)


def submission(root: Path, name: str = "alice") -> Path:
    """A workspace as far as `discover` cares (it is never graded by the fake engine)."""
    ws = root / name
    (ws / "ch02").mkdir(parents=True)
    (ws / "d2lkit.toml").write_text("[workspace]\n")
    return ws


@pytest.fixture
def fake_engine(monkeypatch):
    """`batch.grade` without an engine: every exercise passes; each call is recorded."""
    calls = []

    def grade(subs, exercises, options, *, jobs=1, record=False, on_done=None, on_weakness=None):
        calls.append(options)
        for w in getattr(grade, "weaknesses", []):
            on_weakness(w)
        out = []
        for sub in subs:
            g = batch.Graded(sub, Results(ExerciseResult.of(ex, Status.PASSED) for ex in exercises),
                             0.5)
            out.append(g)
            if on_done:
                on_done(g)
        return out

    monkeypatch.setattr(batch, "grade", grade)
    grade.calls = calls
    return grade


def invoke(*args):
    return CliRunner().invoke(main, ["grade", *map(str, args), "--target", TARGET, "--seed", "1",
                                     "--lang", "en"])


# ------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder", "no-folder", "dangling"])
def test_an_unusable_out_is_refused_before_grading(tmp_path, kind):
    ws = submission(tmp_path)
    decoy = tmp_path / "decoy.txt"
    decoy.write_text("keep me")
    out = tmp_path / "grades.json"
    if kind == "symlink":
        out.symlink_to(decoy)
    elif kind == "dangling":
        out.symlink_to(tmp_path / "nowhere.json")
    elif kind == "fifo":
        os.mkfifo(out)
    elif kind == "folder":
        out.mkdir()
    else:
        out = tmp_path / "missing" / "grades.json"
    r = run_cli("grade", ws, "--target", TARGET, "--format", "json", "--out", out)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and str(out) in r.stderr
    expected = {"symlink": "symbolic link", "dangling": "symbolic link", "fifo": "FIFO",
                "folder": "a folder", "no-folder": "does not exist"}[kind]
    assert expected in r.stderr
    assert decoy.read_text() == "keep me"
    assert not (tmp_path / "nowhere.json").exists()


def test_out_problem_accepts_a_regular_file_and_a_new_one(tmp_path):
    (tmp_path / "old.json").write_text("{}")
    assert cli_instructor.out_problem(str(tmp_path / "old.json")) is None
    assert cli_instructor.out_problem(str(tmp_path / "new.json")) is None
    key, params = cli_instructor.out_problem(str(tmp_path), "zh")
    assert key == "instructor.out-not-file" and params["kind"] == "文件夹"


# ------------------------------------------------------------------------------ atomic writes
def test_write_atomic_replaces_a_symlink_and_never_writes_through_it(tmp_path):
    decoy = tmp_path / "decoy.txt"
    decoy.write_text("keep me")
    out = tmp_path / "results.json"
    out.symlink_to(decoy)  # e.g. planted while grading ran
    cli_instructor.write_atomic(str(out), '{"score": 1}')
    assert not out.is_symlink() and json.loads(out.read_text()) == {"score": 1}
    assert decoy.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decoy.txt", "results.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    out = tmp_path / "grades.json"
    out.write_text("old")
    out.chmod(0o640)

    def broken(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        cli_instructor.write_atomic(str(out), "x" * 100_000)
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.json"]
    monkeypatch.undo()
    cli_instructor.write_atomic(str(out), "new")
    assert out.read_text() == "new\n" and (out.stat().st_mode & 0o777) == 0o640


def test_a_failed_render_writes_nothing(tmp_path, fake_engine, monkeypatch):
    ws = submission(tmp_path)
    out = tmp_path / "grades.json"
    out.write_text("previous grades")

    def render(name, run):
        raise RuntimeError("render failed half-way")

    monkeypatch.setattr(formats, "render", render)
    r = invoke(ws, "--format", "json", "--out", out)
    assert r.exit_code != 0 and isinstance(r.exception, RuntimeError)
    assert out.read_text() == "previous grades"
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["grades.json"]


def test_out_is_written_after_grading_for_every_format(tmp_path, fake_engine):
    ws = submission(tmp_path)
    for fmt in ("table", "json", "csv", "gradescope", "classroom"):
        out = tmp_path / f"grades.{fmt}"
        out.write_text("stale")
        r = invoke(ws, "--format", fmt, "--out", out)
        assert r.exit_code == 0, r.output
        text = out.read_text()
        assert "stale" not in text and ("4" in text)
        assert r.stdout == ""
    assert len(fake_engine.calls) == 5
    out = tmp_path / "linked.csv"
    out.symlink_to(tmp_path / "decoy")
    r = invoke(ws, "--format", "csv", "--out", out)
    assert r.exit_code == 2 and "symbolic link" in r.stderr
    assert len(fake_engine.calls) == 5  # refused before grading
    assert not (tmp_path / "decoy").exists()


# ------------------------------------------------------------------------------ the sandbox switch
def test_grade_is_strict_unless_weak_sandboxes_are_allowed(tmp_path, fake_engine):
    ws = submission(tmp_path)
    assert invoke(ws, "--format", "json").exit_code == 0
    assert invoke(ws, "--format", "json", "--allow-weak-sandbox").exit_code == 0
    assert [o.strict for o in fake_engine.calls] == [True, False]


def test_weaknesses_are_printed_once_and_recorded(tmp_path, fake_engine):
    ws = submission(tmp_path)
    fake_engine.weaknesses = [WEAKNESS, "no seccomp filter for riscv64"]
    r = invoke(ws, "--format", "json", "--allow-weak-sandbox")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.count(WEAKNESS) == 1 and "riscv64" in r.stderr
    data = json.loads(r.stdout)
    assert data["sandbox"] == {"strict": False, "weaknesses": fake_engine.weaknesses}

    gs = json.loads(invoke(ws, "--format", "gradescope", "--allow-weak-sandbox").stdout)
    assert "weaker sandbox" in gs["output"] and WEAKNESS in gs["output"]
    assert gs["score"] == 4

    fake_engine.weaknesses = []
    data = json.loads(invoke(ws, "--format", "json").stdout)
    assert data["sandbox"] == {"strict": True, "weaknesses": []}
    gs = json.loads(invoke(ws, "--format", "gradescope").stdout)
    assert "sandbox" not in gs["output"]


def test_each_weakness_reaches_the_callback_once():
    seen = []
    weak = batch._Weaknesses(seen.append)
    weak.add(["a", "b"])
    weak.add(["b", "a", "c"])
    assert seen == ["a", "b", "c"] == weak.seen


def test_sandbox_refusal_is_exit_2(capsys):
    from d2lkit.cli.common import Context
    from d2lkit.grading.sandbox import SandboxError

    with pytest.raises(SystemExit) as stop:
        cli_instructor.sandbox_refusal(Context("en"), SandboxError("this kernel has no Landlock"))
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "no Landlock" in err and "--allow-weak-sandbox" in err


@pytest.mark.parametrize("jobs", [1, 2])
def test_without_landlock_grade_refuses_unless_allowed(tmp_path, jobs):
    ws = tmp_path / "ws"
    assert run_cli("init", ws).returncode == 0
    (ws / "ch02" / "norms.py").write_text((ROOT / "solutions" / "ch02" / "norms.py").read_text())
    other = tmp_path / "other"
    assert run_cli("init", other).returncode == 0
    out = tmp_path / "grades.json"
    r = run_without_landlock("grade", ws, other, "-t", TARGET, "--format", "json", "--out", out,
                             "--jobs", jobs, "--no-progress")
    assert r.returncode == 2, r.stderr
    assert "Refusing to grade" in r.stderr and "Landlock" in r.stderr
    assert "--allow-weak-sandbox" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    if jobs == 2:
        return
    r = run_without_landlock("grade", ws, other, "-t", TARGET, "--format", "json", "--out", out,
                             "--allow-weak-sandbox", "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("no Landlock on this kernel") == 1
    data = json.loads(out.read_text())
    assert data["sandbox"]["strict"] is False
    assert any("no Landlock" in w for w in data["sandbox"]["weaknesses"])
    assert [s["summary"]["points"] for s in data["submissions"]] == [4, 0]


def test_check_warns_about_each_weakness_once_and_carries_on(workspace):
    norms = workspace / "ch02" / "norms.py"  # edited, so that the sandbox runs (a fresh
    norms.write_text(norms.read_text() + "\n# a note\n")  # stub is reported without it)
    r = run_without_landlock("check", "ch2.vector_norm", "--seed", "1", cwd=workspace)
    assert r.returncode == 1, r.stderr  # the stub: not implemented, graded all the same
    assert r.stderr.count("no Landlock on this kernel") == 1
    assert "Warning: the sandbox is weaker" in r.stderr
    assert "not implemented" in r.stdout


# ------------------------------------------------------------------------------ capped messages
def test_learner_text_is_capped_in_every_grade_format():
    from tests.test_output import Catalogue, EXERCISES, OPTIONS

    huge = "boom " * 2000
    res = Results([ExerciseResult.of(EXERCISES[0], Status.ERROR,
                                     detail=Detail("exception", {"type": "ValueError",
                                                                 "message": huge}))])
    g = batch.Graded(batch.Submission("learner", Path("/tmp/learner")), res, 1.0,
                     error="x" * 5000)
    run = formats.GradeRun([g], Catalogue(), EXERCISES[:1], "ch2", OPTIONS)
    [sub] = json.loads(formats.render("json", run))["submissions"]
    assert len(sub["results"][0]["message"]) == formats.MESSAGE_CAP
    assert len(sub["error"]) == formats.MESSAGE_CAP
    for name, field in (("gradescope", "output"), ("classroom", "message")):
        [test] = json.loads(formats.render(name, run))["tests"]
        assert "boom boom" in test[field]
        assert all(len(line) <= formats.MESSAGE_CAP for line in test[field].splitlines())
    gs = json.loads(formats.render("gradescope", run))
    assert len(gs["output"]) < 2 * formats.MESSAGE_CAP
