"""Grader for 4.4 poly_features."""
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lkit.grading.api import FLOATS, expect, expect_close, grades, mistake_if


def _numpy_reference(x: torch.Tensor, max_degree: int) -> torch.Tensor:
    """The book's recipe: np.power, then divide column i by math.gamma(i + 1)."""
    xs = x.detach().cpu().double().numpy().reshape(-1, 1)
    feats = np.power(xs, np.arange(max_degree).reshape(1, -1))
    for i in range(max_degree):
        feats[:, i] /= math.gamma(i + 1)
    return torch.from_numpy(feats).to(dtype=x.dtype, device=x.device)


def _check(got, x, max_degree):
    expected = _numpy_reference(x, max_degree)
    expect(isinstance(got, torch.Tensor), what="poly_features(x, max_degree)", expected="Tensor",
           got=type(got).__name__)
    expect(tuple(got.shape) == tuple(expected.shape), what="shape", expected=tuple(expected.shape),
           got=tuple(got.shape))
    if got.is_floating_point() and max_degree >= 2:
        col0 = got[:, 0].double().cpu()
        xs = x.reshape(-1).double().cpu()
        mistake_if(not torch.allclose(col0, torch.ones_like(col0))
                   and torch.allclose(col0, xs, rtol=1e-4, atol=1e-6),
                   "starts-at-x1", what="column 0", got="column 0 = x", expected="column 0 = 1")
        raw = xs.reshape(-1, 1) ** torch.arange(max_degree, dtype=torch.float64)
        mistake_if(not torch.allclose(got.double().cpu(), expected.double().cpu(), rtol=1e-4)
                   and torch.allclose(got.double().cpu(), raw, rtol=1e-4, atol=1e-6),
                   "no-factorial", what="poly_features(x, max_degree)", got="x**i",
                   expected="x**i / i!")
    expect_close(got, expected, what="poly_features(x, max_degree)")


@grades("ch4.poly_features", en="the book's setting: max_degree = 20, x around ±3",
        zh="书中的设置：max_degree = 20，x 在 ±3 附近")
def test_book_setting(student, device):
    x = torch.tensor([-3.1, -2.0, -0.5, 0.0, 0.7, 1.5, 2.9], dtype=torch.float64).to(device)
    _check(student.call("poly_features", x, 20), x, 20)


@grades("ch4.poly_features", en="x of shape (n, 1) as in the book", zh="与书中一样，x 的形状为 (n, 1)")
@pytest.mark.parametrize("dtype", FLOATS)
def test_column_input(student, gen, dtype, device):
    x = torch.randn(9, 1, generator=gen, dtype=dtype).to(device)
    _check(student.call("poly_features", x, 6), x, 6)


@grades("ch4.poly_features", en="matches the numpy reference", zh="与 numpy 参考实现一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_matches_numpy(student, gen, dtype, device):
    x = (torch.randn(13, generator=gen, dtype=dtype) * 2).to(device)
    _check(student.call("poly_features", x, 20), x, 20)


@grades("ch4.poly_features", en="property: any n and max_degree", zh="性质测试：任意 n 和 max_degree")
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=8),
       max_degree=st.integers(1, 12))
def test_property(student, device, values, max_degree):
    x = torch.tensor(values, dtype=torch.float64).to(device)
    _check(student.call("poly_features", x, max_degree), x, max_degree)
