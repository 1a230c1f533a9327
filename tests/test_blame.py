"""Per-tensor blame: an exercise that returns several tensors is judged tensor by tensor."""

from __future__ import annotations

import pytest
import torch

from d2lkit.grading.api import expect_each_close, expect_modes_close
from d2lkit.grading.errors import CheckFailed
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import CheckResult, ExerciseResult
from d2lkit.output.messages import failure_lines


def grads():
    W = torch.arange(6.0, dtype=torch.float64).reshape(2, 3)
    return {"W1.grad": W, "b1.grad": torch.ones(3, dtype=torch.float64),
            "W2.grad": W.T.clone(), "b2.grad": torch.zeros(2, dtype=torch.float64)}


def test_all_right_passes_whatever_the_container():
    expected = grads()
    expect_each_close({k: v.clone() for k, v in expected.items()}, expected, what="grads")
    expect_each_close([v + 1e-12 for v in expected.values()], list(expected.values()),
                      what="grads")


def test_every_tensor_is_judged_not_just_the_first_wrong_one():
    expected = grads()
    got = {k: v.clone() for k, v in expected.items()}
    got["b1.grad"] = got["b1.grad"] * 2
    got["W2.grad"] = got["W2.grad"].T.contiguous()
    got["b2.grad"] = got["b2.grad"] + 1e-12
    del got["W1.grad"]
    with pytest.raises(CheckFailed) as failure:
        expect_each_close(got, expected, what="the gradients")
    detail = failure.value.detail
    assert detail.key == "blame" and (detail.params["bad"], detail.params["total"]) == (3, 4)
    rows = {r["name"]: r for r in detail.params["rows"]}
    assert rows["W1.grad"]["verdict"] == "missing"
    assert rows["b1.grad"]["verdict"] == "differs"
    assert rows["b1.grad"]["max_abs"] == 1.0 and rows["b1.grad"]["index"] == [0]
    assert (rows["b1.grad"]["got"], rows["b1.grad"]["expected"]) == (2.0, 1.0)
    assert rows["W2.grad"]["verdict"] == "shape"
    assert rows["b2.grad"]["verdict"] == "close"


def test_the_report_shows_a_line_per_tensor_in_both_languages():
    from d2lkit import catalogue

    expected = grads()
    got = {**expected, "b1.grad": expected["b1.grad"] * 2}
    with pytest.raises(CheckFailed) as failure:
        expect_each_close(got, expected, what="the gradients")
    ex = catalogue.load().by_id["ch4.manual_backprop"]
    check = CheckResult("test_grads", {"en": "grads", "zh": "梯度"}, Status.FAILED,
                        detail=failure.value.detail)
    result = ExerciseResult.of(ex, Status.FAILED, detail=failure.value.detail, checks=[check])
    en = [line.text for line in failure_lines(result, ex, "en")]
    assert any("1 of 4 tensors are wrong" in line for line in en)
    assert any("✓ W1.grad: exact" in line for line in en)
    assert any("✗ b1.grad: max abs diff 1, first bad index (0,): got 2.0, expected 1.0" in line
               for line in en)
    zh = [line.text for line in failure_lines(result, ex, "zh")]
    assert any("4 个张量中有 1 个不对" in line for line in zh)


def test_a_modules_state_after_a_training_step_is_blamed_per_entry():
    state = {"gamma": torch.ones(3, dtype=torch.float64), "beta": torch.zeros(3, dtype=torch.float64),
             "steps": torch.tensor(1)}
    y = torch.ones(2, 3, dtype=torch.float64)
    expected = {"train": y, "state": state, "eval": y}
    got = {"train": y, "state": {**state, "beta": state["beta"] + 0.5}, "eval": y}
    with pytest.raises(CheckFailed) as failure:
        expect_modes_close(got, expected, what="BatchNorm")
    rows = failure.value.detail.params["rows"]
    assert [(r["name"], r["verdict"]) for r in rows] == [("gamma", "exact"), ("beta", "differs")]
