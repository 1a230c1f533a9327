"""Grader for 5.2 parameter management: count_parameters, my_init_."""
import random

import pytest
import torch

from d2lkit.grading.api import (FLOATS, expect, expect_close, expect_equal, grades, mistake_if,
                                mistake_on_error, probes_for, reference)

ref = reference(__file__)
probes = probes_for(__file__)


# ---------------------------------------------------------------------------- count_parameters
def _expect_int(got, expected, what):
    expect(type(got) is int, what=f"type({what})", expected="int", got=type(got).__name__)
    expect_equal(got, expected, what=what)


@grades("ch5.count_parameters", en="batch normalization's running statistics are not parameters",
        zh="批量规范化的运行统计量不是参数")
def test_count_batchnorm(student):
    got = student.probe(probes.probe_count_batchnorm)
    params = 4 * 8 + 8 + 2 * 8 + 8 * 3 + 3
    mistake_if(got in (params + 8 + 8, params + 8 + 8 + 1), "counts-buffers", what="count_parameters(net with BatchNorm1d)",
               got=got, expected=params)
    _expect_int(got, params, "count_parameters(net)")


@grades("ch5.count_parameters", en="the book's shared-layer net has 121 parameters",
        zh="书中共享层的网络有 121 个参数")
def test_count_book_shared(student):
    got = student.probe(probes.probe_count_book)
    mistake_if(got == 193, "shared-counted-twice", what="count_parameters(book net)", got=got,
               expected=121)
    _expect_int(got, 121, "count_parameters(net)")


@grades("ch5.count_parameters", en="frozen parameters are not trainable",
        zh="冻结的参数不可训练")
def test_count_frozen(student):
    got = student.probe(probes.probe_count_frozen)
    _expect_int(got, 6 * 2 + 2, "count_parameters(net)")


@grades("ch5.count_parameters", en="nested modules, random sizes", zh="嵌套的模块，随机的大小")
def test_count_nested(student, seed):
    rng = random.Random(seed)
    sizes = [rng.randint(2, 9) for _ in range(rng.randint(2, 5))]
    got = student.probe(probes.probe_count_mlp, sizes)
    expected = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) + sizes[-1]
    _expect_int(got, expected, "count_parameters(net)")


# ------------------------------------------------------------------------------------ my_init_
def _run_init(student, seed, device):
    with mistake_on_error("assign-tensor-to-parameter", match="cannot assign"):
        return student.probe(probes.probe_my_init, seed, str(device))


@grades("ch5.my_init_", en="modifies the weights in place and returns net",
        zh="原地修改权重并返回 net")
def test_init_in_place(student, seed, device):
    got = _run_init(student, seed, device)
    mistake_if(not got["is_param"], "assign-tensor-to-parameter", what="type(net[0].weight)",
               expected="nn.Parameter", got="a plain tensor")
    expect(got["returns_net"], what="my_init_(net) is net", expected=True, got=False)


@grades("ch5.my_init_", en="non-zero weights lie in [5, 10] in absolute value",
        zh="非零权重的绝对值在 [5, 10] 之内")
def test_init_range(student, seed, device):
    got = _run_init(student, seed, device)
    for key in ("w1", "w2"):
        w = got[key].cpu()
        nz = w[w != 0].abs()
        expect(nz.numel() > 0, what=f"{key} != 0", expected="some non-zero weights", got="all zero")
        mistake_if(bool((nz < 5).float().mean() > 0.9), "inverted-mask", what=f"non-zero |{key}|",
                   got=f"max |w| = {nz.max().item():.3g}", expected="|w| >= 5")
        expect(bool(((nz >= 5) & (nz <= 10)).all()), what=f"|{key}| of non-zero weights",
               expected="in [5, 10]", got=f"[{nz.min().item():.3g}, {nz.max().item():.3g}]")


@grades("ch5.my_init_", en="U(-10, 10): the weights come within 0.1 of both -10 and 10",
        zh="U(-10, 10)：权重在 0.1 以内接近 -10 和 10 两端")
def test_init_both_ends(student, seed, device):
    got = _run_init(student, seed, device)
    for key in ("w1", "w2"):  # 10000 and 6000 draws: a correct U(-10, 10) misses with p < 1e-12
        lo, hi = float(got[key].min()), float(got[key].max())
        expect(lo < -9.9 and hi > 9.9, what=f"min and max of {key}", expected="about -10 and 10",
               got=[round(lo, 3), round(hi, 3)])


@grades("ch5.my_init_", en="about half of the weights are zero",
        zh="大约一半的权重为零")
def test_init_zero_fraction(student, seed, device):
    got = _run_init(student, seed, device)
    for key in ("w1", "w2"):
        frac = (got[key] == 0).double().mean().item()
        expect(0.45 <= frac <= 0.55, what=f"fraction of zeros in {key}", expected="0.5 ± 0.05",
               got=f"{frac:.3f}")


@grades("ch5.my_init_", en="biases are untouched", zh="偏置保持不变")
def test_init_biases(student, seed, device):
    got = _run_init(student, seed, device)
    expect_equal(got["b1"], got["b1_before"], what="net[0].bias")
    expect_equal(got["b2"], got["b2_before"], what="net[2][0].bias")


@grades("ch5.my_init_", en="all randomness comes from the generator",
        zh="所有随机性都来自 generator")
def test_init_generator(student, seed, device):
    got = _run_init(student, seed, device)
    expect_equal(got["w1_again"], got["w1"], what="same generator seed, same weights")
    expect(not torch.equal(got["w1_other"], got["w1"]), what="another generator seed",
           expected="different weights", got="the same weights")


# ------------------------------------------------------------------ shared_grad_parts (stretch)
def _grad_parts(W, b, X):
    W1, W2 = W.clone().requires_grad_(), W.clone().requires_grad_()
    H2 = torch.relu(torch.relu(X @ W1.T + b) @ W2.T + b)
    return torch.autograd.grad(H2.sum(), (W1, W2))


def _shared_case(gen, dtype, h=5, n=7):
    W = torch.randn(h, h, generator=gen, dtype=dtype) / h ** 0.5
    b = torch.randn(h, generator=gen, dtype=dtype) * 0.5 + 0.5  # mostly active units
    X = torch.randn(n, h, generator=gen, dtype=dtype)
    return W, b, X


@grades("ch5.shared_grad_parts", en="each use gets its own part of the gradient",
        zh="每一次使用各自得到梯度的一部分")
def test_shared_parts(student, gen, device):
    W, b, X = _shared_case(gen, torch.float64)
    G1, G2 = _grad_parts(W, b, X)
    got = student.call("shared_grad_parts", W.to(device), b.to(device), X.to(device))
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what="shared_grad_parts(W, b, X)",
           expected="a pair (G1, G2)", got=type(got).__name__)
    g1, g2 = got
    total = (G1 + G2).to(device)
    mistake_if(isinstance(g1, torch.Tensor) and isinstance(g2, torch.Tensor) and g1.shape == W.shape
               and torch.allclose(g1, total) and torch.allclose(g2, total), "same-leaf-both-uses",
               what="(G1, G2)", expected="two different parts", got="G1 == G2 == G1 + G2 (the tied gradient)")
    expect_close(g1, G1.to(device), rtol=1e-6, what="G1 (first use)")
    expect_close(g2, G2.to(device), rtol=1e-6, what="G2 (second use)")


@grades("ch5.shared_grad_parts", en="G1 + G2 equals the gradient of the tied weight",
        zh="G1 + G2 等于绑定权重的梯度")
@pytest.mark.parametrize("dtype", FLOATS)
def test_shared_sum_is_tied_grad(student, gen, dtype, device):
    W, b, X = _shared_case(gen, dtype, h=4, n=9)
    Wt = W.clone().requires_grad_()
    torch.relu(torch.relu(X @ Wt.T + b) @ Wt.T + b).sum().backward()
    g1, g2 = student.call("shared_grad_parts", W.to(device), b.to(device), X.to(device))
    expect_close(g1 + g2, Wt.grad.to(device), rtol=1e-6 if dtype == torch.float64 else None,
                 what="G1 + G2")
