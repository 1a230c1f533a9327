"""Grader for 2.4 微积分 (Calculus): numerical_grad.

numerical_grad takes a function, which is not data, so the checks go through a probe: the probe
picks one of the test functions of probes_calculus.py by name and runs the learner's code on it
in the child. The exact gradient is computed here, in the supervisor, with torch.autograd.
"""
import pytest
import torch

from d2lkit.grading.api import FLOATS, expect, expect_close, grades, mistake_if, probes_for

probes = probes_for(__file__)


def exact_grad(fname, x):
    x1 = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(probes.FUNCTIONS[fname](x1), x1)
    return g


def forward_difference(fname, x, h=1e-5):
    f, flat, g = probes.FUNCTIONS[fname], x.reshape(-1), torch.zeros(x.numel(), dtype=x.dtype)
    for i in range(flat.numel()):
        e = torch.zeros_like(flat)
        e[i] = h
        g[i] = (f((flat + e).reshape(x.shape)) - f(x)) / h
    return g.reshape(x.shape)


@grades("ch2.numerical_grad",
        en="exercise 2: f(x) = 3x₁² + 5e^(x₂), central difference, x unchanged",
        zh="练习 2：f(x) = 3x₁² + 5e^(x₂)，中心差分，x 保持不变")
def test_exercise2(student):
    x = torch.tensor([1.0, 0.5], dtype=torch.float64)
    res = student.probe(probes.probe_numerical_grad, "exercise2", x)
    mistake_if(not res["x_unchanged"], "x-not-restored", what="x after numerical_grad(f, x)")
    got, exact = res["grad"], exact_grad("exercise2", x)
    if isinstance(got, torch.Tensor) and got.shape == x.shape and got.dtype == x.dtype:
        err = float((got - exact).abs().max())
        # the forward difference is off by h·f''/2 = 3e-5 in x₁
        mistake_if(err > 1e-6 and torch.allclose(got, forward_difference("exercise2", x),
                                                 rtol=0, atol=1e-7),
                   "forward-difference", got=got.tolist(), expected=exact.tolist(),
                   what="numerical_grad(f, [1.0, 0.5])")
        # rounding in float32 leaves the right size but only ~2 correct digits
        mistake_if(1e-4 < err < 0.05 * float(exact.abs().max()), "float32-precision",
                   got=got.tolist(), expected=exact.tolist(), what="numerical_grad(f, [1.0, 0.5])")
    expect_close(got, exact, rtol=0, atol=1e-6, what="numerical_grad(f, x)")


@grades("ch2.numerical_grad", en="exercise 3: f(x) = ‖x‖₂ on a 2×3 tensor",
        zh="练习 3：2×3 张量上的 f(x) = ‖x‖₂")
def test_exercise3(student, gen):
    x = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    res = student.probe(probes.probe_numerical_grad, "l2", x)
    expect(res["x_unchanged"], what="x unchanged after numerical_grad(f, x)")
    expect_close(res["grad"], x / (x * x).sum().sqrt(), rtol=0, atol=1e-6,
                 what="numerical_grad(f, x)")


@grades("ch2.numerical_grad", en="random tensors, as torch.autograd.grad (float32 with h=1e-2)",
        zh="随机张量，与 torch.autograd.grad 一致（float32 时 h=1e-2）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_random(student, gen, dtype):
    x = torch.randn(3, 4, generator=gen, dtype=dtype)
    # float32 cannot resolve h = 1e-5; with h = 1e-2 the error is about 1e-4
    h, tol = (1e-5, 1e-6) if dtype == torch.float64 else (1e-2, 2e-3)
    res = student.probe(probes.probe_numerical_grad, "wavy", x, h)
    expect(res["x_unchanged"], what="x unchanged after numerical_grad(f, x, h)")
    expect_close(res["grad"], exact_grad("wavy", x), rtol=tol, atol=tol,
                 what=f"numerical_grad(f, x, h={h})")
