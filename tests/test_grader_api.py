"""The helpers graders share (d2lkit.grading.api): each does what its docstring says, and fails
where it should, so that no grader needs a private copy."""

import textwrap
import types

import pytest
import torch
from torch import nn

from d2lkit.grading import api
from d2lkit.grading.api import (CheckFailed, as_list, as_number, chain_tolerance, child_types,
                                expect_tensor, expect_tensors, is_close, pair, probe_calls,
                                randomized, shape_of)


# ----------------------------------------------------------------------------- is_close
def test_is_close_accepts_values_within_tolerance():
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    assert is_close(x + 1e-10, x)
    assert is_close(x * (1 + 1e-5), x, rtol=1e-4, atol=0.0)
    assert not is_close(x * (1 + 1e-3), x, rtol=1e-4, atol=0.0)


def test_is_close_defaults_to_expect_closes_tolerance_for_the_dtype():
    x32, x64 = torch.tensor([1.0]), torch.tensor([1.0], dtype=torch.float64)
    assert is_close(x32 + 1e-5, x32)  # float32: rtol 1e-4
    assert not is_close(x64 + 1e-5, x64)  # float64: rtol 1e-7


def test_is_close_is_false_for_a_shape_mismatch():
    assert not is_close(torch.zeros(3, 1), torch.zeros(3))
    assert not is_close(torch.zeros(3), torch.zeros(1))  # no broadcasting


def test_is_close_is_false_for_a_dtype_mismatch():
    assert not is_close(torch.ones(3), torch.ones(3, dtype=torch.float64))
    assert not is_close(torch.ones(3, dtype=torch.int64), torch.ones(3))


def test_is_close_is_false_for_a_nan_where_a_number_is_expected():
    assert not is_close(torch.tensor([1.0, float("nan")]), torch.tensor([1.0, 2.0]))
    assert not is_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, float("nan")]))
    assert is_close(torch.tensor([1.0, float("nan")]), torch.tensor([1.0, float("nan")]))


def test_is_close_is_false_for_what_is_not_a_tensor():
    expected = torch.tensor([1.0, 2.0])
    for got in (None, [1.0, 2.0], 1.0, (expected,)):
        assert not is_close(got, expected)


def test_is_close_compares_complex_values():
    z = torch.tensor([1 + 2j, 3 - 1j])
    assert is_close(z.clone(), z)
    assert not is_close(z.conj(), z)


# ----------------------------------------------------------------------------- expect_*
def test_expect_tensor_returns_the_tensor_and_fails_anything_else():
    x = torch.zeros(2)
    assert expect_tensor(x, "f(x)") is x
    with pytest.raises(CheckFailed) as e:
        expect_tensor([0.0, 0.0], "f(x)")
    assert e.value.detail.params["what"] == "f(x)"
    assert e.value.detail.params["expected"] == "a tensor"


def test_expect_tensors_returns_a_tuple_of_the_right_count():
    a, b = torch.zeros(1), torch.ones(1)
    assert expect_tensors([a, b], 2, "f(x)") == (a, b)
    for wrong, found in (((a,), "tuple of 1"), ((a, 1.0), "tuple of 2"), (a, "Tensor"),
                         (None, "NoneType")):
        with pytest.raises(CheckFailed) as e:
            expect_tensors(wrong, 2, "f(x)")
        assert e.value.detail.params["expected"] == "(Tensor, Tensor)"
        assert e.value.detail.params["got"] == found


# ----------------------------------------------------------------------------- small readers
def test_shape_of():
    assert shape_of(torch.zeros(2, 3)) == (2, 3)
    assert shape_of(torch.tensor(1.0)) == ()
    assert shape_of([[1, 2]]) is None


def test_as_number_takes_one_element_tensors_and_real_numbers_only():
    assert as_number(torch.tensor(2.5)) == 2.5
    assert as_number(torch.tensor([3])) == 3.0
    assert as_number(4) == 4.0 and isinstance(as_number(4), float)
    assert as_number(torch.tensor([1.0, 2.0])) is None
    assert as_number(True) is None  # a bool is an answer of the wrong kind
    assert as_number("1.0") is None and as_number(None) is None


def test_as_list():
    assert as_list(torch.tensor([[1, 2]])) == [[1, 2]]
    assert as_list((1, 2)) == (1, 2)


def test_pair():
    assert pair(3) == (3, 3)
    assert pair((1, 2)) == (1, 2) and pair([1, 2]) == (1, 2)


def test_chain_tolerance():
    assert chain_tolerance(torch.float64) == {"rtol": 1e-6}
    assert chain_tolerance(torch.float32) == {}


def test_child_types():
    res = {"children": [("0", "Conv2d"), ["1", "ReLU"]]}  # lists, as they may come off the wire
    assert child_types(res) == ["Conv2d", "ReLU"]


# ----------------------------------------------------------------------------- randomized
def _block():
    return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU())


def test_randomized_is_drawn_from_the_generator():
    def drawn(seed, **kw):
        return randomized(_block(), torch.Generator().manual_seed(seed), torch.float64, "cpu", **kw)

    a, b, c = drawn(1), drawn(1), drawn(2)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k]), k
    assert not torch.equal(a.state_dict()["0.weight"], c.state_dict()["0.weight"])
    assert all(v.dtype == torch.float64 for v in a.state_dict().values() if v.is_floating_point())
    # scale sets the spread of weights, biases and affine parameters
    small = drawn(1, scale=0.01).state_dict()["0.weight"]
    assert torch.allclose(small, a.state_dict()["0.weight"] / 40)


def test_randomized_keeps_variances_positive_and_counters_untouched():
    m = randomized(_block(), torch.Generator().manual_seed(0), torch.float32, "cpu")
    bn = m[1]
    assert bool((bn.running_var >= 0.5).all()) and bool((bn.running_var < 1.5).all())
    assert not torch.equal(bn.running_mean, torch.zeros(3))
    assert bn.num_batches_tracked.dtype == torch.int64 and int(bn.num_batches_tracked) == 0


# ----------------------------------------------------------------------------- probe_calls
def test_probe_calls_runs_each_call_in_order():
    mod = types.SimpleNamespace(f=lambda x, k=1: x * k)
    assert probe_calls(mod, "f", [((2,), {}), ((2,), {"k": 5})]) == [2, 10]


def test_probe_calls_is_a_probe_the_child_can_load(tmp_path):
    """student.probe sends the probe's file and name; the child imports that file (api.py)."""
    from d2lkit.catalogue import Exercise
    from d2lkit.grading import engine  # noqa: F401  (loads what children need before the fork)
    from d2lkit.grading.child import ENTRY
    from d2lkit.grading.sandbox import Sandbox
    from d2lkit.grading.student import SandboxStudent

    (tmp_path / "ch02").mkdir()
    (tmp_path / "ch02" / "mod.py").write_text(textwrap.dedent("""
        def f(x, k=1):
            return x * k
    """))
    ex = Exercise(id="ch2.f", chapter=2, topic="mod", section="2.1", title={"en": "", "zh": ""},
                  points=1, functions=("f",), forbid=(), hints=(), mistakes=())
    with Sandbox(ENTRY) as sandbox:
        student = SandboxStudent(ex, tmp_path, sandbox, timeout=10.0)
        got = student.probe(probe_calls, "f", [((torch.arange(3.0),), {}), ((2,), {"k": 4})])
    assert torch.equal(got[0], torch.arange(3.0)) and got[1] == 8


# ----------------------------------------------------------------------------- grades
@pytest.fixture
def d2lkit_marker(pytestconfig):
    """The runner registers the marker for the graders' session; this session needs it too."""
    pytestconfig.addinivalue_line("markers", "d2lkit(exercise_id, en, zh): a check of an exercise")


def test_grades_marks_a_check_with_its_titles_and_visibility(d2lkit_marker):
    mark = api.grades("ch3.softmax", en="e", zh="z").mark
    assert mark.name == "d2lkit" and mark.args == ("ch3.softmax",)
    assert mark.kwargs == {"en": "e", "zh": "z", "visibility": "visible"}
    assert api.grades("ch3.softmax", en="e", zh="z", visibility="hidden").mark.kwargs[
        "visibility"] == "hidden"


def test_a_mistyped_exercise_id_is_an_error_naming_the_nearest_ids():
    with pytest.raises(api.UnknownExercise) as e:
        api.grades("ch3.sofmax", en="e", zh="z")
    assert "'ch3.sofmax'" in str(e.value) and "ch3.softmax" in str(e.value)


def test_an_unknown_visibility_is_an_error():
    with pytest.raises(ValueError, match="visibility"):
        api.grades("ch3.softmax", en="e", zh="z", visibility="secret")


def test_grades_in_a_child_does_not_read_the_catalogue(monkeypatch, d2lkit_marker):
    """A child loads grader files only for their probes; the supervisor has checked them."""
    monkeypatch.setattr(api, "IN_CHILD", True)
    monkeypatch.setattr(api, "_require_known", lambda _id: pytest.fail("catalogue read in a child"))
    api.grades("ch3.whatever", en="e", zh="z")


def test_got_and_expected_are_described_alike_with_nan_and_inf_visible():
    from d2lkit.grading.api import describe_tensor

    assert describe_tensor(torch.tensor([1.0, float("nan")])) == "[1.0, nan] (2,) float32"
    big = torch.zeros(5, 5, dtype=torch.float64)
    big[0, 0], big[1, 1] = float("nan"), float("inf")
    assert describe_tensor(big) == "Tensor(5, 5) float64, values in [0, 0], 1 NaN, 1 inf"
    assert describe_tensor(torch.tensor([[1, 2]])) == "[[1, 2]] (1, 2) int64"
    with pytest.raises(CheckFailed) as e:
        api.expect(False, "f(x)", expected=torch.tensor([1.0, 2.0]),
                   got=torch.tensor([1.0, float("inf")]))
    assert e.value.detail.params["got"] == "[1.0, inf] (2,) float32"
    assert e.value.detail.params["expected"] == "[1.0, 2.0] (2,) float32"


def test_buffers_and_parameters_are_module_attributes_like_any_other():
    """The book's PositionalEncoding keeps P as a plain attribute; a learner may register it as a
    buffer (or a parameter): the grader sees it all the same."""
    from d2lkit.grading import probes

    class WithBuffer(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("P", torch.ones(1, 3))
            self.w = nn.Parameter(torch.zeros(2))
            self.plain = torch.full((2,), 7.0)

        def forward(self, X):
            return X + self.P

    learner = types.SimpleNamespace(WithBuffer=WithBuffer)
    res = probes.probe_module(learner, "WithBuffer", (), {}, None, [torch.zeros(1, 3)], False,
                              False, None, True, "cpu")
    assert set(res["attrs"]) >= {"P", "w", "plain"}
    assert torch.equal(res["attrs"]["P"], torch.ones(1, 3))


# ----------------------------------------------------------------------------- d2lkit.grader.check
def _abs_power_sum(x, p):
    return (x.abs() ** p).sum()


def my_norm(x, p=2.0):
    if p == float("inf"):
        return x.abs().max()
    return _abs_power_sum(x, p) ** (1 / p)


def test_check_grades_a_function_of_any_name_in_the_sandbox_and_prints_once(capsys):
    """`my_norm` is graded as ch2.vector_norm, from its source (and its helper's), in the
    sandbox; one line is printed and the return value's repr is one line."""
    from d2lkit.grader import check

    result = check("ch2.vector_norm", my_norm, lang="en")
    assert capsys.readouterr().out == "ch2.vector_norm: passed (2/2)\n"
    assert result.passed and result.points == 2 and result.confined
    assert repr(result) == "<d2lkit ch2.vector_norm: passed, 2/2 points (sandbox)>"


def test_check_raises_a_failure_once_and_prints_nothing(capsys):
    from d2lkit.grader import ExerciseFailed, check

    def vector_norm(x, p=2.0):  # forgets the p-th root
        return _abs_power_sum(x, p)

    with pytest.raises(ExerciseFailed) as failed:
        check("ch2.vector_norm", vector_norm, lang="en")
    assert capsys.readouterr().out == ""
    text = str(failed.value)
    assert text.startswith("ch2.vector_norm: failed (0/2)")
    assert text.count("What is wrong") == 1 and "not confined" not in text
    assert isinstance(failed.value, AssertionError)  # what nbgrader's test cells rely on
    assert failed.value._render_traceback_() == text.splitlines()  # IPython: no traceback


def test_check_ends_an_endless_loop_at_the_sandboxs_timeout():
    import time

    from d2lkit.grader import ExerciseFailed, check

    def vector_norm(x, p=2.0):
        while True:
            pass

    start = time.monotonic()
    with pytest.raises(ExerciseFailed) as failed:
        check("ch2.vector_norm", vector_norm, timeout=1.0, lang="en")
    result = failed.value.result
    assert result.status == "timeout" and "within 1.0 s" in str(failed.value)
    assert result.duration_s < 3  # the call was stopped at its timeout...
    assert time.monotonic() - start < 60  # ...and nothing hung (a cold start included)


def test_check_without_source_grades_in_process_and_says_why(capsys):
    from d2lkit.grader import check

    result = check("ch2.vector_norm", lambda x, p=2.0: my_norm(x, p), lang="en")
    out = capsys.readouterr().out
    assert result.passed and not result.confined
    assert out.count("ch2.vector_norm: passed") == 1
    assert "not confined" in out and "the source of vector_norm could not be read" in out
    assert "in-process" in repr(result)
    result = check("ch2.vector_norm", my_norm, lang="en", sandbox=False)
    assert not result.confined and "sandbox=False" in capsys.readouterr().out
