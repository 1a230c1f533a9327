"""Grader for 4.1 activation functions: relu, sigmoid, tanh (+ stretch prelu)."""
import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import FLOATS, expect, expect_close, grades, mistake_if, probes_for

probes = probes_for(__file__)

EXTREMES = [-1e4, -1000.0, -100.0, -89.0, -20.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 20.0, 89.0, 100.0,
            1000.0, 1e4]


def _random(gen, dtype, device, *shape, scale=5.0):
    return (torch.randn(*shape, generator=gen, dtype=dtype) * scale).to(device)


# ------------------------------------------------------------------------------------- relu
@grades("ch4.relu", en="the book's example: ReLU on -8 … 8", zh="书中的例子：对 -8 … 8 求 ReLU")
def test_relu_book_example(student, device):
    X = torch.arange(-8.0, 8.0, 0.1).to(device)
    got = student.call("relu", X)
    mistake_if(isinstance(got, tuple), "max-dim-reduction", what="relu(X)",
               got="tuple (values, indices)", expected="Tensor")
    expect_close(got, torch.relu(X), what="relu(X)")


@grades("ch4.relu", en="gradient at -2, -0.5, 0, 3 is 0, 0, 0 (or 0.5), 1",
        zh="在 -2、-0.5、0、3 处的梯度为 0、0、0（或 0.5）、1")
def test_relu_gradient_at_zero(student, device):
    X = torch.tensor([-2.0, -0.5, 0.0, 3.0], dtype=torch.float64).to(device)
    (grad,) = student.probe(probes.probe_grad, "relu", X)
    expect(grad is not None, what="X.grad", expected="a gradient", got="None (output detached)")
    what = "relu'(X) at [-2, -0.5, 0, 3]"
    # `X >= 0`: right everywhere but at 0 (a threshold below 0 passes -0.5 through as well)
    mistake_if(grad.tolist() == [0.0, 0.0, 1.0, 1.0], "grad-one-at-zero", what=what,
               got=grad.tolist(), expected=[0.0, 0.0, 0.0, 1.0])
    expect(grad.tolist() in ([0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.5, 1.0]), what=what,
           expected=[0.0, 0.0, 0.0, 1.0], got=grad.tolist())


@grades("ch4.relu", en="matches torch.relu on random tensors", zh="在随机张量上与 torch.relu 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_relu_matches_torch(student, gen, dtype, device):
    X = _random(gen, dtype, device, 4, 6, 5)
    X[0, 0] = 0.0
    expect_close(student.call("relu", X), torch.relu(X), what="relu(X)")


# ------------------------------------------------------------------------------------- sigmoid
@grades("ch4.sigmoid", en="finite and right for |x| up to 1e4", zh="|x| 直到 1e4 都有限且正确")
@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_extremes(student, dtype, device):
    X = torch.tensor(EXTREMES, dtype=dtype).to(device)
    got = student.call("sigmoid", X)
    expect(isinstance(got, torch.Tensor), what="sigmoid(X)", expected="Tensor",
           got=type(got).__name__)
    mistake_if(bool(torch.isnan(got).any()), "exp-overflow-nan", what="sigmoid(X) for large |x|",
               got="nan", expected="finite values")
    expect_close(got, torch.sigmoid(X), what="sigmoid(X)")


@grades("ch4.sigmoid", en="gradient s(1 − s), 0.25 at 0", zh="梯度为 s(1 − s)，在 0 处为 0.25")
def test_sigmoid_gradient(student, device):
    X = torch.linspace(-6.0, 6.0, 13, dtype=torch.float64).to(device)
    (grad,) = student.probe(probes.probe_grad, "sigmoid", X)
    expect(grad is not None, what="X.grad", expected="a gradient", got="None (output detached)")
    s = torch.sigmoid(X)
    expect_close(grad, s * (1 - s), what="sigmoid'(X)")


@grades("ch4.sigmoid", en="matches torch.sigmoid on random tensors", zh="在随机张量上与 torch.sigmoid 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_matches_torch(student, gen, dtype, device):
    X = _random(gen, dtype, device, 5, 7)
    expect_close(student.call("sigmoid", X), torch.sigmoid(X), what="sigmoid(X)")


# ------------------------------------------------------------------------------------- tanh
@grades("ch4.tanh", en="finite and right at ±100 and ±1000", zh="在 ±100 和 ±1000 处有限且正确")
@pytest.mark.parametrize("dtype", FLOATS)
def test_tanh_extremes(student, dtype, device):
    X = torch.tensor(EXTREMES, dtype=dtype).to(device)
    got = student.call("tanh", X)
    expect(isinstance(got, torch.Tensor), what="tanh(X)", expected="Tensor", got=type(got).__name__)
    mistake_if(bool(torch.isnan(got).any()), "exp-overflow-nan", what="tanh(X) at ±100, ±1000",
               got="nan", expected="finite values")
    expect_close(got, torch.tanh(X), what="tanh(X)")


@grades("ch4.tanh", en="gradient 1 − tanh²", zh="梯度为 1 − tanh²")
def test_tanh_gradient(student, device):
    X = torch.linspace(-4.0, 4.0, 17, dtype=torch.float64).to(device)
    (grad,) = student.probe(probes.probe_grad, "tanh", X)
    expect(grad is not None, what="X.grad", expected="a gradient", got="None (output detached)")
    expect_close(grad, 1 - torch.tanh(X) ** 2, what="tanh'(X)")


@grades("ch4.tanh", en="matches torch.tanh on random tensors", zh="在随机张量上与 torch.tanh 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_tanh_matches_torch(student, gen, dtype, device):
    X = _random(gen, dtype, device, 6, 3, 4, scale=3.0)
    expect_close(student.call("tanh", X), torch.tanh(X), what="tanh(X)")


# ------------------------------------------------------------------------------------- prelu
@grades("ch4.prelu", en="one shared slope: matches F.prelu", zh="共享一个斜率：与 F.prelu 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_prelu_scalar_alpha(student, gen, dtype, device):
    X = _random(gen, dtype, device, 5, 4)
    alpha = torch.tensor(0.25, dtype=dtype).to(device)
    expect_close(student.call("prelu", X, alpha), F.prelu(X, alpha.reshape(1)),
                 what="prelu(X, alpha)")


@grades("ch4.prelu", en="a 1-D input with a one-element alpha: matches F.prelu, shape (n,)",
        zh="一维输入配单元素的 alpha：与 F.prelu 一致，形状为 (n,)")
def test_prelu_vector_input(student, gen, device):
    X = _random(gen, torch.float64, device, 6)
    alpha = torch.tensor([0.25], dtype=torch.float64).to(device)
    expect_close(student.call("prelu", X, alpha), F.prelu(X, alpha), what="prelu(X of shape (6,), alpha (1,))")


@grades("ch4.prelu", en="one slope per channel: matches F.prelu", zh="每个通道一个斜率：与 F.prelu 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_prelu_channel_alpha(student, gen, dtype, device):
    X = _random(gen, dtype, device, 2, 3, 4, 5)
    alpha = torch.rand(3, generator=gen, dtype=dtype).to(device)
    expect_close(student.call("prelu", X, alpha), F.prelu(X, alpha), what="prelu(X, alpha)")


@grades("ch4.prelu", en="gradients with respect to X and alpha", zh="对 X 和 alpha 的梯度")
def test_prelu_gradients(student, gen, device):
    X = torch.randn(4, 3, 6, generator=gen, dtype=torch.float64).to(device)
    alpha = torch.rand(3, generator=gen, dtype=torch.float64).to(device)
    gX, ga = student.probe(probes.probe_grad, "prelu", X, alpha)
    Xr, ar = X.clone().requires_grad_(True), alpha.clone().requires_grad_(True)
    F.prelu(Xr, ar).sum().backward()
    expect(gX is not None and ga is not None, what="grads", expected="gradients for X and alpha",
           got="None")
    expect_close(gX, Xr.grad, what="d/dX")
    expect_close(ga, ar.grad, what="d/dalpha")


# ------------------------------------------------------------------------- tanh_via_sigmoid
def _diagnose_tanh_via_sigmoid(got, X, what):
    if not (isinstance(got, torch.Tensor) and got.shape == X.shape and got.is_floating_point()):
        return
    g, x = got.double().cpu(), X.double().cpu()
    if torch.allclose(g, torch.tanh(x), rtol=1e-4, atol=1e-5):
        return
    mistake_if(torch.allclose(g, torch.tanh(x / 2), rtol=1e-4, atol=1e-5), "sigmoid-of-x", what=what,
               got="2·sigmoid(x) − 1", expected="2·sigmoid(2x) − 1")
    mistake_if(torch.allclose(g, torch.tanh(x) + 1, rtol=1e-4, atol=1e-5), "missing-minus-one", what=what,
               got="2·sigmoid(2x)", expected="2·sigmoid(2x) − 1")


@grades("ch4.tanh_via_sigmoid", en="tanh at -2, -1, 0, 1, 2", zh="在 -2、-1、0、1、2 处的 tanh")
def test_tanh_via_sigmoid_fixed(student, device):
    X = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], dtype=torch.float64).to(device)
    got = student.call("tanh_via_sigmoid", X)
    _diagnose_tanh_via_sigmoid(got, X, "tanh_via_sigmoid(X)")
    expect_close(got, torch.tanh(X), what="tanh_via_sigmoid(X)")


@grades("ch4.tanh_via_sigmoid", en="finite and right for |x| up to 1e4", zh="|x| 直到 1e4 都有限且正确")
@pytest.mark.parametrize("dtype", FLOATS)
def test_tanh_via_sigmoid_extremes(student, dtype, device):
    X = torch.tensor(EXTREMES, dtype=dtype).to(device)
    got = student.call("tanh_via_sigmoid", X)
    expect(isinstance(got, torch.Tensor), what="tanh_via_sigmoid(X)", expected="Tensor",
           got=type(got).__name__)
    _diagnose_tanh_via_sigmoid(got, X, "tanh_via_sigmoid(X)")
    expect(not bool(torch.isnan(got).any()), what="tanh_via_sigmoid(X) for large |x|",
           expected="finite values", got="nan")
    expect_close(got, torch.tanh(X), what="tanh_via_sigmoid(X)")


@grades("ch4.tanh_via_sigmoid", en="matches torch.tanh on random tensors", zh="在随机张量上与 torch.tanh 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_tanh_via_sigmoid_random(student, gen, dtype, device):
    X = _random(gen, dtype, device, 4, 3, 5, scale=3.0)
    expect_close(student.call("tanh_via_sigmoid", X), torch.tanh(X), what="tanh_via_sigmoid(X)")
