"""`d2lkit report`: one row per learner across assignments, the score distribution, the
per-learner drill-down (HTML and terminal), required vs stretch, not started vs tried, integrity
signals, nbgrader's gradebook as an input, and timing only from the grader's own runs."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from d2lkit import catalogue
from d2lkit.instructor import report
from tests.conftest import run_cli

SELF_REPORTED_TIME = 98765.4  # a time-to-first-pass a learner could have typed in


def res(eid, status, points, max_points, *, stretch=False, mistake=None, duration=0.25):
    return {"id": eid, "status": status, "points": points, "max_points": max_points,
            "stretch": stretch, "mistake": mistake, "duration_s": duration, "message": ""}


def sub(name, results, *, fingerprints=None, flags=None):
    return {"submission": name, "path": f"/class/{name}", "duration_s": 3.5, "error": None,
            "summary": {}, "results": results,
            # what `grade` copies from the learner's own progress file: never used
            "learner": {"time_to_first_pass_s": {r["id"]: SELF_REPORTED_TIME for r in results}},
            "flags": flags or [], "fingerprints": fingerprints or {}}


def grade_file(target, subs) -> dict:
    return {"schema": 1, "kind": "grade", "target": target, "seed": 1,
            "sandbox": {"strict": True, "weaknesses": []}, "submissions": subs}


SHARED = {"hash": "n1:shared", "nodes": 40, "reference": False, "stub": False}
SHORT = {"hash": "n1:short", "nodes": 4, "reference": False, "stub": False}


@pytest.fixture
def inputs(tmp_path):
    ch3 = grade_file("ch3", [
        sub("alice", [res("ch3.softmax", "passed", 2, 2, duration=0.5),
                      res("ch3.cross_entropy", "failed", 0, 1, mistake="column-indexing"),
                      res("ch3.accuracy", "passed", 1, 1)],
            fingerprints={"ch3.softmax": {"hash": "n1:ref", "nodes": 31, "reference": True,
                                          "stub": False},
                          "ch3.accuracy": dict(SHORT)}),
        sub("bob", [res("ch3.softmax", "not_implemented", 0, 2, duration=0.01),
                    res("ch3.cross_entropy", "timeout", 0, 1, duration=3.0),
                    res("ch3.accuracy", "passed", 1, 1)],
            fingerprints={"ch3.accuracy": dict(SHORT)}),
        sub("carol", [res("ch3.softmax", "forbidden", 0, 2),
                      res("ch3.cross_entropy", "crashed", 0, 1),
                      res("ch3.accuracy", "not_implemented", 0, 1)],
            flags=[{"file": "ch03/softmax_scratch.py", "line": 3, "what": "torch._C",
                    "code": "torch._C", "seen": "scan"}]),
    ])
    ch6 = grade_file("ch6", [
        sub("alice", [res("ch6.corr2d", "passed", 2, 2),
                      res("ch6.min_pool2d", "passed", 1, 1, stretch=True)],
            fingerprints={"ch6.corr2d": dict(SHARED)}),
        sub("bob", [res("ch6.corr2d", "passed", 2, 2),
                    res("ch6.min_pool2d", "failed", 0, 1, stretch=True,
                        mistake="missing-outer-negation")],
            fingerprints={"ch6.corr2d": dict(SHARED)}),
    ])
    paths = []
    for name, obj in (("ch3", ch3), ("ch6", ch6)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(obj))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


def summarise(paths, cat, **kw):
    return report.summary(report.load(paths, cat), cat, "en", **kw)


def by_student(s):
    return {r["student"]: r for r in s["table"]}


# ------------------------------------------------------------------------------ merging
def test_several_assignments_are_merged_by_learner(inputs, cat):
    s = summarise(inputs, cat)
    rows = by_student(s)
    assert list(rows) == ["alice", "bob", "carol"]  # one row each, not alice twice
    assert s["students"] == 3 and s["assignments"] == ["ch3", "ch6"]
    alice = rows["alice"]
    assert alice["assignments"] == ["ch3", "ch6"]
    assert [(e["assignment"], e["id"]) for e in alice["exercises"]] == [
        ("ch3", "ch3.softmax"), ("ch3", "ch3.cross_entropy"), ("ch3", "ch3.accuracy"),
        ("ch6", "ch6.corr2d"), ("ch6", "ch6.min_pool2d")]
    # required points over both assignments; the stretch exercise is extra, never in the maximum
    assert (alice["points"], alice["max_points"]) == (5, 6)
    assert (alice["stretch_passed"], alice["stretch_total"], alice["extra_points"]) == (1, 1, 1)
    assert (rows["bob"]["points"], rows["bob"]["max_points"]) == (3, 6)
    assert rows["carol"]["assignments"] == ["ch3"]
    assert s["required"]["exercises"] == 4 and s["stretch"]["exercises"] == 1
    assert s["stretch"]["pass_rate"] == 0.5


@pytest.mark.parametrize("rule, alice", [("extra-credit", (5, 6, 1)), ("ignore", (5, 6, 0)),
                                         ("required", (6, 7, 0))])
def test_stretch_exercises_count_as_they_were_graded(inputs, cat, rule, alice):
    ch6 = json.loads(inputs[1].read_text())
    ch6["scoring"] = {"stretch": rule}  # the course's rule, recorded by `grade`
    inputs[1].write_text(json.dumps(ch6))
    row = by_student(summarise(inputs, cat))["alice"]
    assert (row["points"], row["max_points"], row["extra_points"]) == alice


def test_a_later_input_grades_the_same_exercise_again(inputs, cat, tmp_path):
    regrade = grade_file("ch3", [sub("bob", [res("ch3.softmax", "passed", 2, 2)])])
    path = tmp_path / "ch3-regrade.json"
    path.write_text(json.dumps(regrade))
    rows = by_student(summarise([*inputs, path], cat))
    bob = {e["id"]: e for e in rows["bob"]["exercises"]}
    assert bob["ch3.softmax"]["status"] == "passed"
    assert bob["ch3.cross_entropy"]["status"] == "timeout"  # the rest stays
    assert rows["bob"]["assignments"] == ["ch3", "ch6"]


def test_not_started_is_told_from_tried_and_wrong(inputs, cat):
    s = summarise(inputs, cat)
    rows = by_student(s)
    assert (rows["bob"]["passed"], rows["bob"]["attempted"], rows["bob"]["not_started"]) == (
        2, 2, 1)  # stretch exercises count here too
    assert (rows["carol"]["passed"], rows["carol"]["attempted"], rows["carol"]["not_started"]) == (
        0, 2, 1)
    ex = {e["id"]: e for e in s["exercises"]}
    assert (ex["ch3.softmax"]["not_started"], ex["ch3.softmax"]["attempted"]) == (1, 1)
    assert ex["ch6.min_pool2d"]["stretch"] and not ex["ch6.corr2d"]["stretch"]


# ------------------------------------------------------------------------------ distribution
def test_the_score_distribution(inputs, cat):
    s = summarise(inputs, cat)
    counts = {(b["from"], b["to"]): b["count"] for b in s["distribution"]}
    # alice 5/6 = 83 %, bob 3/6 = 50 %, carol 0/3 = 0 %
    assert counts[(80, 90)] == 1 and counts[(50, 60)] == 1 and counts[(0, 10)] == 1
    assert sum(counts.values()) == 3 and s["median_score"] == 0.5


def test_a_full_score_falls_in_the_last_bin(cat, tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(grade_file("ch3", [sub("a", [res("ch3.softmax", "passed", 2, 2)])])))
    s = summarise([path], cat)
    assert s["distribution"][-1] == {"from": 90, "to": 100, "count": 1}


# ------------------------------------------------------------------------------ integrity
def test_integrity_signals(inputs, cat):
    s = summarise(inputs, cat)
    flags = s["integrity"]["flagged"]
    kinds = {name: sorted((f["kind"], f.get("exercise") or f.get("file")) for f in fl)
             for name, fl in flags.items()}
    assert kinds["alice"] == [("identical", "ch6.corr2d"), ("reference", "ch3.softmax")]
    assert kinds["bob"] == [("identical", "ch6.corr2d"), ("timeout", "ch3.cross_entropy")]
    assert kinds["carol"] == [("crashed", "ch3.cross_entropy"), ("forbidden", "ch3.softmax"),
                              ("machinery", "ch03/softmax_scratch.py")]
    identical = next(f for f in flags["alice"] if f["kind"] == "identical")
    assert identical["with"] == ["bob"]
    # alice and bob share a 4-node accuracy: too short to mean anything, never flagged
    assert all(f.get("exercise") != "ch3.accuracy" for fl in flags.values() for f in fl)
    assert s["integrity"]["min_nodes"] == 25
    # the threshold is the instructor's
    low = summarise(inputs, cat, min_nodes=4)["integrity"]["flagged"]
    assert any(f.get("exercise") == "ch3.accuracy" for f in low["alice"])


# ------------------------------------------------------------------------------ timing
def test_no_time_is_taken_from_a_learners_progress_file(inputs, cat, tmp_path):
    progress = tmp_path / "dave.json"  # d2lkit progress --json of dave's own workspace
    progress.write_text(json.dumps({"schema": 1, "results": [], "exercises": [
        {"id": "ch3.softmax", "chapter": "ch3", "stretch": False, "status": "passed",
         "passed": True, "attempts": 1, "time_to_first_pass_s": SELF_REPORTED_TIME,
         "hints_used": 0, "solution_viewed": False}]}))
    s = summarise([*inputs, progress], cat)
    text = json.dumps(s)
    assert str(SELF_REPORTED_TIME) not in text and "first_pass" not in text
    dave = by_student(s)["dave"]
    assert dave["self_reported"] and dave["sources"] == ["progress"]
    assert dave["exercises"][0]["grading_s"] is None
    # the grader's own times are there
    ex = {e["id"]: e for e in s["exercises"]}
    assert ex["ch3.softmax"]["median_grading_s"] == 0.25  # alice 0.5, bob 0.01, carol 0.25
    assert ex["ch3.cross_entropy"]["median_grading_s"] == 0.25
    page = report.html_page(s, "en")
    out = terminal_text(s)
    for shown in (page, out):
        assert "98765" not in shown and "time to first pass" not in shown
    assert "self-reported" in page and "self-reported" in out


# ------------------------------------------------------------------------------ views
def terminal_text(s, students=()) -> str:
    buf = io.StringIO()
    report.terminal(s, "en", Console(file=buf, width=160, color_system=None), students)
    return buf.getvalue()


def test_terminal_distribution_per_learner_and_drill_down(inputs, cat):
    s = summarise(inputs, cat)
    out = terminal_text(s)
    assert re.search(r"80–90%\s+1\b", out) and re.search(r"0–10%\s+1\b", out)
    assert re.search(r"alice\s+83%\s+5/6\s+1/1\s+4\s+1\s+0", out)
    assert "column-indexing" in out  # the mistake, in what to re-teach
    assert "the kit's reference solution" in out and "the same code as bob" in out
    assert "ch3.cross_entropy   failed" not in out  # no drill-down unless asked
    one = terminal_text(s, ("alice",))
    assert re.search(r"ch3\s+ch3\.cross_entropy\s+failed\s+column-indexing\s+0/1", one)
    assert re.search(r"ch6\s+ch6\.min_pool2d \+\s+passed\s+1/1", one)
    assert "bob:" not in one.split("alice: 83%")[1]
    everyone = terminal_text(s, ("all",))
    assert "bob: 50%" in everyone and "carol: 0%" in everyone
    # on a wide terminal the same, in tables
    buf = io.StringIO()
    report.terminal(s, "en", Console(file=buf, width=160, force_terminal=True,
                                     color_system=None), ("alice",))
    wide = buf.getvalue()
    assert re.search(r"alice\s+83%\s+5/6", wide) and "column-indexing" in wide
    assert "─" in wide  # a rich table


class _Page(HTMLParser):
    """The page's structure: tags, the students' drill-downs, and anything that is not inline."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.details: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "details":
            self.details.append(a.get("id", ""))
        for key in ("src", "href"):
            if a.get(key) and not a[key].startswith("#"):
                self.external.append(a[key])


def test_html_has_the_distribution_and_a_drill_down_per_learner(inputs, cat):
    s = summarise(inputs, cat)
    page = report.html_page(s, "en")
    parsed = _Page()
    parsed.feed(page)
    assert "script" not in parsed.tags and parsed.external == []  # standalone, no JavaScript
    assert parsed.details == ["student-0", "student-1", "student-2"]  # one per learner
    for anchor in ("distribution", "students", "pass-rate", "statuses", "mistakes", "time",
                   "table", "integrity"):
        assert f"id='{anchor}'" in page
    hist = page.split("id='distribution'")[1].split("<h2")[0]
    assert "<svg" in hist and "80–90%: 1" in hist and "0–10%: 1" in hist
    alice = page.split("id='student-0'")[1].split("</details>")[0]
    assert "<b>alice</b>" in alice and "5/6" in alice and "83%" in alice
    assert "ch3.cross_entropy" in alice and "column-indexing" in alice
    assert "the kit&#x27;s reference solution" in alice or "the kit's reference solution" in alice
    assert "(stretch)" in alice  # ch6.min_pool2d is marked
    carol = page.split("id='student-2'")[1].split("</details>")[0]
    assert "forbidden" in carol and "crashed" in carol and "torch._C" in carol
    integrity_part = page.split("id='integrity'")[1]
    assert "href='#student-0'" in integrity_part


def test_chinese_report(inputs, cat):
    s = report.summary(report.load(inputs, cat), cat, "zh")
    page = report.html_page(s, "zh")
    assert "得分分布" in page and "学习者" in page and "诚信信号" in page
    buf = io.StringIO()
    report.terminal(s, "zh", Console(file=buf, width=160, color_system=None), ("alice",))
    assert "尝试过但未通过" in buf.getvalue()


# ------------------------------------------------------------------------------ gradebook
@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    """A tiny nbgrader gradebook, made with nbgrader's own API: ch2 with one notebook (two
    d2lkit exercises and one cell of the instructor's own); alice and bob handed it in, carol
    did not."""
    api = pytest.importorskip("nbgrader.api")
    folder = tmp_path_factory.mktemp("course")
    old_path, old_cwd = os.environ.get("PATH", ""), os.getcwd()
    # a new gradebook asks the `alembic` command for its version
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{old_path}"
    os.chdir(folder)
    try:
        with api.Gradebook(f"sqlite:///{folder / 'gradebook.db'}", course_id="d2l") as gb:
            gb.add_assignment("ch2")
            gb.update_or_create_notebook("norms", "ch2")
            for cell, points in (("ch2_vector_norm-test", 2), ("ch2_frobenius_norm-test", 1),
                                 ("my-own-question", 3)):
                gb.update_or_create_grade_cell(cell, "norms", "ch2", max_score=points,
                                               cell_type="code")
            for name in ("alice", "bob", "carol"):
                gb.add_student(name)
            for name in ("alice", "bob"):
                gb.add_submission("ch2", name)
            scores = {("alice", "ch2_vector_norm-test"): 2, ("alice", "ch2_frobenius_norm-test"): 1,
                      ("alice", "my-own-question"): 2, ("bob", "ch2_vector_norm-test"): 0,
                      ("bob", "ch2_frobenius_norm-test"): 1, ("bob", "my-own-question"): 3}
            for (name, cell), score in scores.items():
                gb.find_grade(cell, "norms", "ch2", name).auto_score = score
            gb.db.commit()
    finally:
        os.environ["PATH"] = old_path
        os.chdir(old_cwd)
    return folder / "gradebook.db"


def test_the_gradebook_is_an_input(gradebook, inputs, cat):
    before = gradebook.read_bytes()
    s = summarise([gradebook, *inputs], cat)
    assert gradebook.read_bytes() == before  # read from a copy, never written
    rows = by_student(s)
    alice = {e["id"]: e for e in rows["alice"]["exercises"]}
    assert rows["alice"]["assignments"] == ["ch2", "ch3", "ch6"]  # merged with the JSON
    assert "gradebook" in rows["alice"]["sources"] and "grade" in rows["alice"]["sources"]
    assert alice["ch2.vector_norm"]["status"] == "passed"
    assert (alice["ch2.vector_norm"]["points"], alice["ch2.vector_norm"]["max_points"]) == (2, 2)
    assert alice["norms:my-own-question"]["status"] == "not_passed"  # 2 of 3: a score only
    bob = {e["id"]: e for e in rows["bob"]["exercises"]}
    assert bob["ch2.vector_norm"]["status"] == "not_passed"
    assert bob["norms:my-own-question"]["status"] == "passed"
    carol = {e["id"]: e for e in rows["carol"]["exercises"] if e["assignment"] == "ch2"}
    assert {e["status"] for e in carol.values()} == {"not_implemented"}  # nothing handed in
    assert (rows["alice"]["points"], rows["alice"]["max_points"]) == (5 + 5, 6 + 6)
    assert rows["alice"]["not_passed"] == 1
    out = terminal_text(s, ("bob",))
    assert "not passed" in out and "nbgrader gradebook" in out


def test_a_file_that_is_neither_results_nor_a_gradebook(tmp_path, cat):
    import sqlite3
    from contextlib import closing

    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(report.ReportInputError, match="not an nbgrader gradebook"):
        report.load([other], cat)
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    with pytest.raises(report.ReportInputError):
        report.load([junk], cat)


# ------------------------------------------------------------------------------ the command
def test_the_command(inputs, tmp_path):
    page = tmp_path / "report.html"
    r = run_cli("report", *inputs, "--html", page, "--student", "bob")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("alice") >= 1 and "bob: 50%" in r.stdout
    # written to a pipe: plain lines, nothing cut
    assert "The cross-entropy loss" in r.stdout and "…" not in r.stdout
    assert page.read_text().startswith("<!DOCTYPE html>")
    r = run_cli("report", *inputs, "--json", "--min-nodes", "100")
    s = json.loads(r.stdout)
    assert s["schema"] == report.SCHEMA and s["integrity"]["min_nodes"] == 100
    assert not any(f["kind"] in ("reference", "identical")
                   for fl in s["integrity"]["flagged"].values() for f in fl)
    r = run_cli("report", *inputs, "--student", "zed")
    assert r.returncode == 2 and "zed" in r.stderr and "alice, bob, carol" in r.stderr

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:  # the drill-down needs no JavaScript: the page renders as it is
        shot = tmp_path / "report.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--screenshot={shot}", "--window-size=900,1600", page.as_uri()],
                       capture_output=True, timeout=120)
        assert shot.is_file() and shot.stat().st_size > 10_000
