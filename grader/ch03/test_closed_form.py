"""Grader for 3.1.1.3 解析解: linreg_closed_form."""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, LearnerError, expect, expect_close, expect_equal, grades,
                                is_close, mistake_if)

NEAR = {"rtol": 1e-6, "atol": 1e-9}  # how close a wrong answer must come to a mistake's to name it


def lstsq_with_bias(X, y):
    """The expected answer: least squares on [X, 1] (computed by PyTorch, in the supervisor)."""
    A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype, device=X.device)], dim=1)
    theta = torch.linalg.lstsq(A.cpu(), y.reshape(-1, 1).cpu()).solution.to(X.device)
    return theta[:-1], theta[-1]


def linear_data(gen, n, d, dtype, device, offset=0.0, bias=4.2, noise=0.01):
    X = torch.randn(n, d, generator=gen, dtype=dtype) + offset
    w = torch.randn(d, 1, generator=gen, dtype=dtype)
    y = X @ w + bias + noise * torch.randn(n, 1, generator=gen, dtype=dtype)
    return X.to(device), y.to(device)


def call_closed_form(student, X, y):
    try:
        out = student.call("linreg_closed_form", X, y)
    except LearnerError as err:
        # XXᵀ instead of XᵀX: an n×n matrix whose shape fits nothing else, or that is singular.
        # Singular alone proves nothing (two columns of ones are singular too): an n×n Gram is
        # singular only while n > d + 1, so it is proven when d + 1 examples raise no such error.
        n, d = X.shape
        shown = {"what": "linreg_closed_form(X, y)", "got": f"{err.type}: {err.message}"[:200]}
        mistake_if(f"{n}x{n}" in err.message, "gram-wrong-side", **shown)
        if "singular" in err.message:
            try:
                student.call("linreg_closed_form", X[:d + 1], y[:d + 1])
                singular_when_square = False
            except LearnerError as again:
                singular_when_square = "singular" in again.message
            mistake_if(not singular_when_square, "gram-wrong-side", **shown)
        raise
    expect(isinstance(out, (tuple, list)) and len(out) == 2
           and all(isinstance(t, torch.Tensor) for t in out), what="linreg_closed_form(X, y)",
           expected="a pair of tensors (w, b)", got=out)
    return out


@grades("ch3.linreg_closed_form", en="returns w of shape (d, 1) and b of shape (1,)",
        zh="返回形状为 (d, 1) 的 w 和形状为 (1,) 的 b")
def test_closed_form_shapes(student, gen, device):
    X, y = linear_data(gen, 30, 3, torch.float64, device)
    w, b = call_closed_form(student, X, y)
    mistake_if(w.shape[0] == len(X), "gram-wrong-side", what="w.shape", got=tuple(w.shape),
               expected=(3, 1))
    expect_equal(tuple(w.shape), (3, 1), what="w.shape")
    expect_equal(tuple(b.shape), (1,), what="b.shape")


@grades("ch3.linreg_closed_form", en="recovers the bias when the data are not centred",
        zh="数据没有中心化时也能求出偏置")
def test_closed_form_bias(student, gen, device):
    X, y = linear_data(gen, 50, 3, torch.float64, device, offset=2.0)
    w, b = call_closed_form(student, X, y)
    w_expected, b_expected = lstsq_with_bias(X, y)
    w_no_bias = torch.linalg.solve(X.T @ X, X.T @ y)      # what fitting without the 1s column gives
    # the weights of a fit without the column of ones (a zero b alone proves nothing)
    mistake_if(is_close(w, w_no_bias, **NEAR), "no-bias-column", what="b", got=b.tolist(),
               expected=b_expected.tolist())
    expect_close(w, w_expected, rtol=1e-6, what="w")
    expect_close(b, b_expected, rtol=1e-6, what="b")


@grades("ch3.linreg_closed_form", en="matches torch.linalg.lstsq on [X, 1]",
        zh="与在 [X, 1] 上调用 torch.linalg.lstsq 的结果一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_closed_form_random(student, gen, dtype, device):
    X, y = linear_data(gen, 40, 5, dtype, device, noise=0.5)
    w, b = call_closed_form(student, X, y)
    w_expected, b_expected = lstsq_with_bias(X, y)
    expect_close(w, w_expected, rtol=1e-6 if dtype == torch.float64 else None, what="w")
    expect_close(b, b_expected, rtol=1e-6 if dtype == torch.float64 else None, what="b")


@grades("ch3.linreg_closed_form", en="accepts y of shape (n,)", zh="也接受形状为 (n,) 的 y")
def test_closed_form_flat_y(student, gen, device):
    X, y = linear_data(gen, 20, 2, torch.float64, device)
    w, b = call_closed_form(student, X, y.reshape(-1))
    w_expected, b_expected = lstsq_with_bias(X, y)
    expect_close(w, w_expected, rtol=1e-6, what="w")
    expect_close(b, b_expected, rtol=1e-6, what="b")
