"""Grader for 7.4 GoogLeNet: ch7.Inception."""
import contextlib
import itertools

import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import (FLOATS, LearnerError, expect, expect_close, expect_equal, grades,
                                is_close, mistake_if, probes_for, randomized, reference)

ref = reference(__file__)
probes = probes_for(__file__)


@contextlib.contextmanager
def pool_without_padding(student, match, stride, name, args=()):
    """A shape error (`match`) is pool-without-padding when the learner's module (`name(*args)`)
    has a 3×3 max pooling layer of that stride with no padding (a wrong conv can cause it too)."""
    try:
        yield
    except LearnerError as e:
        if match in e.message:
            try:
                pools = student.probe(probes.probe_googlenet_pools, name, args)
            except LearnerError:
                pools = []
            mistake_if(any(cls == "MaxPool2d" and k == [3, 3] and s == [stride, stride] and p == [0, 0]
                           for _, cls, k, s, p in pools),
                       "pool-without-padding", what=f"{name}(...)", got=f"{e.type}: {e.message}"[:200])
        raise
NEAR = {"rtol": 1e-6, "atol": 1e-8}  # how close a wrong answer must come to a mistake's to name it

ARGS = (4, 3, (4, 5), (2, 6), 7)  # distinct channel counts: 3 + 5 + 6 + 7 = 21


def _branches(m, x, relu_reduce=True):
    """The four paths of the reference module m; relu_reduce=False drops the 1×1 reductions' ReLU."""
    r = F.relu if relu_reduce else (lambda t: t)
    with torch.no_grad():
        p1 = F.relu(m.p1_1(x))
        p2 = F.relu(m.p2_2(r(m.p2_1(x))))
        p3 = F.relu(m.p3_2(r(m.p3_1(x))))
        p4 = F.relu(m.p4_2(m.p4_1(x)))
    return [p1, p2, p3, p4]


def _run(student, gen, device, dtype, train=True):
    m = randomized(ref.Inception(*ARGS), gen, dtype, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(2, 4, 7, 6, generator=gen, dtype=dtype).to(device)
    with pool_without_padding(student, "Sizes of tensors must match", 1, "Inception", ARGS):
        res = student.module("Inception", *ARGS, state_dict=sd, inputs=(X,), dtype=dtype,
                             train=train)
    return m, X, res


@grades("ch7.Inception", en="Inception(192, 64, (96, 128), (16, 32), 32): 256 channels, the book's attribute names",
        zh="Inception(192, 64, (96, 128), (16, 32), 32)：输出 256 个通道，属性名与书中一致")
def test_book_channels(student, gen, device):
    X = torch.randn(1, 192, 4, 5, generator=gen, dtype=torch.float64).to(device)
    with pool_without_padding(student, "Sizes of tensors must match", 1, "Inception",
                              (192, 64, (96, 128), (16, 32), 32)):
        res = student.module("Inception", 192, 64, (96, 128), (16, 32), 32, inputs=(X,))
    expect_equal(tuple(res["output"].shape), (1, 256, 4, 5), what="Inception(...)(X).shape")
    expected = list(ref.Inception(192, 64, (96, 128), (16, 32), 32).state_dict().keys())
    expect_equal(list(res["state_dict_keys"]), expected, what="state_dict keys")
    children = dict(tuple(c) for c in res["children"])
    expect_equal(children.get("p4_1"), "MaxPool2d", what="type(self.p4_1)")


@grades("ch7.Inception", en="paths concatenated in the order p1, p2, p3, p4",
        zh="按 p1、p2、p3、p4 的顺序连结各路径")
def test_branch_order(student, gen, device):
    m, X, res = _run(student, gen, device, torch.float64)
    out = res["output"]
    branches = _branches(m, X)
    for perm in itertools.permutations(range(4)):
        if perm != (0, 1, 2, 3):
            mistake_if(is_close(out, torch.cat([branches[i] for i in perm], dim=1), **NEAR),
                       "branch-order-permuted", what="channel blocks of the output", got=f"order p{perm[0]+1}, p{perm[1]+1}, "
                       f"p{perm[2]+1}, p{perm[3]+1}", expected="p1, p2, p3, p4")
    expect_equal(tuple(out.shape), (2, 21, 7, 6), what="Inception(4, 3, (4, 5), (2, 6), 7)(X).shape")


@grades("ch7.Inception", en="a ReLU after every convolution, the 1×1 reductions included",
        zh="每个卷积层（包括 1×1 的降维卷积层）之后都有 ReLU")
def test_relu_after_reduction(student, gen, device):
    m, X, res = _run(student, gen, device, torch.float64)
    out = res["output"]
    expect(bool((out >= 0).all()), what="Inception(...)(X) >= 0", expected="no negative value",
           got=f"min {out.min().item():.4g}")
    no_relu = torch.cat(_branches(m, X, relu_reduce=False), dim=1)
    mistake_if(is_close(out, no_relu, **NEAR), "no-relu-after-reduction", what="Inception(...)(X)",
               got="p2_1 and p3_1 outputs used without ReLU",
               expected="F.relu after every convolution")
    expect_close(out, torch.cat(_branches(m, X), dim=1), rtol=1e-6, what="Inception(...)(X)")


@grades("ch7.Inception", en="matches the reference block with the same weights",
        zh="加载相同的权重后与参考实现一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_values(student, gen, device, dtype):
    m, X, res = _run(student, gen, device, dtype)
    with torch.no_grad():
        expected = m(X)
    expect_close(res["output"], expected, rtol=1e-6 if dtype == torch.float64 else None,
                 what="Inception(4, 3, (4, 5), (2, 6), 7)(X)")


# ------------------------------------------------------------------ ch7.googlenet (stretch)
GOOGLENET_PARAMS = 5977530


@grades("ch7.googlenet", en="the smallest input, 1×1: (2, 1, 1, 1) gives (2, 10)",
        zh="最小的输入 1×1：(2, 1, 1, 1) 得到 (2, 10)")
def test_googlenet_1x1(student, gen, device):
    X = torch.randn(2, 1, 1, 1, generator=gen, dtype=torch.float32).to(device)
    with pool_without_padding(student, "too small", 2, "googlenet"):
        res = student.module("googlenet", inputs=(X,), train=False, dtype=torch.float32)
    out = res["output"]
    expect(isinstance(out, torch.Tensor), what="googlenet()(X)", expected="a tensor",
           got=type(out).__name__)
    expect_equal(tuple(out.shape), (2, 10), what="googlenet()(X).shape  # X: (2, 1, 1, 1)")


@grades("ch7.googlenet", en="5,977,530 parameters", zh="共 5,977,530 个参数")
def test_googlenet_num_params(student):
    info = student.probe(probes.probe_googlenet_meta)
    expect_equal(info["num_params"], GOOGLENET_PARAMS,
                 what="sum(p.numel() for p in googlenet().parameters())")


@grades("ch7.googlenet", en="the stages b1 … b5 and the book's layers, global average pooling",
        zh="模块 b1 … b5 和书中的各层，全局平均汇聚层")
def test_googlenet_structure(student):
    info = student.probe(probes.probe_googlenet_meta)
    expected = probes.probe_googlenet_meta(ref)
    kinds = [k for _, k in info["modules"]]
    mistake_if("AdaptiveMaxPool2d" in kinds and "AdaptiveAvgPool2d" not in kinds,
               "global-max-pool", what="googlenet() global pooling layer",
               got="AdaptiveMaxPool2d", expected="AdaptiveAvgPool2d")
    expect_equal(info["type"], "Sequential", what="type(googlenet())")
    expect_equal([tuple(m) for m in info["modules"]], [tuple(m) for m in expected["modules"]],
                 what="googlenet().named_modules(): [name, class]")
    expect_equal(info["keys"], expected["keys"], what="googlenet().state_dict() keys")
    for k, got, exp in zip(info["keys"], info["shapes"], expected["shapes"]):
        expect_equal(got, exp, what=f"googlenet().state_dict()['{k}'].shape")


@grades("ch7.googlenet", en="every pooling layer has the book's kernel size, stride and padding",
        zh="每个汇聚层的窗口大小、步幅和填充都与书中一致")
def test_googlenet_pools(student):
    # a 96×96 input then gives the book's 24, 12, 6 and 3 after b1 … b4; the parameter count and
    # a 1×1 input cannot see a pooling layer's sizes
    expect_equal(student.probe(probes.probe_googlenet_pools), probes.probe_googlenet_pools(ref),
                 what="googlenet()'s pooling layers: [name, class, kernel_size, stride, padding]")


@grades("ch7.googlenet", en="stages b1, b2, b3 match the reference with the same weights (16×12 input)",
        zh="模块 b1、b2、b3 加载相同的权重后与参考实现一致（16×12 输入）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_googlenet_values(student, gen, device, dtype):
    seed = int(torch.randint(2 ** 31, (1,), generator=gen))
    m = probes.he_fill(ref.googlenet()[:3], seed, dtype, device).eval()
    X = torch.randn(2, 1, 16, 12, generator=gen, dtype=dtype).to(device)
    with torch.no_grad():
        expected = m(X)
    with pool_without_padding(student, "too small", 2, "googlenet"):
        out = student.probe(probes.probe_googlenet_forward, seed, X)
    expect_close(out, expected, rtol=1e-6 if dtype == torch.float64 else 1e-4,
                 atol=None if dtype == torch.float64 else 1e-4,
                 what="googlenet()[:3](X)  # X: (2, 1, 16, 12), the same seeded weights")
