"""The in-process transport (`d2lkit.grader.check`) runs the same graders as `d2lkit check`."""

import pytest
import torch
import torch.nn.functional as F

from d2lkit.grader import ExerciseFailed, check, grade


def softmax(X):
    X = X - X.max(dim=1, keepdim=True).values
    e = X.exp()
    return e / e.sum(dim=1, keepdim=True)


def test_a_correct_function_passes_and_prints_one_line(capsys):
    result = check("ch3.softmax", softmax)
    assert result.passed and result.points == result.max_points
    assert capsys.readouterr().out.strip().startswith("ch3.softmax: passed")


def test_a_catalogued_mistake_is_named_and_check_raises(capsys):
    def softmax(X):  # the book's unstable version
        e = X.exp()
        return e / e.sum(dim=1, keepdim=True)

    assert grade("ch3.softmax", softmax).mistake == "no-max-subtraction"
    with pytest.raises(ExerciseFailed) as e:
        check("ch3.softmax", softmax, lang="zh")
    assert "no-max-subtraction" in str(e.value) and "提示" in str(e.value)


def test_forbidden_names_are_refused_in_process():
    def softmax(X):
        return F.softmax(X, dim=1)

    result = grade("ch3.softmax", softmax)
    assert result.status == "forbidden"


def test_a_stub_is_not_implemented_and_a_missing_name_is_an_error():
    def softmax(X):
        raise NotImplementedError

    assert grade("ch3.softmax", softmax).status == "not_implemented"
    assert grade("ch3.softmax").status == "error"


def test_named_objects_and_classes():
    from d2lkit.paths import content_dir
    from d2lkit.grading.api import load_solution_module

    ref = load_solution_module(content_dir("solutions") / "ch05" / "blocks.py")
    assert grade("ch5.MySequential", MySequential=ref.MySequential).passed
    assert torch.is_grad_enabled()
