"""Grader for 5.1 layers and blocks: MySequential, ParallelBlock, repeat_block."""
import pytest
import torch
from torch import nn

from d2lkit.grading.api import (FLOATS, expect, expect_close, expect_equal, grades, mistake_if,
                                probes_for, reference)

ref = reference(__file__)
probes = probes_for(__file__)

BOOK_KEYS = ["0.weight", "0.bias", "2.weight", "2.bias"]


def _linear_sd(gen, n_in, n_out, dtype, prefix=""):
    return {prefix + "weight": torch.randn(n_out, n_in, generator=gen, dtype=dtype) / n_in ** 0.5,
            prefix + "bias": torch.randn(n_out, generator=gen, dtype=dtype)}


# -------------------------------------------------------------------------------- MySequential
BOOK_SPEC = [(20, 256), "relu", (256, 10)]
DEEP_SPEC = [(7, 5), "relu", (5, 3), "tanh", (3, 4)]


@grades("ch5.MySequential", en="the book's net registers its children as '0', '1', '2'",
        zh="书中的网络把子模块注册为 '0'、'1'、'2'")
def test_sequential_registers_children(student):
    got = student.probe(probes.probe_sequential_structure, BOOK_SPEC)
    mistake_if(got["keys"] == [] or got["n_params"] == 0, "python-list", what="state_dict keys", got=got["keys"],
               expected=BOOK_KEYS)
    mistake_if(got["keys"] != BOOK_KEYS and all(any(k.endswith("." + e) for e in BOOK_KEYS)
                                                for k in got["keys"]),
               "keys-prefixed", what="state_dict keys", got=got["keys"], expected=BOOK_KEYS)
    expect_equal(got["keys"], BOOK_KEYS, what="state_dict keys")
    expect_equal(got["n_params"], 4, what="len(list(net.parameters()))")
    expect_equal(got["n_scalars"], 20 * 256 + 256 + 256 * 10 + 10, what="parameter count")


@grades("ch5.MySequential", en="the book's example matches nn.Sequential",
        zh="书中的例子与 nn.Sequential 一致")
def test_sequential_book_example(student, gen, device):
    sd = {**_linear_sd(gen, 20, 256, torch.float32, "0."), **_linear_sd(gen, 256, 10, torch.float32, "2.")}
    X = torch.rand(2, 20, generator=gen)
    expected_net = nn.Sequential(*probes.build_layers(BOOK_SPEC))
    expected_net.load_state_dict(sd)
    with torch.no_grad():
        expected = expected_net(X)
    got = student.probe(probes.probe_sequential_forward, BOOK_SPEC, sd, X.to(device))
    expect_close(got, expected.to(device), what="net(X)")


@grades("ch5.MySequential", en="five layers in order, same output as nn.Sequential",
        zh="五层按顺序运行，输出与 nn.Sequential 相同")
@pytest.mark.parametrize("dtype", FLOATS)
def test_sequential_deep(student, gen, dtype, device):
    sd = {**_linear_sd(gen, 7, 5, dtype, "0."), **_linear_sd(gen, 5, 3, dtype, "2."),
          **_linear_sd(gen, 3, 4, dtype, "4.")}
    X = torch.randn(6, 7, generator=gen, dtype=dtype)
    expected_net = nn.Sequential(*probes.build_layers(DEEP_SPEC)).to(dtype)
    expected_net.load_state_dict(sd)
    with torch.no_grad():
        expected = expected_net(X)
    got = student.probe(probes.probe_sequential_forward, DEEP_SPEC, sd, X.to(device))
    expect_close(got, expected.to(device), rtol=1e-6 if dtype == torch.float64 else None,
                 what="net(X)")


@grades("ch5.MySequential", en="an empty MySequential returns its input",
        zh="空的 MySequential 原样返回输入")
def test_sequential_empty(student, gen, device):
    X = torch.randn(3, 4, generator=gen, dtype=torch.float64).to(device)
    got = student.probe(probes.probe_sequential_forward, [], {}, X)
    expect_close(got, X, what="MySequential()(X)")


# ------------------------------------------------------------------------------- ParallelBlock
@grades("ch5.ParallelBlock", en="children net1 and net2, parameter count is the sum",
        zh="子模块为 net1 和 net2，参数个数是两者之和")
def test_parallel_structure(student, gen, device):
    sd1, sd2 = _linear_sd(gen, 6, 3, torch.float64), _linear_sd(gen, 6, 5, torch.float64)
    X = torch.randn(4, 6, generator=gen, dtype=torch.float64).to(device)
    got = student.probe(probes.probe_parallel, 6, (3, 5), sd1, sd2, X, None)
    expect_equal(sorted(got["keys"]), sorted(["net1.weight", "net1.bias", "net2.weight", "net2.bias"]),
                 what="state_dict keys")
    expect_equal(got["n_scalars"], 6 * 3 + 3 + 6 * 5 + 5, what="parameter count")


@grades("ch5.ParallelBlock", en="default dim=-1 concatenates the features",
        zh="默认 dim=-1 时沿特征维连结")
@pytest.mark.parametrize("dtype", FLOATS)
def test_parallel_default_dim(student, gen, dtype, device):
    sd1, sd2 = _linear_sd(gen, 6, 3, dtype), _linear_sd(gen, 6, 5, dtype)
    X = torch.randn(4, 6, generator=gen, dtype=dtype)
    n1, n2 = nn.Linear(6, 3).to(dtype), nn.Linear(6, 5).to(dtype)
    n1.load_state_dict(sd1)
    n2.load_state_dict(sd2)
    with torch.no_grad():
        expected = torch.cat((n1(X), n2(X)), dim=-1)
    got = student.probe(probes.probe_parallel, 6, (3, 5), sd1, sd2, X.to(device), None)
    expect_close(got["output"], expected.to(device), what="ParallelBlock(net1, net2)(X)")


@grades("ch5.ParallelBlock", en="concatenates along the given dim",
        zh="沿给定的 dim 连结")
@pytest.mark.parametrize("dim", [0, 1])
def test_parallel_dim(student, gen, dim, device):
    dtype = torch.float64
    sd1, sd2 = _linear_sd(gen, 6, 3, dtype), _linear_sd(gen, 6, 3, dtype)
    X = torch.randn(2, 4, 6, generator=gen, dtype=dtype)
    n1, n2 = nn.Linear(6, 3).to(dtype), nn.Linear(6, 3).to(dtype)
    n1.load_state_dict(sd1)
    n2.load_state_dict(sd2)
    with torch.no_grad():
        expected = torch.cat((n1(X), n2(X)), dim=dim)
    got = student.probe(probes.probe_parallel, 6, (3, 3), sd1, sd2, X.to(device), dim)
    expect_close(got["output"], expected.to(device), what=f"ParallelBlock(net1, net2, dim={dim})(X)")


# -------------------------------------------------------------------------------- repeat_block
def _check_repeat(got, n, dtype, device):
    expect(got["is_sequential"], what="type(repeat_block(...))", expected="nn.Sequential",
           got=got["type"])
    expect_equal(got["len"], n, what="len(net)")
    mistake_if(n > 1 and (got["distinct"] < n or got["distinct_ptrs"] < 2 * n), "shared-instance",
               what="distinct blocks in repeat_block(factory, n)", got=got["distinct"], expected=n)
    expect_equal(got["calls"], n, what="block_factory() calls")
    expect_equal(got["n_scalars"], n * 20, what="parameter count")


@grades("ch5.repeat_block", en="n independent blocks (distinct parameters)",
        zh="n 个相互独立的块（参数各不相同）")
def test_repeat_independent(student, gen, device):
    X = torch.randn(5, 4, generator=gen, dtype=torch.float32).to(device)
    got = student.probe(probes.probe_repeat, 3, X)
    _check_repeat(got, 3, torch.float32, device)


@grades("ch5.repeat_block", en="the blocks run one after another",
        zh="各个块依次运行")
@pytest.mark.parametrize("dtype", FLOATS)
def test_repeat_forward(student, gen, dtype, device):
    n = 4
    X = torch.randn(5, 4, generator=gen, dtype=dtype)
    got = student.probe(probes.probe_repeat, n, X.to(device))
    _check_repeat(got, n, dtype, device)
    expected = X
    for W, b in got["weights"]:
        expected = expected @ W.cpu().T + b.cpu()
    expect_close(got["output"], expected.to(device), rtol=1e-6 if dtype == torch.float64 else None,
                 what="repeat_block(factory, 4)(X)")


@grades("ch5.repeat_block", en="n = 1 and n = 0", zh="n = 1 与 n = 0")
@pytest.mark.parametrize("n", [1, 0])
def test_repeat_small(student, gen, n, device):
    X = torch.randn(2, 4, generator=gen, dtype=torch.float64).to(device)
    got = student.probe(probes.probe_repeat, n, X)
    _check_repeat(got, n, torch.float64, device)
