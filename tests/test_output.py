"""What d2lkit prints: the grade formats come from one registry, totals come from `Results`
(stretch exercises are extra credit, never in the maximum), and a failure is worded once for the
terminal, the machine formats and the notebook path alike. No grading runs here."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from d2lkit.catalogue import Exercise, Mistake
from d2lkit.grading.options import Options
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import CheckResult, Detail, ExerciseResult, Results
from d2lkit.instructor.batch import Graded, Submission
from d2lkit.output import formats, terminal
from d2lkit.output.messages import detail_text, failure_lines


def exercise(eid: str, points: int, stretch: bool = False, mistakes=()) -> Exercise:
    return Exercise(id=eid, chapter=2, topic="norms", section="2.3", title={"en": eid, "zh": eid},
                    points=points, functions=(eid.split(".")[1],), forbid=(),
                    hints=({"en": "a hint", "zh": "提示"},), mistakes=tuple(mistakes),
                    stretch=stretch)


WRONG_AXIS = Mistake("wrong-axis", {"en": "Sum each row: dim=1.", "zh": "按行求和：dim=1。"})
EXERCISES = [exercise("ch2.good", 2), exercise("ch2.bad", 1, mistakes=[WRONG_AXIS]),
             exercise("ch2.extra", 3, stretch=True)]
PROBLEM = Detail("shape", {"what": "row_normalize(A)", "got": "(3,)", "expected": "(3, 1)"})


class Catalogue:
    by_id = {ex.id: ex for ex in EXERCISES}
    chapter_by_number: dict = {}


def results() -> Results:
    good, bad, extra = EXERCISES
    failing = CheckResult("test_rows[float32]", {"en": "rows sum to one", "zh": "每行和为一"},
                          Status.FAILED, mistake="wrong-axis", detail=PROBLEM)
    return Results([ExerciseResult.of(good, Status.PASSED),
                    ExerciseResult.of(bad, Status.FAILED, mistake="wrong-axis", detail=PROBLEM,
                                      checks=[failing]),
                    ExerciseResult.of(extra, Status.PASSED)])


OPTIONS = Options(seed=7, lang="en")


def grade_run(n: int = 1) -> formats.GradeRun:
    graded = [Graded(Submission(f"learner{i}", Path(f"/tmp/learner{i}")), results(), 1.5)
              for i in range(n)]
    return formats.GradeRun(graded, Catalogue(), EXERCISES, "ch2", OPTIONS)


def terminal_text(res: Results) -> str:
    console = Console(file=io.StringIO(), width=200, record=True, color_system=None)
    terminal.check_report(res, Catalogue(), OPTIONS, None, console)
    return console.export_text()


# ------------------------------------------------------------------------------ the registry
@pytest.mark.parametrize("name", sorted(formats.GRADE_FORMATS))
@pytest.mark.parametrize("submissions", [1, 2])
def test_every_registered_format_renders(name, submissions):
    text = formats.render(name, grade_run(submissions))
    assert "learner0" in text or name in ("gradescope", "classroom")
    if name != "csv":
        json.loads(text)


def test_the_registry_is_what_grade_offers():
    from d2lkit.cli.instructor import grade

    [fmt] = [p for p in grade.params if p.name == "fmt"]
    assert list(fmt.type.choices) == ["table", *formats.GRADE_FORMATS]
    assert set(formats.GRADE_FORMATS) >= {"json", "csv", "gradescope", "classroom"}


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown grade format"):
        formats.render("xml", grade_run())
    from d2lkit.cli import main

    out = CliRunner().invoke(main, ["grade", str(tmp_path), "--format", "xml"])
    assert out.exit_code == 2 and "xml" in out.output


def test_a_new_format_is_one_function():
    @formats.grade_format("names")
    def names(run):
        return "\n".join(g.submission.name for g in run.graded)

    try:
        assert formats.render("names", grade_run(2)) == "learner0\nlearner1"
    finally:
        del formats.GRADE_FORMATS["names"]


# ------------------------------------------------------------------------------ totals
def test_stretch_is_extra_credit_everywhere():
    res = results()
    assert (res.points, res.max_points, res.extra_points, res.passed, res.total) == (2, 3, 3, 1, 2)
    run = grade_run()

    [sub] = json.loads(formats.render("json", run))["submissions"]
    assert sub["summary"] == res.summary()

    [row] = csv.DictReader(io.StringIO(formats.render("csv", run)))
    assert (row["points"], row["max_points"], row["extra_points"]) == ("2", "3", "3")
    assert row["ch2.extra"] == "3" and row["ch2.extra:status"] == "passed"

    gs = json.loads(formats.render("gradescope", run))
    assert gs["score"] == 5  # 2 required + 3 extra credit
    assert {t["name"].split()[0]: t["max_score"] for t in gs["tests"]} == {
        "ch2.good": 2, "ch2.bad": 1, "ch2.extra": 0}

    gc = json.loads(formats.render("classroom", run))
    assert gc["max_score"] == 3 and gc["status"] == "fail"

    text = terminal_text(res)
    assert "1/2 passed · 2/3 points" in text and "stretch: 1/1 passed" in text


def test_every_status_has_an_icon_a_label_and_a_colour():
    from d2lkit.i18n import keys
    from d2lkit.instructor.report import STATUS_COLOURS

    legend = terminal.status_legend("en").plain
    for status in Status:
        assert status.icon in legend and f"status.{status.value}" in keys("en") & keys("zh")
        assert status in STATUS_COLOURS


# ------------------------------------------------------------------------------ one wording
def test_a_failure_reads_the_same_in_every_output(monkeypatch):
    problem = detail_text(PROBLEM, "en")
    assert problem == "row_normalize(A): shape (3,), expected (3, 1)"
    res = results()
    lines = [line.text for line in failure_lines(res[1], EXERCISES[1], "en")]
    assert lines == ["Check: rows sum to one  [test_rows[float32]]",
                     f"What is wrong: {problem}", "Likely mistake: wrong-axis",
                     "Hint: Sum each row: dim=1."]

    text = terminal_text(res)
    run = grade_run()
    check_json = formats.results_json(res, Catalogue(), "ch2", OPTIONS)
    [gs_test] = [t for t in json.loads(formats.render("gradescope", run))["tests"]
                 if t["name"].startswith("ch2.bad")]
    [gc_test] = [t for t in json.loads(formats.render("classroom", run))["tests"]
                 if t["name"].startswith("ch2.bad")]
    for line in lines:
        assert line in text
        assert line in gs_test["output"] and line in gc_test["message"]
    assert check_json["results"][1]["message"] == problem
    assert check_json["results"][1]["hint"] == "Sum each row: dim=1."

    import d2lkit.grader

    monkeypatch.setattr(d2lkit.grader, "grade", lambda *args, **kwargs: res[1])
    with pytest.raises(d2lkit.grader.ExerciseFailed) as failed:
        d2lkit.grader.check("ch2.bad", lambda A: A, lang="en", quiet=True)
    assert f"What is wrong: {problem}" in str(failed.value)
    assert lines[0] in str(failed.value)


def test_every_failing_check_is_shown_the_learners_own_bug_first():
    """The first failure in full, the others one line each; a complaint about the device comes
    after a wrong computation, even when a grader happened to check the device first."""
    _, bad, _ = EXERCISES
    device = CheckResult("test_on_device", {"en": "result on the grading device", "zh": "设备"},
                         Status.FAILED, detail=Detail("device", {"what": "f(x)", "got": "cpu",
                                                                 "expected": "cuda:0"}))
    wrong = CheckResult("test_rows[float32]", {"en": "rows sum to one", "zh": "每行和为一"},
                        Status.FAILED, mistake="wrong-axis", detail=PROBLEM)
    passed = CheckResult("test_shape", {"en": "shape", "zh": "形状"}, Status.PASSED)
    r = ExerciseResult.of(bad, Status.FAILED, checks=[device, passed, wrong])
    assert r.failing_checks == [wrong, device]
    assert r.failing_check is wrong
    # a check that diagnosed a catalogued mistake comes before one that only saw wrong values
    generic = CheckResult("test_values", {"en": "values", "zh": "数值"}, Status.FAILED,
                          detail=PROBLEM)
    r = ExerciseResult.of(bad, Status.FAILED, checks=[generic, device, wrong])
    assert r.failing_checks == [wrong, generic, device]
    lines = failure_lines(ExerciseResult.of(bad, Status.FAILED, mistake="wrong-axis",
                                            detail=PROBLEM, checks=[device, passed, wrong]),
                          bad, "en")
    texts = [line.text for line in lines]
    assert texts[0] == "Check: rows sum to one  [test_rows[float32]]"
    assert "Also failing (1):" in texts
    [also] = [line.text for line in lines if line.kind == "also" and "device" in line.text]
    assert also.strip().startswith("✗ result on the grading device: ")
    assert "rows sum to one" not in also
    # one failing check: nothing "also"
    single = ExerciseResult.of(bad, Status.FAILED, mistake="wrong-axis", detail=PROBLEM,
                               checks=[wrong, passed])
    assert not [line for line in failure_lines(single, bad, "en") if line.kind == "also"]


@pytest.mark.parametrize("message, hint", [
    ("'list' object has no attribute 'shape'", "torch.stack"),
    ("cannot unpack non-iterable int object", "(k, k)"),
    ("Torch not compiled with CUDA enabled", "device=X.device"),
])
def test_a_common_input_mistake_in_an_exception_gets_a_hint(message, hint):
    _, bad, _ = EXERCISES
    detail = Detail("exception", {"type": "TypeError", "message": message, "frames": []})
    lines = failure_lines(ExerciseResult.of(bad, Status.ERROR, detail=detail), bad, "en")
    [line] = [line for line in lines if line.kind == "hint"]
    assert hint in line.text
    zh = failure_lines(ExerciseResult.of(bad, Status.ERROR, detail=detail), bad, "zh")
    assert [line for line in zh if line.kind == "hint"]
    # an exception that says nothing about the inputs gets no made-up hint
    plain = Detail("exception", {"type": "ZeroDivisionError", "message": "division by zero"})
    assert not [line for line in failure_lines(ExerciseResult.of(bad, Status.ERROR, detail=plain),
                                               bad, "en") if line.kind == "hint"]


def test_first_to_fix_is_what_the_learner_tried_and_stretch_never_blocks():
    good, bad, extra = EXERCISES
    other = exercise("ch2.other", 1)
    tried = ExerciseResult.of(bad, Status.FAILED, detail=PROBLEM)
    untried = ExerciseResult.of(other, Status.NOT_IMPLEMENTED)
    stretch_failed = ExerciseResult.of(extra, Status.FAILED, detail=PROBLEM)
    # a not-started exercise earlier in the chapter does not hide the learner's real failure
    run = Results([untried, tried, stretch_failed])
    assert run.first_to_fix() is tried and not run.complete
    assert Results([untried, stretch_failed]).first_to_fix() is untried
    # partly done (the stub line still raises, but a check passed) is attempted too
    partly = ExerciseResult.of(bad, Status.NOT_IMPLEMENTED, checks=[
        CheckResult("test_shape", {"en": "shape", "zh": "形状"}, Status.PASSED)])
    assert Results([untried, partly]).first_to_fix() is partly
    # every required exercise passed: done (exit 0), and a failing stretch one gets no box,
    # only a line that offers it
    done = Results([ExerciseResult.of(good, Status.PASSED), stretch_failed])
    assert done.complete and done.first_to_fix() is None
    console = Console(record=True, width=100)
    terminal.check_report(done, Catalogue(), OPTIONS, None, console)
    text = console.export_text()
    assert "First to fix" not in text and "What is wrong" not in text
    assert "Stretch exercise to try (extra, not in the score): ch2.extra" in text
    assert "Every required exercise passed" in text
    # a run of stretch exercises alone: they decide the exit code and take the box
    alone = Results([stretch_failed])
    assert not alone.complete and alone.first_to_fix() is stretch_failed
    console = Console(record=True, width=100)
    terminal.check_report(alone, Catalogue(), OPTIONS, None, console)
    assert "First to fix: ch2.extra" in console.export_text()
    assert Results([ExerciseResult.of(extra, Status.PASSED)]).complete


# ------------------------------------------------------------------------------ layouts
def _render(view, width: int | None, **console_options) -> str:
    """What `view(console)` prints: on a terminal of `width` columns, or (width None) piped."""
    if width is None:
        console = Console(file=io.StringIO(), record=True, **console_options)
        console.soft_wrap = True  # as the command line makes a console that is not a terminal
    else:
        console = Console(file=io.StringIO(), record=True, width=width, force_terminal=True,
                          **console_options)
    view(console)
    return console.export_text(styles=False)


def _ch9_and_ch10():
    from d2lkit import catalogue

    cat = catalogue.load()
    return cat, cat.resolve(["ch9", "ch10"])


def _views():
    """Every table a learner reads, over ch9 and ch10 (the longest ids and titles)."""
    from d2lkit.progress import ExerciseStats

    cat, exercises = _ch9_and_ch10()
    results = Results(ExerciseResult.of(ex, Status.NOT_IMPLEMENTED) for ex in exercises)
    stats = {ex.id: ExerciseStats(ex.id, status="failed", attempts=2) for ex in exercises}
    return cat, exercises, {
        "list": lambda c: terminal.exercise_list(exercises, cat, stats, "en", c,
                                                 current=exercises[3].id),
        "check": lambda c: terminal.check_report(results, cat, OPTIONS, None, c),
        "progress": lambda c: terminal.progress_view(cat, stats, {}, (0, None), "en", c),
    }


@pytest.mark.parametrize("view", ["list", "check", "progress"])
@pytest.mark.parametrize("width", [80, 120, None])
def test_no_layout_ever_cuts_an_exercise_id(view, width):
    """An id is what a learner copies into the next command; a title wraps or is cut instead.
    80 columns: stacked; 120: tables; piped: plain text."""
    cat, exercises, views = _views()
    text = _render(views[view], width)
    words = set(text.split())
    if view != "progress":
        for ex in exercises:
            assert ex.id in words, (ex.id, width)  # whole, as a word of its own
    if width is not None:
        assert max(len(line) for line in text.splitlines()) <= width


def test_below_100_columns_tables_become_stacked_blocks():
    cat, exercises, views = _views()
    narrow = _render(views["list"], 80)
    wide = _render(views["list"], 120)
    long_title = max(exercises, key=lambda ex: len(ex.title["en"]))
    # wide: a table, one row per exercise (id, section and title on one line)
    row = next(line for line in wide.splitlines() if long_title.id in line)
    assert long_title.section in row and long_title.title["en"][:20] in row
    # stacked: the id and its status on one line, the section and title below it
    lines = narrow.splitlines()
    i = next(i for i, line in enumerate(lines) if long_title.id in line.split())
    assert "failed" in lines[i] and long_title.section not in lines[i]
    assert lines[i + 1].strip().startswith(long_title.section)
    # the current exercise is marked in both
    current = exercises[3].id
    assert any(line.lstrip().startswith(f"▶ {current}") for line in narrow.splitlines())
    assert any("▶" in line and current in line for line in wide.splitlines())
    # the check report stacks too
    check = _render(views["check"], 80)
    assert not any(line.startswith("exercise ") for line in check.splitlines())
    assert _render(views["check"], 120).lstrip().startswith("exercise")


def test_piped_output_is_plain_text_with_nothing_cut():
    cat, exercises, views = _views()
    for name, view in views.items():
        text = _render(view, None)
        assert not set(text) & set("│─┃━╭╮╰╯"), name  # no boxes or rules
        assert "…" not in text, name
        if name != "progress":
            for ex in exercises:  # whole titles, on the line of their id
                line = next(line for line in text.splitlines() if ex.id in line.split())
                assert ex.title["en"] in line, (name, ex.id)
    # a long failure message is one line, whatever the width
    res = results()
    long = ExerciseResult.of(EXERCISES[1], Status.FAILED, detail=Detail(
        "expect", {"what": "x" * 300}))
    text = _render(lambda c: terminal.check_report(Results([res[0], long]), Catalogue(), OPTIONS,
                                                   None, c), None)
    assert "x" * 300 in text


def test_no_color_turns_colour_off_and_bars_into_characters():
    cat, exercises, views = _views()
    console = Console(file=io.StringIO(), width=120, force_terminal=True, no_color=True,
                      color_system="truecolor")
    views["progress"](console)
    out = console.file.getvalue()
    assert not re.search(r"\x1b\[[0-9;]*3[0-9](;|m)", out) and "38;" not in out  # no colour
    assert "░" in out  # the bar, in characters
    coloured = Console(file=io.StringIO(), width=120, force_terminal=True,
                       color_system="truecolor")
    views["progress"](coloured)
    assert re.search(r"\x1b\[[0-9;]*m", coloured.file.getvalue())  # the positive control


def test_next_shows_the_current_exercise_with_its_file_line_and_book_section(tmp_path):
    from d2lkit.current import current_exercise
    from d2lkit.workspace import Workspace, init, locate

    ws, _ = init(tmp_path / "ws")
    cat, _ = _ch9_and_ch10()
    current = current_exercise(cat, {}, "ch9")
    ex = current.exercise
    path, line = locate(ws, ex)
    assert path.read_text().splitlines()[line - 1].startswith(f"def {ex.functions[0]}")
    for width in (80, 120, None):
        text = _render(lambda c: terminal.current_view(cat, current, (path, line), None, "en", c),
                       width)
        flat = " ".join(text.split())
        assert f"Current exercise: {ex.id} — {ex.title['en']}" in flat
        assert f"{path.name}:{line}" in flat and "https://zh.d2l.ai/chapter_recurrent-modern/" in flat
        assert "first exercise of ch9" in flat and f"Section: {ex.section}" in flat


def test_a_solution_written_to_a_file_is_the_code_itself(tmp_path):
    code = "def f(x):\n    return x + 1  # " + "a long comment " * 10 + "\n"
    out = tmp_path / "solution.py"
    with out.open("w") as f:
        terminal.source(code, Console(file=f, width=80))
    assert out.read_text() == code
