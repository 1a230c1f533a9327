"""`d2lkit grade` and its formats, `d2lkit gradescope`, `d2lkit report` (HTML structure)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

TARGET = "2.3"  # vector_norm, frobenius_norm, row_normalize (topic norms): 4 points


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
    for anchor in ("pass-rate", "statuses", "mistakes", "time"):
        assert f"id='{anchor}'" in text
    r = run_cli("report", results, "--json")
    s = json.loads(r.stdout)
    rates = {e["id"]: e["pass_rate"] for e in s["exercises"]}
    assert rates["ch2.frobenius_norm"] == 0.5  # alice and bob

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        shot = tmp_path / "report.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--screenshot={shot}", "--window-size=900,1400", page.as_uri()],
                       capture_output=True, timeout=120)
        assert shot.is_file() and shot.stat().st_size > 10_000


def test_gradescope_pair(tmp_path):
    r = run_cli("gradescope", tmp_path / "gs", "--target", "ch2")
    assert r.returncode == 0, r.stderr
    run = (tmp_path / "gs" / "run_autograder").read_text()
    assert "/autograder/submission" in run and "--format gradescope" in run
    assert "pip install" in (tmp_path / "gs" / "setup.sh").read_text()


def test_grade_does_not_import_torch_for_usage_errors(tmp_path):
    r = run_cli("grade", tmp_path, "--target", "nope")
    assert r.returncode == 2
