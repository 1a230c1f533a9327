"""Grader for 4.2 mlp_forward."""
import pytest
import torch
from torch import nn

from d2lkit.grading.api import FLOATS, expect, expect_close, grades, mistake_if, mistake_on_error


def _params(gen, d, h, q, dtype, device):
    W1 = torch.randn(d, h, generator=gen, dtype=dtype) * 0.3
    b1 = torch.randn(h, generator=gen, dtype=dtype) * 0.5
    W2 = torch.randn(h, q, generator=gen, dtype=dtype) * 0.5
    b2 = torch.randn(q, generator=gen, dtype=dtype) * 0.5
    return [p.to(device) for p in (W1, b1, W2, b2)]


def _torch_mlp(X, params):
    """The same MLP as nn.Sequential(Flatten, Linear, ReLU, Linear), carrying the weights."""
    W1, b1, W2, b2 = params
    d, h = W1.shape
    q = W2.shape[1]
    net = nn.Sequential(nn.Flatten(), nn.Linear(d, h), nn.ReLU(), nn.Linear(h, q))
    net = net.to(dtype=W1.dtype, device=W1.device)
    with torch.no_grad():
        net[1].weight.copy_(W1.T)
        net[1].bias.copy_(b1)
        net[3].weight.copy_(W2.T)
        net[3].bias.copy_(b2)
        return net(X)


def _check_logits(got, expected):
    expect(isinstance(got, torch.Tensor), what="mlp_forward(X, params)", expected="Tensor",
           got=type(got).__name__)
    expect(tuple(got.shape) == tuple(expected.shape), what="output shape",
           expected=tuple(expected.shape), got=tuple(got.shape))
    if got.is_floating_point() and not torch.allclose(got, expected, rtol=1e-4, atol=1e-5):
        sums = got.sum(dim=1)
        mistake_if(bool((got >= 0).all()) and torch.allclose(sums, torch.ones_like(sums),
                                                             atol=1e-4),
                   "softmax-output", what="mlp_forward(X, params)", got="rows summing to 1",
                   expected="logits")
        mistake_if(bool((got >= 0).all()) and bool((expected < 0).any()), "relu-on-output",
                   what="mlp_forward(X, params)",
                   got="no negative logits", expected="some negative logits")
    expect_close(got, expected, rtol=1e-6 if got.dtype == torch.float64 else None,
                 what="mlp_forward(X, params)")


@grades("ch4.mlp_forward", en="the book's shapes: 28×28 images, 784 → 256 → 10",
        zh="书中的形状：28×28 图像，784 → 256 → 10")
def test_book_shapes(student, gen, device):
    X = torch.rand(6, 1, 28, 28, generator=gen, dtype=torch.float64).to(device)
    params = _params(gen, 784, 256, 10, torch.float64, device)
    params[0] = params[0] * 0.1
    _check_logits(student.call("mlp_forward", X, params), _torch_mlp(X, params))


@grades("ch4.mlp_forward", en="works for inputs that are not 784-dimensional", zh="输入不是 784 维时也能用")
def test_other_input_size(student, gen, device):
    X = torch.randn(7, 4, 5, generator=gen, dtype=torch.float64).to(device)
    params = _params(gen, 20, 9, 3, torch.float64, device)
    with mistake_on_error("hard-coded-784", match="784"):
        got = student.call("mlp_forward", X, params)
    _check_logits(got, _torch_mlp(X, params))


@grades("ch4.mlp_forward", en="matches nn.Sequential(Flatten, Linear, ReLU, Linear)",
        zh="与 nn.Sequential(Flatten, Linear, ReLU, Linear) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_matches_sequential(student, gen, dtype, device):
    X = torch.randn(11, 2, 3, 2, generator=gen, dtype=dtype).to(device)
    params = _params(gen, 12, 8, 5, dtype, device)
    _check_logits(student.call("mlp_forward", X, params), _torch_mlp(X, params))
