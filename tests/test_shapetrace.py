"""The shape trace: the learner's lines and the reference's shapes, up to where they part."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from d2lkit.grading import shapetrace

ROOT = Path(__file__).resolve().parent.parent


def scores_right(Q, K):
    s = torch.bmm(Q, K.transpose(1, 2))
    return s.softmax(-1)


def scores_wrong(Q, K):
    s = torch.bmm(Q, K.transpose(1, 2)).sum(0)
    return s.softmax(-1)


def _this_file(filename: str) -> bool:
    return filename == __file__


def test_a_recorder_keeps_each_line_and_the_shape_it_made():
    Q, K = torch.ones(2, 3, 4), torch.ones(2, 5, 4)
    trace = shapetrace.record(scores_right, (Q, K), {}, _this_file)
    assert trace["error"] == ""
    lines = {rec[0] for rec in trace["records"]}
    first = scores_right.__code__.co_firstlineno
    assert lines == {first + 1, first + 2}
    assert [2, 3, 5] in [rec[2] for rec in trace["records"]]
    # operations made by other files (here: none of torch's own internals) are not recorded
    assert shapetrace.record(scores_right, (Q, K), {}, lambda f: False)["records"] == []


def test_the_comparison_stops_at_the_first_line_whose_shape_differs():
    Q, K = torch.ones(2, 3, 4), torch.ones(2, 5, 4)
    mine = shapetrace.record(scores_wrong, (Q, K), {}, _this_file)
    theirs = shapetrace.record(scores_right, (Q, K), {}, _this_file)
    source = Path(__file__).read_text().splitlines()
    trace = shapetrace.compare(mine, theirs, source)
    assert trace["diverged"]
    [row] = trace["rows"]
    assert row["line"] == scores_wrong.__code__.co_firstlineno + 1
    assert row["code"] == "s = torch.bmm(Q, K.transpose(1, 2)).sum(0)"
    assert (row["got"], row["expected"]) == ("(3, 5)", "(2, 3, 5)")
    # identical shapes all the way: nothing to explain
    assert shapetrace.compare(theirs, theirs, source) is None


def test_a_shape_error_is_shown_with_the_shapes_it_was_given():
    def broken(Q, K):
        return torch.bmm(Q, K)
    trace = shapetrace.record(broken, (torch.ones(2, 3, 4), torch.ones(2, 5, 4)), {}, _this_file)
    assert "RuntimeError" in trace["error"]
    [rec] = trace["records"]
    assert rec[2] is None and rec[3] == [[2, 3, 4], [2, 5, 4]]
    assert shapetrace.looks_like_a_shape_error(trace["error"])


def test_a_forged_trace_from_a_child_is_read_defensively():
    forged = {"records": [["x", 1, 2], 5, [1, "op", [2], [], ""]]}
    reference = {"records": [[1, "op", [3], [], ""]]}
    trace = shapetrace.compare(forged, reference, ["a = f(b)"])
    assert [r["line"] for r in trace["rows"]] == [1]


@pytest.mark.slow
def test_a_wrong_shape_in_a_learners_function_comes_with_its_trace(tmp_path):
    from d2lkit import catalogue
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options
    from d2lkit.output.messages import failure_lines

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions" / "ch03", ws / "ch03")
    module = ws / "ch03" / "softmax_scratch.py"
    source = module.read_text()
    assert "partition = X_exp.sum(dim=1, keepdim=True)" in source
    module.write_text(source.replace("partition = X_exp.sum(dim=1, keepdim=True)",
                                     "partition = X_exp.sum(dim=1)"))
    ex = catalogue.load().by_id["ch3.softmax"]
    with Engine(Options(seed=4)) as engine:
        [r] = engine.grade([ex], ws)
    assert not r.passed
    traced = [c for c in r.checks if c.trace]
    assert len(traced) == 1  # one trace per exercise
    last = traced[0].trace["rows"][-1]
    line = module.read_text().splitlines().index("    partition = X_exp.sum(dim=1)") + 1
    assert last["line"] == line and last["code"] == "partition = X_exp.sum(dim=1)"
    assert last["got"].endswith(",)") and last["expected"].endswith(", 1)")
    text = "\n".join(l.text for l in failure_lines(r, ex, "en"))
    assert "Shape trace" in text and f"line {line}  partition = X_exp.sum(dim=1)" in text
    assert "the first difference" in text


@pytest.mark.slow
def test_a_module_whose_forward_raises_a_shape_error_is_traced_through_its_probe(tmp_path):
    """MultiHeadAttention without transpose_output: the trace lines up the learner's steps with
    the reference's, although the reference makes more of them (its transpose_output lines),
    and shows what the reference's W_o made where the learner's raised."""
    from d2lkit import catalogue
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options
    from d2lkit.output.messages import failure_lines

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions" / "ch10", ws / "ch10")
    module = ws / "ch10" / "multihead.py"
    right = "return self.W_o(transpose_output(output, self.num_heads))"
    assert right in module.read_text()
    module.write_text(module.read_text().replace(right, "return self.W_o(output)"))
    ex = catalogue.load().by_id["ch10.MultiHeadAttention"]
    with Engine(Options(seed=4)) as engine:
        [r] = engine.grade([ex], ws)
    [traced] = [c for c in r.checks if c.trace]
    last = traced.trace["rows"][-1]
    assert last["code"] == "return self.W_o(output)"
    assert last["got"].startswith("raised with inputs") and "mat1 and mat2" in last["error"]
    # the reference's W_o got the heads merged back: its width is not one head's
    first_input = last["got"].removeprefix("raised with inputs ").split("), (")[0]
    head_width = first_input.strip("()").split(", ")[-1]
    assert len(last["expected"].split(", ")) == 3
    assert last["expected"].strip("()").split(", ")[-1] != head_width
    text = "\n".join(l.text for l in failure_lines(r, ex, "en"))
    assert "return self.W_o(output)" in text and "the first difference" in text
