"""`d2lkit grade` and its formats, `d2lkit gradescope`, `d2lkit report` (HTML structure); each
submission graded from a private copy; a grading worker that dies."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from d2lkit.grading import pool
from d2lkit.instructor import batch
from tests.conftest import ROOT, run_cli

TARGET = "norms"  # vector_norm, frobenius_norm, row_normalize: 4 points (2.3 also has a quiz)


def make_class(tmp_path: Path) -> Path:
    cls = tmp_path / "class"
    sol = (ROOT / "solutions" / "ch02" / "norms.py").read_text()
    for name in ("alice", "bob", "carol", "dave"):
        assert run_cli("init", cls / name).returncode == 0
    (cls / "alice" / "ch02" / "norms.py").write_text(sol)  # full marks
    # bob: row sums over the wrong axis (a catalogued mistake, if the catalogue names it)
    (cls / "bob" / "ch02" / "norms.py").write_text(
        sol.replace("A / A.sum(dim=1, keepdim=True)", "A / A.sum(dim=0, keepdim=True)"))
    # carol: hangs in vector_norm, and tries to break out of the sandbox in frobenius_norm
    (cls / "carol" / "ch02" / "norms.py").write_text(
        sol.replace("    a = x.reshape(-1).abs()\n", "    while True:\n        pass\n")
           .replace("return (X * X).sum().sqrt()", "import os; os.kill(os.getppid(), 9)"))
    # dave: untouched stubs
    return cls


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grade")
    cls = make_class(tmp)
    out = tmp / "grades.json"
    r = run_cli("grade", cls, "--target", TARGET, "--format", "json", "--out", out, "--seed", "7",
                "--timeout", "3", "--jobs", "2")
    assert r.returncode == 0, r.stderr
    return cls, json.loads(out.read_text())


def test_grade_json_scores(graded):
    cls, data = graded
    assert data["schema"] == 1 and data["kind"] == "grade" and data["seed"] == 7
    by = {s["submission"]: s for s in data["submissions"]}
    assert set(by) == {"alice", "bob", "carol", "dave"}
    assert by["alice"]["summary"]["points"] == by["alice"]["summary"]["max_points"] == 4
    assert by["dave"]["summary"]["points"] == 0
    statuses = {r["id"]: r["status"] for r in by["carol"]["results"]}
    assert statuses["ch2.vector_norm"] == "timeout"
    assert statuses["ch2.row_normalize"] == "passed"  # the hostile parts cost carol only
    bob = {r["id"]: r for r in by["bob"]["results"]}
    assert bob["ch2.row_normalize"]["status"] == "failed"
    assert bob["ch2.vector_norm"]["status"] == "passed"
    # normalised-code fingerprints, read by the supervisor from each private copy
    assert by["alice"]["fingerprints"]["ch2.vector_norm"]["reference"] is True
    assert not by["alice"]["fingerprints"]["ch2.vector_norm"]["stub"]
    assert {f["stub"] for f in by["dave"]["fingerprints"].values()} == {True}
    # grading wrote nothing into the learners' progress
    for name in by:
        assert not (cls / name / ".d2lkit" / "progress.sqlite3").exists()


def test_grade_formats_and_report(graded, tmp_path):
    cls, data = graded
    r = run_cli("grade", cls / "alice", cls / "dave", "--target", TARGET, "--format", "csv",
                "--seed", "1")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["submission"], x["points"]) for x in rows] == [("alice", "4"), ("dave", "0")]
    assert rows[0]["ch2.vector_norm:status"] == "passed"

    r = run_cli("grade", cls / "bob", "--target", TARGET, "--format", "gradescope", "--seed", "1")
    gs = json.loads(r.stdout)
    assert gs["score"] == 3 and len(gs["tests"]) == 3
    for test in gs["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")

    r = run_cli("grade", cls / "alice", "--target", TARGET, "--format", "classroom", "--seed", "1")
    gc = json.loads(r.stdout)
    assert gc["version"] == 1 and gc["status"] == "pass" and gc["max_score"] == 4
    assert all(t["status"] == "pass" for t in gc["tests"])

    r = run_cli("grade", cls / "alice", "--target", TARGET, "--seed", "1")  # the table
    assert r.returncode == 0 and "alice" in r.stdout and "4/4" in r.stdout

    results = tmp_path / "grades.json"
    results.write_text(json.dumps(data))
    page = tmp_path / "report.html"
    r = run_cli("report", results, "--html", page)
    assert r.returncode == 0, r.stderr
    assert "ch2.row_normalize" in r.stdout
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "http" not in text.replace(
        "http://www.w3.org/2000/svg", "")
    for anchor in ("distribution", "students", "pass-rate", "statuses", "mistakes", "time",
                   "integrity"):
        assert f"id='{anchor}'" in text
    assert "<script" not in text and text.count("<details class='student'") == 4
    r = run_cli("report", results, "--json")
    s = json.loads(r.stdout)
    rates = {e["id"]: e["pass_rate"] for e in s["exercises"]}
    assert rates["ch2.frobenius_norm"] == 0.5  # alice and bob
    flagged = s["integrity"]["flagged"]
    # alice and bob kept the reference's vector_norm (29 nodes); the two one-liners of the topic
    # are what every correct answer looks like, and are never flagged
    for name in ("alice", "bob"):
        assert [(f["kind"], f["exercise"]) for f in flagged[name]] == [
            ("reference", "ch2.vector_norm")]
    assert ("timeout", "ch2.vector_norm") in [(f["kind"], f.get("exercise"))
                                              for f in flagged["carol"]]
    assert "dave" not in flagged

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        shot = tmp_path / "report.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--screenshot={shot}", "--window-size=900,1400", page.as_uri()],
                       capture_output=True, timeout=120)
        assert shot.is_file() and shot.stat().st_size > 10_000


def test_grade_does_not_import_torch_for_usage_errors(tmp_path):
    r = run_cli("grade", tmp_path, "--target", "nope")
    assert r.returncode == 2


# ------------------------------------------------------------------------------ private copies
def test_private_copy_takes_python_files_and_folders_only(tmp_path):
    sub = tmp_path / "sub"
    (sub / "ch02" / "pkg" / "__pycache__").mkdir(parents=True)
    (sub / "ch02" / "norms.py").write_text("x = 1\n")
    (sub / "ch02" / "notes.txt").write_text("not code")
    (sub / "ch02" / "pkg" / "helper.py").write_text("y = 2\n")
    (sub / "ch02" / "pkg" / "__pycache__" / "helper.cpython-311.pyc").write_bytes(b"\0")
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n")
    (sub / "ch02" / "linked.py").symlink_to(secret)
    (sub / "ch02" / "linked_dir").symlink_to(tmp_path)
    os.mkfifo(sub / "ch02" / "fifo.py")  # would hang a naive copy
    (sub / "ch03").symlink_to(tmp_path)  # a whole chapter elsewhere
    (sub / "notes").mkdir()
    (sub / "notes" / "a.py").write_text("")
    (sub / ".d2lkit").mkdir()

    copy = batch.private_copy(sub, str(tmp_path))
    try:
        files = sorted(str(p.relative_to(copy)) for p in copy.rglob("*"))
        assert files == ["ch02", "ch02/norms.py", "ch02/pkg", "ch02/pkg/helper.py"]
        assert (copy / "ch02" / "norms.py").read_text() == "x = 1\n"
        # an unprivileged child must be able to read its chapter, and nothing more is listed
        assert (copy.stat().st_mode & 0o777) == 0o711
        assert (copy / "ch02").stat().st_mode & 0o777 == 0o755
        assert (copy / "ch02" / "norms.py").stat().st_mode & 0o777 == 0o644
    finally:
        shutil.rmtree(copy)


def test_private_copy_refuses_a_submission_over_the_limit(tmp_path):
    sub = tmp_path / "sub"
    (sub / "ch02").mkdir(parents=True)
    (sub / "ch02" / "a.py").write_text("x" * 600)
    (sub / "ch02" / "b.py").write_text("y" * 600)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(batch.SubmissionTooLarge) as e:
        batch.private_copy(sub, str(scratch), max_bytes=1000)
    assert e.value.detail.key == "submission-too-large"
    assert list(scratch.iterdir()) == []  # nothing half-copied is left behind
    assert batch.private_copy(sub, str(scratch), max_bytes=1200).is_dir()


def write_hostile(path: Path, sol: str):
    """Passes, but first tries to change its own file and plant a module next to it."""
    path.write_text(
        "import pathlib\n"
        "try:\n"
        "    _me = pathlib.Path(__file__)\n"
        "    _me.write_text(_me.read_text() + '\\n# changed by the submission\\n')\n"
        "    (_me.parent / 'planted.py').write_text('x = 1')\n"
        "except OSError:\n"
        "    pass\n" + sol)


@pytest.fixture(scope="module")
def isolated(tmp_path_factory):
    """alice's worker is killed on her first attempt; erin attacks her own files, frank's
    module is a symlink to the reference solution, huge is over the size limit."""
    tmp = tmp_path_factory.mktemp("isolated")
    cls = tmp / "class"
    sol = (ROOT / "solutions" / "ch02" / "norms.py").read_text()
    for name in ("alice", "erin", "frank", "huge"):
        assert run_cli("init", cls / name).returncode == 0
    (cls / "alice" / "ch02" / "norms.py").write_text(sol)
    write_hostile(cls / "erin" / "ch02" / "norms.py", sol)
    (cls / "frank" / "ch02" / "norms.py").unlink()
    (cls / "frank" / "ch02" / "norms.py").symlink_to(ROOT / "solutions" / "ch02" / "norms.py")
    with open(cls / "huge" / "ch02" / "big.py", "wb") as f:  # sparse: costs no disk
        f.truncate(batch.MAX_COPY_BYTES + 1)
    before = {p: p.read_bytes() for p in cls.rglob("*.py") if not p.is_symlink()}
    scratch = tmp / "tmp"
    scratch.mkdir()
    out = tmp / "grades.json"
    r = run_cli("grade", cls, "--target", TARGET, "--format", "json", "--out", out, "--seed", "5",
                "--jobs", "2", "--no-progress",
                env={pool.TEST_KILL_WORKER: "alice:1", "TMPDIR": str(scratch)})
    assert r.returncode == 0, r.stderr
    assert "died (exit status -9) while grading alice; grading it again" in r.stderr
    data = json.loads(out.read_text())
    return cls, {s["submission"]: s for s in data["submissions"]}, before, scratch


def test_a_killed_worker_costs_nothing_the_first_time(isolated):
    _, by, _, _ = isolated
    assert by["alice"]["summary"]["points"] == 4 and by["alice"]["error"] is None


def test_what_a_submission_does_never_reaches_its_original(isolated):
    cls, by, before, scratch = isolated
    assert by["erin"]["summary"]["points"] == 4  # its attack failed quietly; the code is right
    assert not (cls / "erin" / "ch02" / "planted.py").exists()
    for path, data in before.items():
        assert path.read_bytes() == data, path
    assert list(scratch.iterdir()) == []  # every private copy and scratch folder is gone


def test_a_symlinked_module_is_not_followed(isolated):
    _, by, _, _ = isolated
    frank = {r["id"]: r for r in by["frank"]["results"]}
    assert by["frank"]["summary"]["points"] == 0
    assert all(r["status"] == "error" for r in frank.values())
    assert "norms.py" in frank["ch2.vector_norm"]["message"]
    assert "d2lkit-sub-" not in json.dumps(by)  # messages name the learner's paths, not the copy


def test_an_oversized_submission_is_not_graded(isolated):
    _, by, _, _ = isolated
    huge = by["huge"]
    assert {r["status"] for r in huge["results"]} == {"infrastructure_error"}
    assert "50 MiB" in huge["results"][0]["message"] and "50 MiB" in huge["error"]


def test_a_worker_that_dies_twice_is_the_graders_failure(tmp_path):
    cls = tmp_path / "class"
    sol = (ROOT / "solutions" / "ch02" / "norms.py").read_text()
    for name in ("alice", "bob", "dave"):
        assert run_cli("init", cls / name).returncode == 0
        (cls / name / "ch02" / "norms.py").write_text(sol)
    r = run_cli("grade", cls, "--target", TARGET, "--format", "gradescope", "--seed", "5",
                "--jobs", "2", "--no-progress", env={pool.TEST_KILL_WORKER: "bob"})
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("while grading bob") == 2 and "giving up on it" in r.stderr
    gs = json.loads(r.stdout)
    assert gs["alice"]["score"] == gs["dave"]["score"] == 4
    bob = gs["bob"]
    assert bob["score"] == 0 and "the grader failed" in bob["output"]
    for test in bob["tests"]:
        assert test["output"].startswith("grader error")  # never "crashed": not bob's doing
        assert "re-grade" in test["output"]


def test_the_kill_hook_is_inert_outside_pytest(monkeypatch):
    monkeypatch.setenv(pool.TEST_KILL_WORKER, "alice")
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    pool._test_kill_hook("alice", 0)  # still alive
