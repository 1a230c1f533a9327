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
        # every column shifted by one power (proven only where x is not all zero)
        shifted = [xs.reshape(-1, 1) ** torch.arange(1, max_degree + 1, dtype=torch.float64)
                   / torch.tensor([float(math.factorial(i + s)) for i in range(max_degree)],
                                  dtype=torch.float64) for s in (0, 1)]
        mistake_if(bool((xs.abs() > 0.1).any()) and any(
            torch.allclose(got.double().cpu(), f, rtol=1e-4, atol=1e-6) for f in shifted),
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


# ---------------------------------------------------------------------------- fit_polynomial
TRUE_W = [5.0, 1.2, -3.4, 5.6]


def _features(x, degree):
    """x**i / i! for i = 0..degree, in float64."""
    xs = x.detach().double().reshape(-1, 1)
    f = torch.tensor([float(math.factorial(i)) for i in range(degree + 1)], dtype=torch.float64,
                     device=xs.device)
    return xs ** torch.arange(degree + 1, dtype=torch.float64, device=xs.device) / f


def _book_data(gen, n, dtype, device, noise=0.1):
    x = torch.randn(n, generator=gen, dtype=torch.float64)
    y = _features(x, 3) @ torch.tensor(TRUE_W, dtype=torch.float64)
    y = y + noise * torch.randn(n, generator=gen, dtype=torch.float64)
    return x.to(dtype).to(device), y.to(dtype).to(device)


def _lstsq(x, y, degree):
    """The supervisor's answer: lstsq in float64, cast back to x's dtype."""
    Phi = _features(x, degree).cpu()
    w = torch.linalg.lstsq(Phi, y.detach().double().cpu().reshape(-1, 1)).solution.reshape(-1)
    return w.to(dtype=x.dtype, device=x.device)


def _diagnose_fit(got, x, y, degree, what):
    expect(isinstance(got, torch.Tensor) and got.dim() == 1, what=what,
           expected=f"1-D Tensor of length {degree + 1}", got=got)
    mistake_if(got.shape[0] == degree, "degree-off-by-one", what=f"len({what})",
               got=got.shape[0], expected=degree + 1)
    if got.shape[0] == degree + 1:
        Phi = _features(x, degree).cpu()
        raw = Phi * torch.tensor([float(math.factorial(i)) for i in range(degree + 1)],
                                 dtype=torch.float64)
        w_raw = torch.linalg.lstsq(raw, y.double().cpu().reshape(-1, 1)).solution.reshape(-1)
        g = got.double().cpu()
        mistake_if(not torch.allclose(g, _lstsq(x, y, degree).double().cpu(), rtol=1e-3, atol=1e-4)
                   and torch.allclose(g, w_raw, rtol=1e-3, atol=1e-4), "no-factorial", what=what,
                   got="weights of x**i", expected="weights of x**i / i!")


@grades("ch4.fit_polynomial", en="noise-free cubic: recovers [5, 1.2, −3.4, 5.6] exactly",
        zh="无噪声的三次多项式：精确恢复 [5, 1.2, −3.4, 5.6]")
def test_fit_exact(student, gen, device):
    x, y = _book_data(gen, 20, torch.float64, device, noise=0.0)
    got = student.call("fit_polynomial", x, y, 3)
    _diagnose_fit(got, x, y, 3, "fit_polynomial(x, y, 3)")
    expect_close(got, torch.tensor(TRUE_W, dtype=torch.float64).to(device), rtol=1e-6,
                 what="fit_polynomial(x, y, 3)")


@grades("ch4.fit_polynomial", en="the book's data (n = 100, noise 0.1): within 0.1 of [5, 1.2, −3.4, 5.6]",
        zh="书中的数据（n = 100，噪声 0.1）：与 [5, 1.2, −3.4, 5.6] 相差不超过 0.1")
def test_fit_book_noise(student, gen, device):
    x, y = _book_data(gen, 100, torch.float64, device)
    got = student.call("fit_polynomial", x, y, 3)
    _diagnose_fit(got, x, y, 3, "fit_polynomial(x, y, 3)")
    err = float((got.double().cpu() - torch.tensor(TRUE_W, dtype=torch.float64)).abs().max())
    expect(err < 0.1, what="max |w − [5, 1.2, −3.4, 5.6]|", expected="< 0.1", got=err)


@grades("ch4.fit_polynomial", en="matches lstsq for degrees 1, 2 and 5", zh="在 1、2、5 次时与 lstsq 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_fit_matches_lstsq(student, gen, dtype, device):
    for degree in (1, 2, 5):
        x, y = _book_data(gen, 30, dtype, device, noise=0.5)
        got = student.call("fit_polynomial", x, y, degree)
        what = f"fit_polynomial(x, y, {degree})"
        _diagnose_fit(got, x, y, degree, what)
        if dtype == torch.float64:
            expect_close(got, _lstsq(x, y, degree), rtol=1e-6, atol=1e-8, what=what)
        else:
            expect_close(got, _lstsq(x, y, degree), rtol=2e-3, atol=2e-3, what=what)
