"""Grader for 4.7 manual_backprop: compared with torch.autograd.grad in the supervisor."""
import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import FLOATS, expect, expect_each_close, grades, is_close, mistake_if

NEAR = {"rtol": 1e-4, "atol": 1e-6}  # how close a wrong answer must come to a mistake's to name it


def _case(gen, n, d, h, q, dtype, device):
    X = torch.randn(n, d, generator=gen, dtype=dtype)
    y = torch.randint(0, q, (n,), generator=gen)
    W1 = torch.randn(h, d, generator=gen, dtype=dtype) * 0.8
    W2 = torch.randn(q, h, generator=gen, dtype=dtype) * 0.8
    return X.to(device), y.to(device), W1.to(device), W2.to(device)


def _autograd(X, y, W1, W2, lambd):
    W1 = W1.clone().requires_grad_(True)
    W2 = W2.clone().requires_grad_(True)
    O = torch.relu(X @ W1.T) @ W2.T
    J = F.cross_entropy(O, y) + lambd / 2 * ((W1 ** 2).sum() + (W2 ** 2).sum())
    return torch.autograd.grad(J, [W1, W2])


def _check(got, X, y, W1, W2, lambd):
    e1, e2 = _autograd(X, y, W1, W2, lambd)
    expect(isinstance(got, (tuple, list)) and len(got) == 2
           and all(isinstance(g, torch.Tensor) for g in got),
           what="manual_backprop(...)", expected="(dJ/dW1, dJ/dW2)", got=got)
    g1, g2 = got
    mistake_if(tuple(g1.shape) == tuple(W1.T.shape) != tuple(W1.shape)
               or tuple(g2.shape) == tuple(W2.T.shape) != tuple(W2.shape),
               "transposed-grad", what="gradient shapes", got=(tuple(g1.shape), tuple(g2.shape)),
               expected=(tuple(W1.shape), tuple(W2.shape)))
    if g1.shape == e1.shape and g2.shape == e2.shape and not (
            is_close(g1, e1, **NEAR) and is_close(g2, e2, **NEAR)):
        n = X.shape[0]
        d1, d2 = e1 - lambd * W1, e2 - lambd * W2          # gradients of L alone
        r1, r2 = g1 - lambd * W1, g2 - lambd * W2
        mistake_if(is_close(r1, n * d1, **NEAR) and is_close(r2, n * d2, **NEAR), "missing-mean",
                   what="(dJ/dW1, dJ/dW2)",
                   got="n × dL/dW", expected="dL/dW")
        mistake_if(lambd != 0 and is_close(g1, d1, **NEAR) and is_close(g2, d2, **NEAR),
                   "missing-weight-decay", what="(dJ/dW1, dJ/dW2)",
                   got="dL/dW", expected="dL/dW + λW")
        mistake_if(is_close(r1, -d1, **NEAR) and is_close(r2, -d2, **NEAR), "softmax-sign",
                   what="(dJ/dW1, dJ/dW2)", got="−dL/dW + λW", expected="dL/dW + λW")
    rtol = 1e-6 if X.dtype == torch.float64 else None
    expect_each_close({"dJ/dW1": g1, "dJ/dW2": g2}, {"dJ/dW1": e1, "dJ/dW2": e2},
                      what="manual_backprop's gradients", rtol=rtol)


@grades("ch4.manual_backprop", en="a small network, λ = 0.1, against autograd",
        zh="小网络，λ = 0.1，与自动微分对比")
def test_small_network(student, gen, device):
    X, y, W1, W2 = _case(gen, 7, 5, 6, 4, torch.float64, device)
    _check(student.call("manual_backprop", X, y, W1, W2, 0.1), X, y, W1, W2, 0.1)


@grades("ch4.manual_backprop", en="no penalty (λ = 0)", zh="没有惩罚项（λ = 0）")
def test_no_penalty(student, gen, device):
    X, y, W1, W2 = _case(gen, 9, 3, 8, 5, torch.float64, device)
    _check(student.call("manual_backprop", X, y, W1, W2, 0.0), X, y, W1, W2, 0.0)


@grades("ch4.manual_backprop", en="random sizes in float64 and float32, λ = 0.5",
        zh="float64 和 float32 的随机规模，λ = 0.5")
@pytest.mark.parametrize("dtype", FLOATS)
def test_random(student, gen, dtype, device):
    X, y, W1, W2 = _case(gen, 12, 10, 7, 3, dtype, device)
    _check(student.call("manual_backprop", X, y, W1, W2, 0.5), X, y, W1, W2, 0.5)


@grades("ch4.manual_backprop", en="a hidden unit whose z is exactly 0: relu'(0) = 0, as autograd's",
        zh="某个隐藏单元的 z 恰为 0：relu'(0) = 0，与自动微分一致")
def test_relu_derivative_at_zero(student, gen, device):
    X, y, W1, W2 = _case(gen, 6, 4, 5, 3, torch.float64, device)
    W1[2] = 0.0  # z = 0 for unit 2 on every example
    _check(student.call("manual_backprop", X, y, W1, W2, 0.1), X, y, W1, W2, 0.1)


@grades("ch4.manual_backprop", en="logits in the thousands: the softmax must not overflow "
        "(subtract each row's max)", zh="logits 达到数千：softmax 不能溢出（先减去每行的最大值）")
def test_large_logits(student, gen, device):
    X, y, W1, W2 = _case(gen, 6, 4, 5, 3, torch.float64, device)
    W2 = W2 * 500  # exp(o) overflows float64 beyond o ≈ 709
    _check(student.call("manual_backprop", X, y, W1, W2, 0.1), X, y, W1, W2, 0.1)


# ------------------------------------------------------------------ manual_backprop_with_bias
def _bias_case(gen, n, d, h, q, dtype, device):
    X, y, W1, W2 = _case(gen, n, d, h, q, dtype, "cpu")
    b1 = torch.randn(h, generator=gen, dtype=dtype) * 0.5
    b2 = torch.randn(q, generator=gen, dtype=dtype) * 0.5
    return [t.to(device) for t in (X, y, W1, b1, W2, b2)]


def _autograd_bias(X, y, W1, b1, W2, b2, lambd):
    params = [p.clone().requires_grad_(True) for p in (W1, b1, W2, b2)]
    W1r, b1r, W2r, b2r = params
    O = torch.relu(X @ W1r.T + b1r) @ W2r.T + b2r
    J = F.cross_entropy(O, y) + lambd / 2 * ((W1r ** 2).sum() + (W2r ** 2).sum())
    return torch.autograd.grad(J, params)


NAMES = ("dJ/dW1", "dJ/db1", "dJ/dW2", "dJ/db2")


def _check_bias(got, X, y, W1, b1, W2, b2, lambd):
    expected = _autograd_bias(X, y, W1, b1, W2, b2, lambd)
    expect(isinstance(got, (tuple, list)) and len(got) == 4
           and all(isinstance(g, torch.Tensor) for g in got),
           what="manual_backprop_with_bias(...)", expected="(dJ/dW1, dJ/db1, dJ/dW2, dJ/db2)", got=got)
    g1, gb1, g2, gb2 = got
    e1, eb1, e2, eb2 = expected
    if gb1.shape == eb1.shape and gb2.shape == eb2.shape and not (
            is_close(gb1, eb1, **NEAR) and is_close(gb2, eb2, **NEAR)):
        mistake_if(lambd != 0 and is_close(gb1, eb1 + lambd * b1, **NEAR)
                   and is_close(gb2, eb2 + lambd * b2, **NEAR),
                   "bias-decayed", what="(dJ/db1, dJ/db2)", got="dL/db + λb", expected="dL/db")
        n = X.shape[0]
        mistake_if(is_close(gb1, eb1 / n, **NEAR) and is_close(gb2, eb2 / n, **NEAR), "bias-grad-mean",
                   what="(dJ/db1, dJ/db2)", got="dL/db / n", expected="dL/db")
    rtol = 1e-6 if X.dtype == torch.float64 else None
    expect_each_close(dict(zip(NAMES, got)), dict(zip(NAMES, expected)),
                      what="manual_backprop_with_bias's gradients", rtol=rtol)


@grades("ch4.manual_backprop_with_bias", en="a small network with biases, λ = 0.1, against autograd",
        zh="带偏置的小网络，λ = 0.1，与自动微分对比")
def test_bias_small(student, gen, device):
    args = _bias_case(gen, 7, 5, 6, 4, torch.float64, device)
    _check_bias(student.call("manual_backprop_with_bias", *args, 0.1), *args, 0.1)


@grades("ch4.manual_backprop_with_bias", en="random sizes in float64 and float32, λ = 0.5",
        zh="float64 和 float32 的随机规模，λ = 0.5")
@pytest.mark.parametrize("dtype", FLOATS)
def test_bias_random(student, gen, dtype, device):
    args = _bias_case(gen, 12, 10, 7, 3, dtype, device)
    _check_bias(student.call("manual_backprop_with_bias", *args, 0.5), *args, 0.5)


@grades("ch4.manual_backprop_with_bias", en="a hidden unit whose z is exactly 0: relu'(0) = 0",
        zh="某个隐藏单元的 z 恰为 0：relu'(0) = 0")
def test_bias_relu_derivative_at_zero(student, gen, device):
    X, y, W1, b1, W2, b2 = _bias_case(gen, 6, 4, 5, 3, torch.float64, device)
    W1[2], b1[2] = 0.0, 0.0  # z = 0 for unit 2 on every example
    _check_bias(student.call("manual_backprop_with_bias", X, y, W1, b1, W2, b2, 0.1),
                X, y, W1, b1, W2, b2, 0.1)


@grades("ch4.manual_backprop_with_bias", en="logits in the thousands: the softmax must not overflow",
        zh="logits 达到数千：softmax 不能溢出")
def test_bias_large_logits(student, gen, device):
    X, y, W1, b1, W2, b2 = _bias_case(gen, 6, 4, 5, 3, torch.float64, device)
    W2, b2 = W2 * 500, b2 * 500  # exp(o) overflows float64 beyond o ≈ 709
    _check_bias(student.call("manual_backprop_with_bias", X, y, W1, b1, W2, b2, 0.1),
                X, y, W1, b1, W2, b2, 0.1)
