"""Grader for 6.4 多输入多输出通道: corr2d_multi_in, corr2d_multi_in_out, corr2d_multi_in_out_1x1."""
import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import FLOATS, CheckFailed, expect, expect_close, grades, mistake_if


def passes(got, expected, what, **tol):
    """True if got is right; the catalogued-mistake diagnosis only runs on a wrong answer."""
    try:
        expect_close(got, expected, what=what, **tol)
    except CheckFailed:
        return False
    return True


def conv(X, K):
    """F.conv2d(X, K), computed in float64 and cast back (oneDNN's float32 set-up is slow per shape)."""
    return F.conv2d(X.double(), K.double()).to(X.dtype)


def probe_calls(mod, name, calls):
    """Several calls of the learner's `name` in one child: [(args, kwargs), ...] -> results."""
    return [getattr(mod, name)(*args, **kwargs) for args, kwargs in calls]


def book_X_K():
    """The book's 6.4.1 example: two input channels of 3×3, two kernels of 2×2."""
    X = torch.stack([torch.arange(9.0).reshape(3, 3), torch.arange(1.0, 10.0).reshape(3, 3)])
    K = torch.stack([torch.arange(4.0).reshape(2, 2), torch.arange(1.0, 5.0).reshape(2, 2)])
    return X, K


# --------------------------------------------------------------------------- corr2d_multi_in
def diagnose_multi_in(got, X, K, what):
    expected = conv(X[None], K[None])[0, 0]
    if passes(got, expected, what):
        return
    c_i = X.shape[0]
    if isinstance(got, torch.Tensor):
        mistake_if(tuple(got.shape) == (c_i, *expected.shape), "stacked-not-summed", got=got,
                   expected=expected, what=what)
        if got.shape == expected.shape and got.dtype == expected.dtype:
            mistake_if(torch.allclose(got, expected / c_i) and not torch.allclose(got, expected),
                       "mean-over-channels", got=got, expected=expected, what=what)
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
    if passes(got, expected, what):
        return
    c_i, h, w = X.shape
    c_o = K.shape[0]
    if isinstance(got, torch.Tensor) and got.shape == expected.shape and got.dtype == expected.dtype:
        flat = X.reshape(h * w, c_i) @ K.reshape(c_o, c_i).T  # (h*w, c_o), pixels scrambled
        for scrambled in (flat.T.reshape(c_o, h, w), flat.reshape(c_o, h, w)):
            mistake_if(torch.allclose(got, scrambled) and not torch.allclose(got, expected),
                       "reshape-hw-first", got=got, expected=expected, what=what)
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
