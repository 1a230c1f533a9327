"""One scoring rule for stretch exercises (grading.results.score, chosen by the course's
d2lkit-course.toml) in every path that scores: `Results`' totals, `grade`'s formats, Gradescope's
tests and Classroom's status; and Gradescope's per-test visibility from checks marked hidden.
No grading runs here except in the one slow test at the end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from d2lkit.catalogue import Exercise
from d2lkit.grading.options import Options
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import (DEFAULT_STRETCH_RULE, STRETCH_RULES, CheckResult, Detail,
                                    ExerciseResult, Results, Score, score)
from d2lkit.instructor import course
from d2lkit.instructor.batch import Graded, Submission
from d2lkit.output import formats
from tests.conftest import ROOT, run_cli


def exercise(eid: str, points: int, stretch: bool = False) -> Exercise:
    return Exercise(id=eid, chapter=2, topic="norms", section="2.3", title={"en": eid, "zh": eid},
                    points=points, functions=(eid.split(".")[1],), forbid=(),
                    hints=({"en": "a hint", "zh": "提示"},), mistakes=(), stretch=stretch)


REQ_A, REQ_B = exercise("ch2.req_a", 2), exercise("ch2.req_b", 1)
EXTRA_OK, EXTRA_BAD = exercise("ch2.extra_ok", 3, True), exercise("ch2.extra_bad", 2, True)
EXERCISES = [REQ_A, REQ_B, EXTRA_OK, EXTRA_BAD]
WRONG = Detail("shape", {"what": "f(A)", "got": "(3,)", "expected": "(3, 1)"})


class Catalogue:
    by_id = {ex.id: ex for ex in EXERCISES}
    chapter_by_number: dict = {}


def results(req_b: Status = Status.PASSED) -> Results:
    """Both required exercises passed (unless told), one stretch exercise passed, one failed."""
    return Results([ExerciseResult.of(REQ_A, Status.PASSED),
                    ExerciseResult.of(REQ_B, req_b, detail=None if req_b is Status.PASSED else WRONG),
                    ExerciseResult.of(EXTRA_OK, Status.PASSED),
                    ExerciseResult.of(EXTRA_BAD, Status.FAILED, detail=WRONG)])


def run(res: Results, stretch: str = DEFAULT_STRETCH_RULE, **kw) -> formats.GradeRun:
    g = Graded(Submission("learner", Path("/tmp/learner")), res, 1.0)
    return formats.GradeRun([g], Catalogue(), EXERCISES, "ch2", Options(seed=1, lang="en"),
                            stretch=stretch, **kw)


# ------------------------------------------------------------------------------ the rule
def test_the_rule_for_one_exercise():
    assert score(False, 2, 2, "ignore") == Score(2, 2, 0, True)  # required: always counted
    assert score(True, 3, 3, "extra-credit") == Score(0, 0, 3, False)
    assert score(True, 3, 3, "ignore") == Score(0, 0, 0, False)
    assert score(True, 0, 3, "required") == Score(0, 3, 0, True)
    assert score(True, 3, 3) == score(True, 3, 3, DEFAULT_STRETCH_RULE)
    assert DEFAULT_STRETCH_RULE == "extra-credit" and score(True, 3, 3).earned == 3
    with pytest.raises(ValueError, match="extra-credit, ignore, required"):
        score(True, 3, 3, "bonus")


# (points, max_points, extra_points, passed, total, complete) per rule, for results()
TOTALS = {"extra-credit": (3, 3, 3, 2, 2, True), "ignore": (3, 3, 0, 2, 2, True),
          "required": (6, 8, 0, 3, 4, False)}


@pytest.mark.parametrize("rule", STRETCH_RULES)
def test_results_own_the_totals_under_each_rule(rule):
    res = results()
    scored = res.scored(rule)
    assert (scored.points, scored.max_points, scored.extra_points, scored.passed, scored.total,
            scored.complete) == TOTALS[rule]
    assert res.stretch_rule == DEFAULT_STRETCH_RULE  # the original is not changed
    assert list(scored) == list(res)
    assert scored.summary()["max_points"] == scored.max_points
    assert scored.scored(rule).points == scored.points  # idempotent


# ------------------------------------------------------------------------------ every format
@pytest.mark.parametrize("rule", STRETCH_RULES)
def test_every_format_scores_stretch_by_the_rule(rule):
    points, max_points, extra, passed, total, _ = TOTALS[rule]
    r = run(results(), rule)

    [sub] = json.loads(formats.render("json", r))["submissions"]
    assert (sub["summary"]["points"], sub["summary"]["max_points"]) == (points, max_points)
    assert json.loads(formats.render("json", r))["scoring"] == {"stretch": rule}

    [row] = csv.DictReader(io.StringIO(formats.render("csv", r)))
    assert (int(row["points"]), int(row["max_points"]), int(row["extra_points"])) == (
        points, max_points, extra)
    assert int(row["ch2.extra_ok"]) == (0 if rule == "ignore" else 3)

    gs = json.loads(formats.render("gradescope", r))
    assert gs["score"] == points + extra
    assert sum(t["max_score"] for t in gs["tests"]) == max_points  # Gradescope's maximum
    assert sum(t["score"] for t in gs["tests"]) == points + extra

    gc = json.loads(formats.render("classroom", r))
    assert gc["max_score"] == max_points
    assert sum(t["score"] for t in gc["tests"]) == points + extra  # what the reporter adds up
    # Classroom fails only when an exercise that counts fails
    assert gc["status"] == ("fail" if rule == "required" else "pass")


def test_stretch_tests_say_how_they_count():
    names = {rule: [t["name"] for t in json.loads(formats.render("gradescope", run(results(), rule)))
                    ["tests"]] for rule in STRETCH_RULES}
    assert names["extra-credit"][2] == "ch2.extra_ok ch2.extra_ok (extra credit)"
    assert names["ignore"][3] == "ch2.extra_bad ch2.extra_bad (not scored)"
    assert names["required"][2] == "ch2.extra_ok ch2.extra_ok"
    assert names["extra-credit"][0] == "ch2.req_a ch2.req_a"


def test_a_failed_required_exercise_fails_classroom_under_every_rule():
    for rule in STRETCH_RULES:
        gc = json.loads(formats.render("classroom", run(results(Status.FAILED), rule)))
        assert gc["status"] == "fail"
        gc = json.loads(formats.render("classroom", run(results(Status.TIMEOUT), rule)))
        assert gc["status"] == "fail"


# ------------------------------------------------------------------------------ hidden checks
CANARY = "canary-7f3a"


def hidden_results(hidden_fails: bool = True, visible_fails: bool = False) -> Results:
    visible = CheckResult("test_book_example", {"en": "the book's example", "zh": "书中的例子"},
                          Status.FAILED if visible_fails else Status.PASSED,
                          detail=WRONG if visible_fails else None)
    hidden = CheckResult("test_hidden", {"en": f"secret {CANARY}", "zh": f"秘密 {CANARY}"},
                         Status.FAILED if hidden_fails else Status.PASSED,
                         detail=Detail("shape", {"what": CANARY, "got": "(1,)",
                                                 "expected": "(2,)"}) if hidden_fails else None,
                         hidden=True)
    checks = [visible, hidden]
    head = next((c for c in (visible, hidden) if not c.passed), None)
    a = ExerciseResult.of(REQ_A, head.status if head else Status.PASSED,
                          detail=head.detail if head else None, checks=checks)
    return Results([a, ExerciseResult.of(REQ_B, Status.PASSED)])


def test_an_exercise_with_hidden_checks_is_shown_at_the_courses_time():
    gs = json.loads(formats.render("gradescope", run(hidden_results(),
                                                     hidden_visibility="after_due_date")))
    public, scored, other = gs["tests"]
    # the visible checks: always shown, worth nothing, passed (only a hidden check failed)
    assert public["visibility"] == "visible" and public["status"] == "passed"
    assert public["score"] == public["max_score"] == 0
    assert public["name"] == "ch2.req_a ch2.req_a — visible checks"
    assert CANARY not in json.dumps(public)
    # the exercise's score: shown after the due date
    assert scored["visibility"] == "after_due_date" and scored["status"] == "failed"
    assert (scored["score"], scored["max_score"]) == (0, 2)
    assert other["visibility"] == "visible" and other["score"] == 1
    # the totals would give the hidden verdict away: the top-level output says when instead
    assert "after the due date" in gs["output"] and "points" not in gs["output"]
    assert gs["score"] == 1


def test_hidden_checks_are_anonymous_in_every_lms_unless_the_instructor_opts_in():
    for name in ("gradescope", "classroom"):
        text = formats.render(name, run(hidden_results()))
        assert CANARY not in text and "test_hidden" not in text
        shown = formats.render(name, run(hidden_results(), show_hidden=True))
        assert CANARY in shown


def test_a_failing_visible_check_is_shown_at_once():
    gs = json.loads(formats.render("gradescope", run(hidden_results(False, True),
                                                     hidden_visibility="hidden")))
    public, scored, _ = gs["tests"]
    assert public["status"] == "failed" and "f(A)" in public["output"]
    assert CANARY not in public["output"] and scored["visibility"] == "hidden"


def test_visible_hidden_visibility_is_one_test_and_no_hidden_checks_change_nothing():
    gs = json.loads(formats.render("gradescope", run(hidden_results(),
                                                     hidden_visibility="visible")))
    assert [t["visibility"] for t in gs["tests"]] == ["visible", "visible"]
    gs = json.loads(formats.render("gradescope", run(results())))
    assert len(gs["tests"]) == 4 and "points" in gs["output"]


def test_a_public_view_of_an_exercise_that_never_ran():
    broken = ExerciseResult.of(REQ_A, Status.ERROR, detail=Detail("syntax", {"file": "x.py"}))
    view = formats.public_view(broken)
    assert view.status is Status.ERROR and view.detail == broken.detail and view.points == 0


# ------------------------------------------------------------------------------ the course file
def test_the_course_file():
    assert course.parse(course.TEMPLATE) == course.Course(path=course.FILE)
    c = course.parse('[grading]\nstretch = "ignore"\nhidden_visibility = "hidden"\n')
    assert (c.stretch, c.hidden_visibility) == ("ignore", "hidden")
    assert c.but("required").stretch == "required" and c.but(None).stretch == "ignore"
    for bad, words in (('[grading]\nstretch = "bonus"\n', "one of 'extra-credit'"),
                       ('[grading]\nstrech = "ignore"\n', "unknown key grading.strech"),
                       ('[scoring]\nstretch = "ignore"\n', "unknown table"),
                       ("[grading\n", "d2lkit-course.toml")):
        with pytest.raises(course.CourseConfigError, match=words):
            course.parse(bad)


def test_the_course_file_is_found_in_the_folder(tmp_path):
    assert course.load(folder=tmp_path) == course.Course()
    assert course.write_template(tmp_path) == tmp_path / course.FILE
    assert course.write_template(tmp_path) is None  # never overwritten
    (tmp_path / course.FILE).write_text('[grading]\nstretch = "required"\n')
    assert course.load(folder=tmp_path).stretch == "required"
    assert course.load(tmp_path / course.FILE).stretch == "required"
    with pytest.raises(course.CourseConfigError):
        course.load(tmp_path / "missing.toml")


@pytest.fixture
def fake_grade(monkeypatch):
    """`batch.grade` without an engine: results() for every submission."""
    from d2lkit.instructor import batch

    def grade(subs, exercises, options, **kw):
        return [Graded(sub, results(), 0.5) for sub in subs]

    monkeypatch.setattr(batch, "grade", grade)
    try:  # the notebook path's dispatcher, where there is one, grades workspaces the same way
        from d2lkit.instructor import nbgrade

        monkeypatch.setattr(nbgrade, "grade", lambda subs, exercises, options, **kw:
                            grade(subs, exercises, options))
    except ImportError:
        pass


def test_grade_takes_the_rule_from_the_course_file_and_the_command_line(tmp_path, fake_grade,
                                                                        monkeypatch):
    from d2lkit.cli import main

    ws = tmp_path / "alice"
    (ws / "ch02").mkdir(parents=True)
    (ws / "d2lkit.toml").write_text("[workspace]\n")
    monkeypatch.chdir(tmp_path)

    def totals(*extra):
        r = CliRunner().invoke(main, ["grade", str(ws), "-t", "ch2.vector_norm", "--format",
                                      "csv", "--allow-weak-sandbox", *extra])
        assert r.exit_code == 0, r.output
        [row] = csv.DictReader(io.StringIO(r.stdout))
        return int(row["points"]), int(row["max_points"]), int(row["extra_points"])

    assert totals() == (3, 3, 3)
    (tmp_path / course.FILE).write_text('[grading]\nstretch = "required"\n')
    assert totals() == (6, 8, 0)
    assert totals("--stretch", "ignore") == (3, 3, 0)
    (tmp_path / course.FILE).write_text('[grading]\nstretch = "none"\n')
    r = CliRunner().invoke(main, ["grade", str(ws), "-t", "ch2.vector_norm"])
    assert r.exit_code == 2 and "none" in r.output


@pytest.mark.slow
def test_one_rule_in_a_real_grading(tmp_path):
    """ch04/polynomial.py solved except its stretch exercise: Classroom passes unless the course
    makes stretch exercises required."""
    ws = tmp_path / "ws"
    assert run_cli("init", ws).returncode == 0
    solved = (ROOT / "solutions" / "ch04" / "polynomial.py").read_text()
    stub = (ws / "ch04" / "polynomial.py").read_text()
    # the required exercise from the solution, the stretch one left as its stub
    start = stub.index("def fit_polynomial")
    mine = solved[:solved.index("def fit_polynomial")] + stub[start:]
    (ws / "ch04" / "polynomial.py").write_text(mine)
    seen = {}
    for rule in STRETCH_RULES:
        r = run_cli("grade", ws, "-t", "polynomial", "--format", "classroom", "--stretch", rule,
                    "--seed", "1", "--allow-weak-sandbox", "--no-progress")
        assert r.returncode == 0, r.stderr
        seen[rule] = json.loads(r.stdout)
    assert [seen[r]["status"] for r in STRETCH_RULES] == ["pass", "pass", "fail"]
    assert [seen[r]["max_score"] for r in STRETCH_RULES] == [2, 2, 4]
