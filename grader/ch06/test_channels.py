"""Grader for 6.4 多输入多输出通道: corr2d_multi_in, corr2d_multi_in_out, corr2d_multi_in_out_1x1."""
import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import (expect, expect_close, FLOATS, grades, is_close, mistake_if,
                                probe_calls, shown)


def conv(X, K):
    """F.conv2d(X, K), computed in float64 and cast back (oneDNN's float32 set-up is slow per shape)."""
    return F.conv2d(X.double(), K.double()).to(X.dtype)


def book_X_K():
    """The book's 6.4.1 example: two input channels of 3×3, two kernels of 2×2."""
    X = torch.stack([torch.arange(9.0).reshape(3, 3), torch.arange(1.0, 10.0).reshape(3, 3)])
    K = torch.stack([torch.arange(4.0).reshape(2, 2), torch.arange(1.0, 5.0).reshape(2, 2)])
    return X, K


# --------------------------------------------------------------------------- corr2d_multi_in
def diagnose_multi_in(got, X, K, what):
    expected = conv(X[None], K[None])[0, 0]
    if is_close(got, expected):
        return
    c_i = X.shape[0]
    if isinstance(got, torch.Tensor):
        mistake_if(tuple(got.shape) == (c_i, *expected.shape), "stacked-not-summed", got=shown(got),
                   expected=shown(expected), what=what)
        if got.shape == expected.shape and got.dtype == expected.dtype:
            mistake_if(torch.allclose(got, expected / c_i) and not torch.allclose(got, expected),
                       "mean-over-channels", got=shown(got), expected=shown(expected), what=what)
    expect_close(got, expected, what=what)


@grades("ch6.corr2d_multi_in", en="the book's example gives [[56, 72], [104, 120]]",
        zh="书中的例子得到 [[56, 72], [104, 120]]")
def test_multi_in_book(student):
    X, K = book_X_K()
    got = student.call("corr2d_multi_in", X, K)
    diagnose_multi_in(got, X, K, "corr2d_multi_in(X, K)")
    expect_close(got, torch.tensor([[56.0, 72.0], [104.0, 120.0]]), what="corr2d_multi_in(X, K)")


@grades("ch6.corr2d_multi_in", en="the channels are summed (3 input channels)",
        zh="各输入通道的结果相加（3 个输入通道）")
def test_multi_in_sum(student, gen):
    X = torch.rand(3, 5, 6, generator=gen, dtype=torch.float64) + 0.5
    K = torch.rand(3, 2, 2, generator=gen, dtype=torch.float64) + 0.5
    diagnose_multi_in(student.call("corr2d_multi_in", X, K), X, K, "corr2d_multi_in(X 3×5×6, K 3×2×2)")


@grades("ch6.corr2d_multi_in", en="matches F.conv2d(X[None], K[None])[0, 0] on random inputs",
        zh="随机输入下与 F.conv2d(X[None], K[None])[0, 0] 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_multi_in_random(student, gen, dtype, device):
    cases = [(4, (6, 7), (3, 2)), (1, (5, 4), (2, 3))]
    inputs = [(torch.randn(c_i, h, w, generator=gen, dtype=dtype).to(device),
               torch.randn(c_i, kh, kw, generator=gen, dtype=dtype).to(device))
              for c_i, (h, w), (kh, kw) in cases]
    got = student.probe(probe_calls, "corr2d_multi_in", [(XK, {}) for XK in inputs])
    for (c_i, (h, w), (kh, kw)), (X, K), g in zip(cases, inputs, got):
        diagnose_multi_in(g, X, K, f"corr2d_multi_in(X {c_i}×{h}×{w}, K {c_i}×{kh}×{kw})")


# ----------------------------------------------------------------------- corr2d_multi_in_out
@grades("ch6.corr2d_multi_in_out", en="the book's K = stack((K, K + 1, K + 2)): 3 output channels",
        zh="书中的 K = stack((K, K + 1, K + 2))：3 个输出通道")
def test_multi_in_out_book(student):
    X, K = book_X_K()
    K = torch.stack((K, K + 1, K + 2), 0)
    got = student.call("corr2d_multi_in_out", X, K)
    expect(isinstance(got, torch.Tensor), what="corr2d_multi_in_out(X, K) returns a tensor", got=got)
    expect(tuple(got.shape) == (3, 2, 2), what="corr2d_multi_in_out(X, K).shape: (c_o, oh, ow)",
           expected=(3, 2, 2), got=tuple(got.shape))
    expect_close(got[1], torch.tensor([[76.0, 100.0], [148.0, 172.0]]),
                 what="corr2d_multi_in_out(X, K)[1]")
    expect_close(got, conv(X[None], K)[0], what="corr2d_multi_in_out(X, K)")


@grades("ch6.corr2d_multi_in_out", en="matches F.conv2d(X[None], K)[0] on random inputs",
        zh="随机输入下与 F.conv2d(X[None], K)[0] 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_multi_in_out_random(student, gen, dtype, device):
    cases = [(3, 2, (6, 7), (3, 2)), (1, 4, (5, 5), (2, 2)), (5, 1, (4, 6), (1, 3))]
    inputs = [(torch.randn(c_i, h, w, generator=gen, dtype=dtype).to(device),
               torch.randn(c_o, c_i, kh, kw, generator=gen, dtype=dtype).to(device))
              for c_o, c_i, (h, w), (kh, kw) in cases]
    got = student.probe(probe_calls, "corr2d_multi_in_out", [(XK, {}) for XK in inputs])
    for (c_o, c_i, (h, w), (kh, kw)), (X, K), g in zip(cases, inputs, got):
        expect_close(g, conv(X[None], K)[0],
                     what=f"corr2d_multi_in_out(X {c_i}×{h}×{w}, K {c_o}×{c_i}×{kh}×{kw})")


# ------------------------------------------------------------------- corr2d_multi_in_out_1x1
def diagnose_1x1(got, X, K, what):
    expected = conv(X[None], K)[0]
    if is_close(got, expected):
        return
    c_i, h, w = X.shape
    c_o = K.shape[0]
    if isinstance(got, torch.Tensor) and got.shape == expected.shape and got.dtype == expected.dtype:
        flat = X.reshape(h * w, c_i) @ K.reshape(c_o, c_i).T  # (h*w, c_o), pixels scrambled
        for scrambled in (flat.T.reshape(c_o, h, w), flat.reshape(c_o, h, w)):
            mistake_if(torch.allclose(got, scrambled) and not torch.allclose(got, expected),
                       "reshape-hw-first", got=shown(got), expected=shown(expected), what=what)
    expect_close(got, expected, rtol=1e-6 if X.dtype == torch.float64 else None, what=what)


@grades("ch6.corr2d_multi_in_out_1x1", en="the book's check: 3 input channels, 2 output channels, 3×3 pixels",
        zh="书中的检验：3 个输入通道、2 个输出通道、3×3 像素")
def test_1x1_book(student, gen):
    X = torch.normal(0, 1, (3, 3, 3), generator=gen)
    K = torch.normal(0, 1, (2, 3, 1, 1), generator=gen)
    diagnose_1x1(student.call("corr2d_multi_in_out_1x1", X, K), X, K,
                 "corr2d_multi_in_out_1x1(X 3×3×3, K 2×3×1×1)")


@grades("ch6.corr2d_multi_in_out_1x1", en="channels stay the leading axis: reshape(c_i, h * w) (4×5×6 input)",
        zh="通道仍是第 0 维：reshape(c_i, h * w)（4×5×6 的输入）")
def test_1x1_memory_order(student, gen):
    X = torch.randn(4, 5, 6, generator=gen, dtype=torch.float64)
    K = torch.randn(3, 4, 1, 1, generator=gen, dtype=torch.float64)
    diagnose_1x1(student.call("corr2d_multi_in_out_1x1", X, K), X, K,
                 "corr2d_multi_in_out_1x1(X 4×5×6, K 3×4×1×1)")


@grades("ch6.corr2d_multi_in_out_1x1", en="matches F.conv2d on random inputs", zh="随机输入下与 F.conv2d 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_1x1_random(student, gen, dtype, device):
    cases = [(2, 5, 7, 3), (6, 1, 4, 4), (1, 3, 2, 9)]
    inputs = [(torch.randn(c_i, h, w, generator=gen, dtype=dtype).to(device),
               torch.randn(c_o, c_i, 1, 1, generator=gen, dtype=dtype).to(device))
              for c_o, c_i, h, w in cases]
    got = student.probe(probe_calls, "corr2d_multi_in_out_1x1", [(XK, {}) for XK in inputs])
    for (c_o, c_i, h, w), (X, K), g in zip(cases, inputs, got):
        diagnose_1x1(g, X, K, f"corr2d_multi_in_out_1x1(X {c_i}×{h}×{w}, K {c_o}×{c_i}×1×1)")


# ------------------------------------------------------------------ compose_kernels (stretch)
def composed(K1, K2):
    """The kernel of corr2d(corr2d(·, K1), K2): a full convolution of K1 with K2."""
    return F.conv2d(K1.double()[None, None], K2.double().flip(0, 1)[None, None],
                    padding=(K2.shape[0] - 1, K2.shape[1] - 1))[0, 0].to(K1.dtype)


@grades("ch6.compose_kernels", en="a 3×3 kernel then a 2×4 kernel is one 4×6 kernel",
        zh="3×3 的卷积核后接 2×4 的卷积核等价于一个 4×6 的卷积核")
def test_compose_shape(student, gen):
    K1 = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    K2 = torch.randn(2, 4, generator=gen, dtype=torch.float64)
    got = student.call("compose_kernels", K1, K2)
    expect(isinstance(got, torch.Tensor) and tuple(got.shape) == (4, 6),
           what="compose_kernels(K1 3×3, K2 2×4).shape", expected=(4, 6), got=got)
    expected = composed(K1, K2)
    if not is_close(got, expected):
        mistake_if(torch.allclose(got, composed(K1, K2.flip(0, 1))), "second-kernel-flipped",
                   got=shown(got), expected=shown(expected), what="compose_kernels(K1 3×3, K2 2×4)")
    expect_close(got, expected, rtol=1e-6, what="compose_kernels(K1 3×3, K2 2×4)")


@grades("ch6.compose_kernels", en="corr2d(corr2d(X, K1), K2) == corr2d(X, K) on random X",
        zh="随机 X 上 corr2d(corr2d(X, K1), K2) == corr2d(X, K)")
@pytest.mark.parametrize("dtype", FLOATS)
def test_compose_random(student, gen, dtype, device):
    X = torch.randn(9, 11, generator=gen, dtype=dtype)
    for (a, b), (c, d) in [((2, 3), (3, 1)), ((1, 1), (2, 2)), ((4, 2), (1, 5))]:
        K1 = torch.randn(a, b, generator=gen, dtype=dtype)
        K2 = torch.randn(c, d, generator=gen, dtype=dtype)
        K = student.call("compose_kernels", K1.to(device), K2.to(device))
        shape = (a + c - 1, b + d - 1)
        expect(isinstance(K, torch.Tensor) and tuple(K.shape) == shape and K.dtype == dtype,
               what=f"compose_kernels(K1 {a}×{b}, K2 {c}×{d})",
               expected=f"Tensor{shape} {str(dtype).removeprefix('torch.')}", got=K)
        two = conv(conv(X[None, None], K1[None, None]), K2[None, None])
        expect_close(conv(X[None, None], K.cpu()[None, None]), two,
                     rtol=1e-6 if dtype == torch.float64 else None,
                     what=f"corr2d(X, compose_kernels(K1 {a}×{b}, K2 {c}×{d}))")


# ------------------------------------------------------------------ conv2d_flops (stretch)
def macs(c_i, c_o, h, w, k_h, k_w, p, s):
    out = F.conv2d(torch.zeros(0, c_i, h, w, dtype=torch.float64),
                   torch.zeros(c_o, c_i, k_h, k_w, dtype=torch.float64), padding=p, stride=s)
    return c_o * c_i * k_h * k_w * out.shape[-2] * out.shape[-1]


@grades("ch6.conv2d_flops", en="LeNet's first layer on 28×28: 6 · 1 · 5 · 5 · 28 · 28 = 117,600 MACs",
        zh="LeNet 第一层作用在 28×28 上：6 · 1 · 5 · 5 · 28 · 28 = 117,600 次乘加")
def test_flops_lenet(student):
    args = (1, 6, 28, 28, 5, 5, 2, 1)
    got = student.call("conv2d_flops", *args)
    expect(isinstance(got, int) and not isinstance(got, bool), what="conv2d_flops(...) returns an int",
           expected=117600, got=got)
    expect(got == 117600, what=f"conv2d_flops{args}", expected=117600, got=got)


@grades("ch6.conv2d_flops", en="counts output positions: 3→8 channels, 32×30, 5×3 kernel, stride 2",
        zh="按输出位置计数：3→8 个通道、32×30、5×3 卷积核、步幅 2")
def test_flops_output_size(student):
    args = (3, 8, 32, 30, 5, 3, 0, 2)
    got = student.call("conv2d_flops", *args)
    mistake_if(got == 8 * 3 * 5 * 3 * 32 * 30, "input-size-not-output-size", got=shown(got),
               expected=macs(*args), what=f"conv2d_flops{args}")
    expect(got == macs(*args), what=f"conv2d_flops{args}", expected=macs(*args), got=got)


@grades("ch6.conv2d_flops", en="matches the output shape of F.conv2d on random layers",
        zh="随机卷积层上与 F.conv2d 的输出形状一致")
def test_flops_random(student, seed):
    import random
    rng = random.Random(seed)
    cases = []
    while len(cases) < 12:
        c = (rng.randint(1, 16), rng.randint(1, 16), rng.randint(1, 40), rng.randint(1, 40),
             rng.randint(1, 7), rng.randint(1, 7), rng.randint(0, 3), rng.randint(1, 4))
        if c[2] + 2 * c[6] >= c[4] and c[3] + 2 * c[6] >= c[5]:
            cases.append(c)
    got = student.probe(probe_calls, "conv2d_flops", [(c, {}) for c in cases])
    for c, g in zip(cases, got):
        expect(g == macs(*c), what=f"conv2d_flops{c}", expected=macs(*c), got=g)
