"""Pictures of a learner's run: a training exercise's curves and an attention exercise's weights,
recorded by the graders as plain data (grading.series), carried back from the grading with the
result, drawn by `check` (output.charts) and by the notebook (jupyter.report).

The series' numbers come out of the sandbox child, so a hostile one is refused or cut down, never
trusted; a learner's run that diverged (NaN, inf) must still draw."""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from d2lkit.grading import series
from d2lkit.grading.options import Options
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import CheckResult, ExerciseResult, Results

ROOT = Path(__file__).resolve().parent.parent
TITLE = {"en": "a check", "zh": "检查"}

# a learner's train_epoch_ch8 (the book's loop) whose net diverges after its first step: every
# parameter set to NaN after updater.step(), so every later loss is NaN
DIVERGES = '''
def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter):
    state, loss_sum, tokens = None, 0.0, 0
    for X, Y in train_iter:
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        elif isinstance(state, torch.Tensor):
            state.detach_()
        else:
            for s in state:
                s.detach_()
        y = Y.T.reshape(-1)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long())
        updater.zero_grad()
        l.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1)
        updater.step()
        with torch.no_grad():
            for p in net.parameters():
                p.fill_(float("nan"))
        loss_sum += float(l) * y.numel()
        tokens += y.numel()
    return math.exp(loss_sum / tokens)
'''

# a hostile learner: the right loop, then it stuffs the loss recorder the probe handed it with
# what is not a curve (nested objects, strings, a million values) — data the child sends back
HOSTILE = DIVERGES.replace('''        with torch.no_grad():
            for p in net.parameters():
                p.fill_(float("nan"))
''', '').replace('''    return math.exp(loss_sum / tokens)''', '''    if hasattr(loss, "values"):
        loss.values.append({"$": "opaque", "nested": [[1.0] * 3]})
        loss.values.append("0.5")
    return math.exp(loss_sum / tokens)''')

LONG = HOSTILE.replace('''        loss.values.append({"$": "opaque", "nested": [[1.0] * 3]})
        loss.values.append("0.5")''', '''        loss.values.extend([1.0] * 5_000)''')
HUGE = LONG.replace("5_000", "200_000")


def _workspace(root: Path, code: str) -> Path:
    """A workspace of ch08's reference solutions with train_epoch_ch8 replaced by `code`."""
    ws = root / "ws"
    shutil.copytree(ROOT / "solutions" / "ch08", ws / "ch08")
    target = ws / "ch08" / "rnn_training.py"
    target.write_text(target.read_text() + "\n\n# --- the learner's version ---\n" + code)
    (ws / "d2lkit.toml").write_text("[workspace]\n")
    return ws


def _grade(ws: Path, ids: list[str]) -> Results:
    from d2lkit import catalogue
    from d2lkit.grading.engine import Engine

    cat = catalogue.load()
    with Engine(Options(seed=3)) as engine:
        return engine.grade([cat.by_id[i] for i in ids], ws)


# ------------------------------------------------------------------------------ across the protocol
@pytest.mark.slow
def test_a_graders_series_crosses_the_protocol_into_results_and_json(tmp_path):
    from d2lkit import catalogue
    from d2lkit.jupyter.service import result_from_dict, result_to_dict
    from d2lkit.output import formats
    from d2lkit.paths import content_dir

    results = _grade(content_dir("solutions"), ["ch8.train_epoch_ch8", "ch10.masked_softmax"])
    training, attention = results
    assert training.passed and attention.passed
    [loss] = training.series
    assert loss["kind"] == "line" and loss["what"] == "loss" and loss["x"] == "step"
    assert len(loss["learner"]) == 4 and loss["learner"] == loss["reference"]  # one per minibatch
    assert all(isinstance(v, float) and v > 0 for v in loss["learner"])
    [heat] = attention.series
    assert heat["kind"] == "heatmap" and len(heat["learner"]) == 4 and len(heat["learner"][0]) == 4
    for mine, theirs in zip(heat["learner"], heat["reference"]):
        assert mine == pytest.approx(theirs)

    out = formats.results_json(results, catalogue.load(), "ch8", Options(seed=3))
    text = formats.to_json(out)
    assert json.loads(text)["results"][0]["series"] == [loss]
    # the notebook's service sends a result as a dict and rebuilds it: the series comes along
    again = result_from_dict(json.loads(json.dumps(result_to_dict(training))))
    assert again.series == training.series


@pytest.mark.slow
def test_every_training_exercise_draws_a_loss_curve_that_matches_the_reference_run():
    from d2lkit import catalogue
    from d2lkit.paths import content_dir

    # the training-kind exercises that read or evaluate data and train nothing: no loss to draw
    no_training = {"ch3.load_array", "ch3.ImageDataset", "ch3.evaluate_accuracy"}
    training = [ex.id for ex in catalogue.load().exercises
                if ex.kind == "training" and ex.id not in no_training]
    assert len(training) >= 6
    for result in _grade(content_dir("solutions"), training):
        assert result.passed, result.id
        losses = [s for s in result.series if s["kind"] == "line" and s["what"] == "loss"]
        assert losses, f"{result.id} records no loss curve"
        for line in losses:  # the reference solution's run is the reference's, point for point
            assert len(line["learner"]) >= 2
            assert line["learner"] == pytest.approx(line["reference"], rel=1e-6, abs=1e-9)


@pytest.mark.slow
def test_a_diverging_learners_curve_keeps_its_nans(tmp_path):
    [r] = _grade(_workspace(tmp_path, DIVERGES), ["ch8.train_epoch_ch8"])
    assert r.status is Status.FAILED
    [loss] = r.series
    assert isinstance(loss["learner"][0], float) and loss["learner"][1:] == ["nan"] * 3
    assert all(isinstance(v, float) for v in loss["reference"])
    json.loads(json.dumps(loss, allow_nan=False))  # strict JSON: NaN travels as a word
    from d2lkit.output.charts import chart

    lines = [line.plain for line in chart(r.id, r.series, "en", ascii=True)]
    assert lines[1].split()[1].endswith("xxx") and "NaN at step 2" in lines[1]


@pytest.mark.slow
@pytest.mark.parametrize("code, points", [(HOSTILE, None), (LONG, series.MAX_POINTS), (HUGE, None)],
                         ids=["wrong-types", "long", "huge"])
def test_a_hostile_childs_series_is_refused_or_cut_and_grading_goes_on(tmp_path, code, points):
    [r] = _grade(_workspace(tmp_path, code), ["ch8.train_epoch_ch8"])
    assert r.status is Status.PASSED  # the lockstep itself is right: only the picture is bad
    if points is None:  # not a list of numbers, or absurdly long: no picture at all
        assert r.series == [] and all(c.series == [] for c in r.checks)
    else:  # long: downsampled, its ends kept
        [loss] = r.series
        assert len(loss["learner"]) == points and len(loss["reference"]) == 4
        assert loss["learner"][-1] == 1.0 and all(isinstance(v, float) for v in loss["learner"])


# ------------------------------------------------------------------------------ cleaning
def test_a_line_is_downsampled_keeping_its_ends():
    s = series.line("loss", list(range(1000)), [0.5] * 7)
    assert len(s["learner"]) == series.MAX_POINTS
    assert s["learner"][0] == 0.0 and s["learner"][-1] == 999.0
    assert s["learner"] == sorted(s["learner"])
    assert s["reference"] == [0.5] * 7


@pytest.mark.parametrize("bad", [
    {"kind": "line", "what": "loss", "x": "step", "learner": [1.0] * (series.MAX_INPUT + 1),
     "reference": [1.0]},
    {"kind": "line", "what": "loss", "x": "step", "learner": [1.0, "0.5"], "reference": [1.0]},
    {"kind": "line", "what": "loss", "x": "step", "learner": [1.0, [2.0]], "reference": [1.0]},
    {"kind": "line", "what": "loss", "x": "step", "learner": [True], "reference": [1.0]},
    {"kind": "line", "what": "loss", "x": "step", "learner": [{"a": 1}], "reference": [1.0]},
    {"kind": "line", "what": "__import__('os')", "x": "step", "learner": [1.0], "reference": [1.0]},
    {"kind": "line", "what": "loss", "x": "minute", "learner": [1.0], "reference": [1.0]},
    {"kind": "line", "what": "loss", "x": "step", "learner": "1.0, 2.0", "reference": [1.0]},
    {"kind": "heatmap", "what": "attention", "learner": [[1.0], [1.0, 2.0]], "reference": [[1.0]]},
    {"kind": "heatmap", "what": "attention", "learner": [[[1.0]]], "reference": [[1.0]]},
    {"kind": "heatmap", "what": "attention", "learner": [], "reference": [[1.0]]},
    {"kind": "script", "code": "print(1)"},
    ["line", "loss"],
    "line",
], ids=lambda b: str(b)[:40])
def test_what_is_not_a_series_is_refused(bad):
    assert series.clean(bad) is None
    check = CheckResult("t", TITLE, Status.PASSED, series=[bad])
    assert check.series == []


def test_subclasses_with_behaviour_of_their_own_are_refused():
    class Sneaky(float):
        def __repr__(self):
            raise RuntimeError("never called")

    class Items(list):
        def __iter__(self):
            raise RuntimeError("never iterated")

    assert series.line("loss", [Sneaky(1.0)], [1.0]) is None
    assert series.line("loss", Items([1.0]), [1.0]) is None
    assert series.clean_all(Items([{"kind": "line"}])) == []


def test_a_large_matrix_is_cropped_and_the_series_count_bounded():
    big = [[0.5] * 100 for _ in range(100)]
    s = series.heatmap(big, big)
    assert len(s["learner"]) == series.MAX_SIDE and len(s["learner"][0]) == series.MAX_SIDE
    assert series.heatmap([[0.5] * 1000], [[0.5]]) is None  # past 10 × the side: refused
    line = series.line("loss", [1.0], [1.0])
    many = CheckResult("t", TITLE, Status.PASSED, series=[line] * 50)
    assert len(many.series) == series.MAX_SERIES


def test_non_finite_values_travel_as_words():
    s = series.line("loss", [1, math.nan, math.inf, -math.inf, 10 ** 400], [1.0] * 5)
    assert s["learner"] == [1.0, "nan", "inf", "-inf", "inf"]
    assert json.loads(json.dumps(s, allow_nan=False)) == s


def test_an_exercise_shows_a_failing_checks_curve_first():
    mine = series.line("loss", [1.0, 2.0], [1.0, 0.5])
    right = series.line("loss", [1.0, 0.5], [1.0, 0.5])
    passed = CheckResult("a", TITLE, Status.PASSED, series=[right])
    failed = CheckResult("b", TITLE, Status.FAILED, series=[mine])
    r = ExerciseResult("ch8.train_epoch_ch8", "ch08", "8.5", Status.FAILED, 0, 1,
                       checks=[passed, failed])
    assert r.series == [mine]


def test_api_records_only_numbers():
    import torch

    from d2lkit.grading.api import record_heatmap, record_series
    from d2lkit.grading.wire import Opaque

    class Student:
        pass

    student = Student()
    record_series(student, "loss", [torch.tensor(1.5), 2], torch.tensor([1.0, 0.5]))
    record_series(student, "loss", [Opaque("Evil", "")], [1.0])
    record_series(student, "loss", {"a": 1}, [1.0])
    record_heatmap(student, torch.ones(2, 3, 4), torch.zeros(3, 4))
    record_heatmap(student, "not a tensor", torch.zeros(3, 4))
    assert [s["kind"] for s in student.series] == ["line", "heatmap"]
    assert student.series[0]["learner"] == [1.5, 2.0]
    assert len(student.series[1]["learner"]) == 3 and len(student.series[1]["learner"][0]) == 4


# ------------------------------------------------------------------------------ the terminal
def _curves(learner, reference=None, what="loss", x="step"):
    return series.line(what, learner, reference if reference is not None else learner, x=x)


@pytest.mark.parametrize("ascii", [False, True], ids=["rich", "plain"])
def test_chart_of_a_normal_a_constant_and_a_nan_series(ascii):
    from d2lkit.output.charts import ASCII, BLOCKS, chart

    glyphs = ASCII if ascii else BLOCKS
    normal = [line.plain for line in chart("ch3.train_ch3", [_curves([3.0, 2.0, 1.0, 0.5],
                                                                      [3.0, 1.5, 0.75, 0.5])],
                                           "en", ascii=ascii)]
    assert len(normal) == 3 and normal[0] == "ch3.train_ch3  loss per step"
    you, ref = normal[1].split(), normal[2].split()
    assert you[0] == "you" and ref[0] == "reference"
    assert you[1] == glyphs[-1] + glyphs[4] + glyphs[1] + glyphs[0]  # one scale for both lines
    assert ref[1][0] == glyphs[-1] and ref[1][-1] == glyphs[0]
    assert "(min 0.5, max 3)" in normal[1]
    assert all(c.isascii() for line in normal for c in line) == ascii

    constant = [line.plain for line in chart("x", [_curves([1.0] * 5)], "en", ascii=ascii)]
    assert constant[1].split()[1] == glyphs[3] * 5  # a flat line in the middle, no division by 0

    nan = [line.plain for line in chart("x", [_curves([1.0, math.nan, math.inf, 0.5],
                                                      [1.0, 0.8, 0.6, 0.5])], "en", ascii=ascii)]
    marks = nan[1].split()[1]
    assert marks[1:3] == ("x^" if ascii else "×↑") and "NaN at step 2" in nan[1]


def test_chart_keeps_to_six_lines_loss_and_test_accuracy_first():
    from d2lkit.output.charts import chart

    lines = chart("ch3.train_ch3", [_curves([0.4, 0.6], what="train-accuracy", x="epoch"),
                                    _curves([0.5, 0.7], what="test-accuracy", x="epoch"),
                                    _curves([2.0, 1.0], x="epoch")], "zh")
    text = [line.plain for line in lines]
    assert len(text) == 6
    assert text[0] == "ch3.train_ch3  每个迭代周期的损失" and text[3].strip() == "每个迭代周期的测试精度"
    assert text[1].split()[0] == "你的" and "（最小 1，最大 2）" in text[1]


def _report_text(res, plain: bool) -> str:
    from d2lkit.output import terminal

    class Catalogue:
        by_id: dict = {}
        chapter_by_number: dict = {}

    console = Console(file=io.StringIO(), width=120, record=True, color_system=None,
                      force_terminal=not plain)
    terminal.check_report(res, Catalogue(), Options(seed=1, lang="en"), None, console)
    return console.export_text()


@pytest.mark.parametrize("plain", [False, True], ids=["rich", "plain"])
def test_check_draws_a_chart_only_for_results_with_a_series(plain):
    check = CheckResult("t", TITLE, Status.PASSED, series=[_curves([2.0, 1.0, 0.5])])
    drawn = ExerciseResult("ch8.train_epoch_ch8", "ch08", "8.5", Status.PASSED, 1, 1,
                           checks=[check])
    bare = ExerciseResult("ch8.perplexity", "ch08", "8.4", Status.PASSED, 1, 1,
                          checks=[CheckResult("t", TITLE, Status.PASSED)])
    text = _report_text(Results([drawn, bare]), plain)
    assert "ch8.train_epoch_ch8  loss per step" in text
    assert text.count("loss per step") == 1
    assert ("#:_" if plain else "█▃▁") in text


# ------------------------------------------------------------------------------ the notebook
@pytest.fixture
def agg():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    return matplotlib


def test_the_notebook_draws_loss_and_accuracy_learner_next_to_reference(agg):
    from d2lkit.jupyter import report

    figs = report.figures([_curves([2.0, math.nan, 1.0], [2.0, 1.5, 1.0], x="epoch"),
                           _curves([0.3, 0.6, 0.9], what="train-accuracy", x="epoch")], "en")
    [fig] = figs
    loss, accuracy = fig.axes[:2]
    assert len(loss.get_lines()) == 2 and len(accuracy.get_lines()) == 2
    mine = loss.get_lines()[0]
    assert mine.get_label() == "you (NaN at epoch 2)"
    assert math.isnan(mine.get_ydata()[1])
    assert list(loss.get_lines()[1].get_ydata()) == [2.0, 1.5, 1.0]


def test_the_notebook_draws_attention_as_two_heatmaps(agg):
    from d2lkit.jupyter import report

    weights = [[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]
    [fig] = report.figures([series.heatmap(weights, [[0.2, 0.2, 0.6], [0.5, 0.5, math.nan]])], "en")
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 2
    assert all(im.get_array().shape == (2, 3) for im in images)
    assert images[0].get_array()[0][2] == pytest.approx(0.7)


def test_a_notebook_report_embeds_the_figure(agg):
    from d2lkit.jupyter import report

    check = CheckResult("t", TITLE, Status.FAILED, series=[_curves([2.0, 3.0], [2.0, 1.0])])
    r = ExerciseResult("ch8.train_epoch_ch8", "ch08", "8.5", Status.FAILED, 0, 1, checks=[check])
    shown = report.render(r, None, "en")
    assert shown.html.count('src="data:image/png;base64,') == 1
    assert "loss per step" in shown.text


def test_without_matplotlib_the_notebook_draws_text_and_says_so_once(monkeypatch):
    from d2lkit.jupyter import report

    monkeypatch.setattr(report, "_matplotlib", lambda: None)
    monkeypatch.setattr(report, "_TOLD_NO_MATPLOTLIB", [])
    check = CheckResult("t", TITLE, Status.PASSED, series=[_curves([2.0, 1.0]),
                                                           series.heatmap([[1.0]], [[1.0]])])
    r = ExerciseResult("ch10.nadaraya_watson", "ch10", "10.2", Status.PASSED, 1, 1, checks=[check])
    first, second = report.render(r, None, "en"), report.render(r, None, "en")
    assert "data:image/png" not in first.html and "loss per step" in first.html
    said = "matplotlib is not installed"
    assert said in first.html and said in first.text
    assert "matplotlib is not installed" not in second.html
    assert "attention weights: yours (1 × 1)" in first.text


@pytest.mark.slow
def test_the_magic_shows_an_attention_heatmap_in_a_real_kernel(tmp_path, monkeypatch):
    """`%%d2lkit ch10.nadaraya_watson` in a real kernel, with the reference's code in the cell:
    the report under the cell carries the heatmaps as a PNG (the grading service sent the
    series back with the result)."""
    import ast
    import sys

    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("matplotlib")
    from nbclient import NotebookClient

    spec = tmp_path / "jupyter" / "kernels" / "d2lkit-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "d2lkit test", "language": "python",
        "env": {"D2LKIT_LANG": "en", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("D2LKIT_WORKSPACE", raising=False)
    source = (ROOT / "solutions" / "ch10" / "nadaraya_watson.py").read_text()
    [fn] = [n for n in ast.parse(source).body
            if isinstance(n, ast.FunctionDef) and n.name == "nadaraya_watson"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in (
        "%load_ext d2lkit", "import torch\nfrom torch import Tensor",
        "%%d2lkit ch10.nadaraya_watson --no-run\n" + ast.get_source_segment(source, fn))]
    folder = tmp_path / "notebooks"
    folder.mkdir()
    NotebookClient(nb, kernel_name="d2lkit-test", timeout=240, allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    shown = "".join(o.get("data", {}).get("text/html", "") for o in nb.cells[2].outputs
                    if o.output_type in ("display_data", "execute_result"))
    assert "✓ passed" in shown, nb.cells[2].outputs
    assert shown.count('src="data:image/png;base64,') == 1
