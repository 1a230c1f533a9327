"""Grader for 5.4 custom layers: CenteredLayer, MyLinear, QuadraticReduction, fourier_first_half."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.grading.api import (FLOATS, expect, expect_close, expect_equal, grades, is_close,
                                mistake_if, mistake_on_error, probes_for, reference)

ref = reference(__file__)
probes = probes_for(__file__)
NEAR = {"rtol": 1e-5, "atol": 1e-6}  # how close a wrong answer must come to a mistake's to name it
FFT_NEAR = {"rtol": 1e-4, "atol": 1e-5}


# ------------------------------------------------------------------------------- CenteredLayer
@grades("ch5.CenteredLayer", en="the book's example [1, 2, 3, 4, 5]", zh="书中的例子 [1, 2, 3, 4, 5]")
def test_centered_book(student, device):
    X = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]).to(device)
    got = student.module("CenteredLayer", inputs=(X,), dtype=torch.float32)
    expect_close(got["output"], torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0]).to(device),
                 what="CenteredLayer()(X)")


@grades("ch5.CenteredLayer", en="subtracts the global mean of a matrix", zh="矩阵减去全局均值")
def test_centered_global_mean(student, gen, device):
    X = torch.randn(4, 6, generator=gen, dtype=torch.float64) + torch.arange(4.0, dtype=torch.float64)[:, None] * 3
    got = student.module("CenteredLayer", inputs=(X.to(device),))["output"]
    mistake_if(is_close(got, X - X.mean(dim=1, keepdim=True), **NEAR)
               or is_close(got, X - X.mean(dim=-1, keepdim=True), **NEAR),
               "per-row-mean", what="CenteredLayer()(X)", expected="X - X.mean()",
               got="X - X.mean(dim=1, keepdim=True)")
    expect(abs(got.mean().item()) < 1e-6, what="CenteredLayer()(X).mean()", expected="< 1e-6",
           got=f"{got.mean().item():.3g}")
    expect_close(got, (X - X.mean()).to(device), what="CenteredLayer()(X)")


@grades("ch5.CenteredLayer", en="matches X - X.mean() on random 3-D input",
        zh="在随机三维输入上与 X - X.mean() 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_centered_random(student, gen, dtype, device):
    X = torch.randn(2, 3, 5, generator=gen, dtype=dtype) + 2.0
    got = student.module("CenteredLayer", inputs=(X.to(device),), dtype=dtype)["output"]
    expect_close(got, (X - X.mean()).to(device), what="CenteredLayer()(X)")


# ------------------------------------------------------------------------------------ MyLinear
def _mylinear_case(gen, dtype, n_in=5, units=3, n=7):
    W = torch.randn(n_in, units, generator=gen, dtype=dtype)
    b = torch.randn(units, generator=gen, dtype=dtype)
    X = torch.randn(n, n_in, generator=gen, dtype=dtype)
    return W, b, X


@grades("ch5.MyLinear", en="weight (in_units, units) and bias (units,) are parameters",
        zh="weight (in_units, units) 和 bias (units,) 是参数")
def test_mylinear_parameters(student):
    got = student.module("MyLinear", 5, 3)
    expect_equal(sorted(got["state_dict_keys"]), ["bias", "weight"], what="state_dict keys")
    expect_equal(tuple(got["state_dict"]["weight"].shape), (5, 3), what="weight.shape")
    expect_equal(tuple(got["state_dict"]["bias"].shape), (3,), what="bias.shape")
    expect_equal(got["num_params"], 18, what="parameter count")


@grades("ch5.MyLinear", en="gradients reach weight and bias", zh="梯度能到达 weight 和 bias")
def test_mylinear_grad(student, gen, device):
    W, b, X = _mylinear_case(gen, torch.float64)
    with mistake_on_error("weight-data-in-forward", match="does not require grad"):
        got = student.module("MyLinear", 5, 3, state_dict={"weight": W, "bias": b},
                             inputs=(X.to(device),), backward=True)
    grads = got.get("grads") or {}
    mistake_if(grads.get("weight") is None, "weight-data-in-forward", what="weight.grad",
               expected="a tensor", got="None")
    Wr, br = W.clone().requires_grad_(), b.clone().requires_grad_()
    F.relu(F.linear(X, Wr.T, br)).sum().backward()
    expect_close(grads["weight"], Wr.grad.to(device), what="weight.grad")
    expect(grads.get("bias") is not None, what="bias.grad", expected="a tensor", got="None")
    expect_close(grads["bias"], br.grad.to(device), what="bias.grad")


@grades("ch5.MyLinear", en="matches relu(F.linear(X, W.T, b))", zh="与 relu(F.linear(X, W.T, b)) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_mylinear_forward(student, gen, dtype, device):
    W, b, X = _mylinear_case(gen, dtype, n_in=6, units=4, n=9)
    got = student.module("MyLinear", 6, 4, state_dict={"weight": W, "bias": b},
                         inputs=(X.to(device),), dtype=dtype)
    expect_close(got["output"], F.relu(F.linear(X, W.T, b)).to(device), what="MyLinear(6, 4)(X)")


# -------------------------------------------------------------------------- QuadraticReduction
def _bilinear(W, X):
    bil = nn.Bilinear(W.shape[0], W.shape[1], W.shape[2], bias=False).to(W.dtype)
    with torch.no_grad():
        bil.weight.copy_(W.permute(2, 0, 1))
    out = bil(X, X)
    out.sum().backward()
    return out.detach(), bil.weight.grad.permute(1, 2, 0)


@grades("ch5.QuadraticReduction", en="weight has shape (in, in, out)", zh="weight 的形状是 (in, in, out)")
def test_quadratic_parameters(student):
    got = student.module("QuadraticReduction", 4, 3)
    expect_equal(list(got["state_dict_keys"]), ["weight"], what="state_dict keys")
    expect_equal(tuple(got["state_dict"]["weight"].shape), (4, 4, 3), what="weight.shape")
    expect_equal(got["num_params"], 48, what="parameter count")


@grades("ch5.QuadraticReduction", en="output shape (n, out_features)", zh="输出形状为 (n, out_features)")
def test_quadratic_shape(student, gen, device):
    W = torch.randn(4, 4, 3, generator=gen, dtype=torch.float64)
    X = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    got = student.module("QuadraticReduction", 4, 3, state_dict={"weight": W}, inputs=(X.to(device),))
    out = got["output"]
    mistake_if(tuple(out.shape) == (6, 4), "wrong-axis-contracted", what="QuadraticReduction(4, 3)(X).shape",
               got=tuple(out.shape), expected=(6, 3))
    expect_equal(tuple(out.shape), (6, 3), what="output shape")


@grades("ch5.QuadraticReduction", en="matches nn.Bilinear(X, X)", zh="与 nn.Bilinear(X, X) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_quadratic_bilinear(student, gen, dtype, device):
    W = torch.randn(5, 5, 2, generator=gen, dtype=dtype)
    X = torch.randn(7, 5, generator=gen, dtype=dtype)
    expected, _ = _bilinear(W, X)
    got = student.module("QuadraticReduction", 5, 2, state_dict={"weight": W}, inputs=(X.to(device),),
                         dtype=dtype)
    expect_close(got["output"], expected.to(device), rtol=1e-6 if dtype == torch.float64 else None,
                 what="QuadraticReduction(5, 2)(X)")


@grades("ch5.QuadraticReduction", en="weight.grad matches nn.Bilinear's", zh="weight.grad 与 nn.Bilinear 的一致")
def test_quadratic_grad(student, gen, device):
    W = torch.randn(3, 3, 4, generator=gen, dtype=torch.float64)
    X = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    _, grad = _bilinear(W, X)
    got = student.module("QuadraticReduction", 3, 4, state_dict={"weight": W}, inputs=(X.to(device),),
                         backward=True)
    g = (got.get("grads") or {}).get("weight")
    expect(g is not None, what="weight.grad", expected="a tensor", got="None")
    expect_close(g, grad.to(device), rtol=1e-6, what="weight.grad")


# -------------------------------------------------------------------------- fourier_first_half
def _check_fourier(got, X, what):
    n = X.shape[-1]
    expected = torch.fft.fft(X.cpu(), dim=-1)[..., : n // 2]
    expect(isinstance(got, torch.Tensor), what=what, expected="a tensor", got=type(got).__name__)
    # rfft's n // 2 + 1 terms: told apart from ceil(n / 2) and from n terms only for an even n ≥ 4
    mistake_if(n % 2 == 0 and n >= 4 and got.shape[-1] == n // 2 + 1 and got.shape[:-1] == X.shape[:-1],
               "rfft-length", what=f"{what}.shape", got=tuple(got.shape), expected=tuple(expected.shape))
    expect_equal(tuple(got.shape), tuple(expected.shape), what=f"{what}.shape")
    expect_equal(got.dtype, expected.dtype, what=f"{what}.dtype")
    if expected.numel() and expected.abs().max() > 1e-3:
        mistake_if(is_close(got, expected.conj(), **FFT_NEAR) and not is_close(got, expected, **FFT_NEAR),
                   "positive-exponent", what=what, expected="sum_t x_t exp(-2 pi i k t / n)",
                   got="its complex conjugate")
        if n > 1:
            mistake_if(is_close(got, expected / n, **FFT_NEAR), "normalised-by-n", what=what,
                       expected="sum_t x_t exp(-2 pi i k t / n)", got="that sum / n")
    expect_close(torch.view_as_real(got), torch.view_as_real(expected).to(X.device),
                 rtol=1e-6 if X.dtype == torch.float64 else None, what=f"{what} (real, imag)")


@grades("ch5.fourier_first_half", en="X = [1, 2, 3, 4] gives [10, -2+2j]", zh="X = [1, 2, 3, 4] 得到 [10, -2+2j]")
def test_fourier_fixed(student, device):
    X = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64).to(device)
    got = student.call("fourier_first_half", X)
    _check_fourier(got, X, "fourier_first_half(X)")
    expect_close(got.cpu(), torch.tensor([10 + 0j, -2 + 2j], dtype=torch.complex128), what="c")


@grades("ch5.fourier_first_half", en="matches torch.fft.fft(X)[..., :n//2]", zh="与 torch.fft.fft(X)[..., :n//2] 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_fourier_random(student, gen, dtype, device):
    X = torch.randn(2, 3, 16, generator=gen, dtype=dtype).to(device)
    _check_fourier(student.call("fourier_first_half", X), X, "fourier_first_half(X)")


@grades("ch5.fourier_first_half", en="odd and tiny lengths n = 7, 2, 1", zh="奇数和很短的长度 n = 7、2、1")
@pytest.mark.parametrize("n", [7, 2, 1])
def test_fourier_lengths(student, gen, n, device):
    X = torch.randn(3, n, generator=gen, dtype=torch.float64).to(device)
    _check_fourier(student.call("fourier_first_half", X), X, "fourier_first_half(X)")


@grades("ch5.fourier_first_half", en="every length n = 1 … 33, with and without batch axes",
        zh="所有长度 n = 1 … 33，有或没有批量维")
def test_fourier_sweep(student, gen, device):
    shapes = [(), (2,), (3, 1)]
    Xs = [torch.randn(*shapes[n % 3], n, generator=gen, dtype=torch.float64).to(device)
          for n in range(1, 34)]
    got = student.probe(probes.probe_fourier_many, Xs)
    for X, g in zip(Xs, got):
        _check_fourier(g, X, f"fourier_first_half(X of shape {tuple(X.shape)})")
