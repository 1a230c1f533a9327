"""Grader for 6.5 汇聚层: pool2d (the book's stride 1) and pool2d_pad_stride (PyTorch's semantics).

Pinned (CATALOGUE §5.2): the book's pool2d slides by 1; PyTorch's pooling defaults to
stride = kernel size. pool2d follows the book, pool2d_pad_stride follows PyTorch.
"""
import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import (expect, expect_close, expect_equal, FLOATS, grades, is_close,
                                LearnerError, mistake_if, pair, probe_calls, shown)


def torch_pool(X, pool_size, mode, stride, padding=0, count_include_pad=True):
    X4 = X[None, None]
    if mode == "max":
        return F.max_pool2d(X4, pool_size, stride=stride, padding=padding)[0, 0]
    return F.avg_pool2d(X4, pool_size, stride=stride, padding=padding,
                        count_include_pad=count_include_pad)[0, 0]


def expect_value_error(student, name, *args, what, **kwargs):
    try:
        got = student.call(name, *args, **kwargs)
    except LearnerError as e:
        expect(e.type == "ValueError", what=f"{what} raises ValueError", expected="ValueError", got=e.type)
    else:
        expect(False, what=f"{what} raises ValueError", expected="ValueError", got=got)


# ------------------------------------------------------------------------------------ pool2d
def diagnose_pool2d(got, X, pool_size, mode, what):
    expected = torch_pool(X, pool_size, mode, stride=1)
    if is_close(got, expected):
        return
    if isinstance(got, torch.Tensor):
        pytorch_default = torch_pool(X, pool_size, mode, stride=pool_size)
        mistake_if(got.shape != expected.shape and got.shape == pytorch_default.shape,
                   "pytorch-default-stride", got=shown(got), expected=shown(expected), what=what)
        mistake_if(float32_copy(got, expected), "zeros-without-dtype", got=got, expected=expected,
                   what=what)
    expect_close(got, expected, what=what)


def float32_copy(got, expected) -> bool:
    """The right values, stored in float32 where float64 was expected: an output tensor made
    with torch.zeros(shape) and no dtype (another wrong result in float32 is another bug)."""
    return (isinstance(got, torch.Tensor) and got.dtype == torch.float32
            and expected.dtype == torch.float64 and got.shape == expected.shape
            and bool(torch.allclose(got.double().cpu(), expected.cpu(), rtol=1e-4, atol=1e-5)))


@grades("ch6.pool2d", en="the book's example: 3×3 input, 2×2 window → max [[4, 5], [7, 8]], avg [[2, 3], [5, 6]]",
        zh="书中的例子：3×3 输入、2×2 窗口 → 最大汇聚 [[4, 5], [7, 8]]，平均汇聚 [[2, 3], [5, 6]]")
def test_pool2d_book(student):
    X = torch.arange(9.0).reshape(3, 3)
    for mode, values in [("max", [[4.0, 5.0], [7.0, 8.0]]), ("avg", [[2.0, 3.0], [5.0, 6.0]])]:
        got = student.call("pool2d", X, (2, 2), mode)
        what = f"pool2d(X 3×3, (2, 2), {mode!r})"
        diagnose_pool2d(got, X, (2, 2), mode, what)
        expect_close(got, torch.tensor(values), what=what)


@grades("ch6.pool2d", en="slides one step at a time: a 3×3 window on 4×4 gives 2×2 (nn.MaxPool2d(3) gives 1×1)",
        zh="每次滑动一步：3×3 窗口作用在 4×4 上得到 2×2（nn.MaxPool2d(3) 得到 1×1）")
def test_pool2d_stride_one(student):
    X = torch.arange(16.0).reshape(4, 4)
    got = student.call("pool2d", X, (3, 3))
    what = "pool2d(X 4×4, (3, 3))"
    expect(isinstance(got, torch.Tensor), what=f"{what} returns a tensor", got=got)
    mistake_if(tuple(got.shape) == (1, 1), "pytorch-default-stride", got=shown(got),
               expected=torch_pool(X, 3, "max", 1), what=what)
    diagnose_pool2d(got, X, (3, 3), "max", what)


@grades("ch6.pool2d", en="a float64 X gives a float64 output", zh="float64 的 X 得到 float64 的输出")
def test_pool2d_dtype(student, gen, device):
    X = torch.randn(5, 6, generator=gen, dtype=torch.float64).to(device)
    for mode in ("max", "avg"):
        got = student.call("pool2d", X, (2, 3), mode)
        expect(isinstance(got, torch.Tensor), what="pool2d(...) returns a tensor", got=got)
        mistake_if(float32_copy(got, torch_pool(X, (2, 3), mode, 1)), "zeros-without-dtype", got=got,
                   expected=torch_pool(X, (2, 3), mode, 1), what=f"pool2d(X float64, (2, 3), {mode!r}).dtype")
        expect_equal(got.dtype, torch.float64, what=f"pool2d(X float64, (2, 3), {mode!r}).dtype")


@grades("ch6.pool2d", en="a 5×6 float64 X, window (2, 3): the values of F.max_pool2d / F.avg_pool2d",
        zh="float64 的 5×6 X、窗口 (2, 3)：数值与 F.max_pool2d / F.avg_pool2d 一致")
def test_pool2d_float64_values(student, gen, device):
    X = torch.randn(5, 6, generator=gen, dtype=torch.float64).to(device)
    for mode in ("max", "avg"):
        got = student.call("pool2d", X, (2, 3), mode)
        diagnose_pool2d(got, X, (2, 3), mode, f"pool2d(X 5×6 float64, (2, 3), {mode!r})")


@grades("ch6.pool2d", en="matches F.max_pool2d / F.avg_pool2d with stride=1 (random, all-negative)",
        zh="与 stride=1 的 F.max_pool2d / F.avg_pool2d 一致（随机输入、全为负数的输入）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_pool2d_random(student, gen, dtype, device):
    X = torch.randn(6, 7, generator=gen, dtype=dtype).to(device)
    negative = -torch.rand(5, 4, generator=gen, dtype=dtype).to(device) - 1
    cases = [(name, Z, pool_size, mode) for name, Z in [("X", X), ("X (all negative)", negative)]
             for pool_size in [(2, 3), (3, 1), (1, 1)] for mode in ("max", "avg")]
    got = student.probe(probe_calls, "pool2d", [((Z, p, m), {}) for _, Z, p, m in cases])
    for (name, Z, pool_size, mode), g in zip(cases, got):
        h, w = Z.shape
        diagnose_pool2d(g, Z, pool_size, mode, f"pool2d({name} {h}×{w}, {pool_size}, {mode!r})")


@grades("ch6.pool2d", en="an unknown mode raises ValueError", zh="未知的 mode 抛出 ValueError")
def test_pool2d_bad_mode(student):
    expect_value_error(student, "pool2d", torch.zeros(3, 3), (2, 2), "min",
                       what="pool2d(X, (2, 2), 'min')")


# ------------------------------------------------------------------------- pool2d_pad_stride
def diagnose_pad_stride(got, X, pool_size, stride, padding, mode, what):
    expected = torch_pool(X, pool_size, mode, pool_size if stride is None else stride, padding)
    if is_close(got, expected):
        return
    if isinstance(got, torch.Tensor) and got.dtype == X.dtype:
        if stride is None and pair(pool_size) != (1, 1):
            one = torch_pool(X, pool_size, mode, 1, padding)
            mistake_if(got.shape == one.shape and got.shape != expected.shape, "default-stride-one",
                       got=shown(got), expected=shown(expected), what=what)
        if got.shape == expected.shape and any(pair(padding)):
            s = pool_size if stride is None else stride
            if mode == "max":
                (ph, pw) = pair(padding)
                zero_padded = torch_pool(F.pad(X, (pw, pw, ph, ph)), pool_size, mode, s)
                mistake_if(torch.allclose(got, zero_padded) and not torch.allclose(got, expected),
                           "zero-padding-for-max", got=shown(got), expected=shown(expected), what=what)
            else:
                excluded = torch_pool(X, pool_size, mode, s, padding, count_include_pad=False)
                mistake_if(torch.allclose(got, excluded) and not torch.allclose(got, expected),
                           "count-exclude-pad", got=shown(got), expected=shown(expected), what=what)
    expect_close(got, expected, what=what)


BOOK_POOL_CASES = [  # 6.5.2 on arange(16).reshape(4, 4)
    ((3,), {}, [[10.0]]),
    ((3,), {"padding": 1, "stride": 2}, [[5.0, 7.0], [13.0, 15.0]]),
    (((2, 3),), {"stride": (2, 3), "padding": (0, 1)}, [[5.0, 7.0], [13.0, 15.0]]),
]


@grades("ch6.pool2d_pad_stride", en="the book's 6.5.2 examples: MaxPool2d(3) → [[10]], (3, padding=1, stride=2), ((2, 3), stride=(2, 3), padding=(0, 1))",
        zh="书中 6.5.2 的例子：MaxPool2d(3) → [[10]]、(3, padding=1, stride=2)、((2, 3), stride=(2, 3), padding=(0, 1))")
def test_pad_stride_book(student):
    X = torch.arange(16.0).reshape(4, 4)
    for args, kwargs, values in BOOK_POOL_CASES:
        got = student.call("pool2d_pad_stride", X, *args, **kwargs)
        what = f"pool2d_pad_stride(X 4×4, {args[0]}, {', '.join(f'{k}={v}' for k, v in kwargs.items())})"
        diagnose_pad_stride(got, X, args[0], kwargs.get("stride"), kwargs.get("padding", 0), "max", what)
        expect_close(got, torch.tensor(values), what=what)


@grades("ch6.pool2d_pad_stride", en="stride=None means stride = pool_size: 6×6 input, window 2 → 3×3",
        zh="stride=None 表示步幅等于 pool_size：6×6 输入、窗口 2 → 3×3")
def test_pad_stride_default_stride(student, gen):
    X = torch.randn(6, 6, generator=gen, dtype=torch.float64)
    for mode in ("max", "avg"):
        got = student.call("pool2d_pad_stride", X, 2, mode=mode)
        what = f"pool2d_pad_stride(X 6×6, 2, mode={mode!r})"
        expect(isinstance(got, torch.Tensor), what=f"{what} returns a tensor", got=got)
        mistake_if(tuple(got.shape) == (5, 5), "default-stride-one", got=shown(got),
                   expected=torch_pool(X, 2, mode, 2), what=what)
        diagnose_pad_stride(got, X, 2, None, 0, mode, what)


@grades("ch6.pool2d_pad_stride", en="max pooling pads with −inf: an all-negative 5×5 input, window 3, padding 1, stride 2",
        zh="最大汇聚用 −inf 填充：全为负数的 5×5 输入、窗口 3、padding 1、stride 2")
def test_pad_stride_max_negative(student, gen):
    X = -torch.rand(5, 5, generator=gen, dtype=torch.float64) - 1
    got = student.call("pool2d_pad_stride", X, 3, stride=2, padding=1, mode="max")
    what = "pool2d_pad_stride(X 5×5 all negative, 3, stride=2, padding=1, mode='max')"
    expected = torch_pool(X, 3, "max", 2, 1)
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        # zeros where a window reaches the padding, the right maxima elsewhere (zeros alone could
        # be a result never written)
        zero_padded = torch_pool(F.pad(X, (1, 1, 1, 1)), 3, "max", 2)
        mistake_if(is_close(got, zero_padded), "zero-padding-for-max", got=shown(got),
                   expected=shown(expected), what=what)
    diagnose_pad_stride(got, X, 3, 2, 1, "max", what)


@grades("ch6.pool2d_pad_stride", en="average pooling divides by the full window (count_include_pad=True)",
        zh="平均汇聚除以完整窗口的大小（count_include_pad=True）")
def test_pad_stride_avg_border(student, gen):
    X = torch.rand(5, 6, generator=gen, dtype=torch.float64) + 1
    got = student.call("pool2d_pad_stride", X, (3, 2), stride=(2, 1), padding=1, mode="avg")
    diagnose_pad_stride(got, X, (3, 2), (2, 1), 1, "avg",
                        "pool2d_pad_stride(X 5×6, (3, 2), stride=(2, 1), padding=1, mode='avg')")


@grades("ch6.pool2d_pad_stride", en="matches F.max_pool2d / F.avg_pool2d on random inputs",
        zh="随机输入下与 F.max_pool2d / F.avg_pool2d 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_pad_stride_random(student, gen, dtype, device):
    X = torch.randn(7, 9, generator=gen, dtype=dtype).to(device)
    cases = [(k, s, p, m) for k, s, p in [(3, None, 1), ((2, 4), (1, 3), (1, 2)), (2, 1, 0), ((3, 2), 2, (1, 0))]
             for m in ("max", "avg")]
    got = student.probe(probe_calls, "pool2d_pad_stride",
                        [((X, k), {"stride": s, "padding": p, "mode": m}) for k, s, p, m in cases])
    for (pool_size, stride, padding, mode), g in zip(cases, got):
        diagnose_pad_stride(g, X, pool_size, stride, padding, mode,
                            f"pool2d_pad_stride(X 7×9, {pool_size}, stride={stride}, padding={padding}, mode={mode!r})")


@grades("ch6.pool2d_pad_stride", en="ValueError for padding > pool_size / 2 and for an unknown mode",
        zh="padding > pool_size / 2 或 mode 未知时抛出 ValueError")
def test_pad_stride_errors(student):
    X = torch.zeros(6, 6)
    expect_value_error(student, "pool2d_pad_stride", X, 3, padding=2,
                       what="pool2d_pad_stride(X 6×6, 3, padding=2)")
    expect_value_error(student, "pool2d_pad_stride", X, (2, 4), padding=(1, 3),
                       what="pool2d_pad_stride(X 6×6, (2, 4), padding=(1, 3))")
    expect_value_error(student, "pool2d_pad_stride", X, 3, padding=(2, 0),
                       what="pool2d_pad_stride(X 6×6, 3, padding=(2, 0))")  # the height alone
    expect_value_error(student, "pool2d_pad_stride", X, 2, mode="min",
                       what="pool2d_pad_stride(X 6×6, 2, mode='min')")


# ------------------------------------------------------------------ avg_pool_via_conv (stretch)
@grades("ch6.avg_pool_via_conv", en="the book's 4×4 example: window 3, padding 1, stride 2 vs F.avg_pool2d",
        zh="书中 4×4 的例子：窗口 3、padding 1、stride 2，与 F.avg_pool2d 比较")
def test_avg_conv_book(student):
    X = torch.arange(16.0).reshape(4, 4)
    got = student.call("avg_pool_via_conv", X, 3, stride=2, padding=1)
    expected = torch_pool(X, 3, "avg", 2, 1)
    what = "avg_pool_via_conv(X 4×4, 3, stride=2, padding=1)"
    if not is_close(got, expected):
        mistake_if(isinstance(got, torch.Tensor) and got.shape == expected.shape
                   and torch.allclose(got, expected * 9), "kernel-of-ones", got=shown(got), expected=shown(expected),
                   what=what)
    expect_close(got, expected, what=what)


@grades("ch6.avg_pool_via_conv", en="matches F.avg_pool2d on random inputs", zh="随机输入下与 F.avg_pool2d 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_avg_conv_random(student, gen, dtype, device):
    X = torch.randn(7, 9, generator=gen, dtype=dtype).to(device)
    cases = [(3, None, 1), ((2, 4), (1, 3), (1, 2)), (2, 1, 0), ((3, 2), 2, (1, 0))]
    got = student.probe(probe_calls, "avg_pool_via_conv",
                        [((X, k), {"stride": s, "padding": p}) for k, s, p in cases])
    for (k, s, p), g in zip(cases, got):
        expect_close(g, torch_pool(X, k, "avg", k if s is None else s, p),
                     what=f"avg_pool_via_conv(X 7×9, {k}, stride={s}, padding={p})")


# ------------------------------------------------------------------ min_pool2d (stretch)
def min_pool(X, k, s, p):
    return -F.max_pool2d(-X[None, None], k, stride=k if s is None else s, padding=p)[0, 0]


@grades("ch6.min_pool2d", en="the 4×4 example: window 2 → [[0, 2], [8, 10]]", zh="4×4 的例子：窗口 2 → [[0, 2], [8, 10]]")
def test_min_pool_book(student):
    X = torch.arange(16.0).reshape(4, 4)
    got = student.call("min_pool2d", X, 2)
    expected = torch.tensor([[0.0, 2.0], [8.0, 10.0]])
    if not is_close(got, expected):
        mistake_if(isinstance(got, torch.Tensor) and got.shape == expected.shape
                   and torch.allclose(got, -expected), "missing-outer-negation", got=shown(got),
                   expected=shown(expected), what="min_pool2d(X 4×4, 2)")
    expect_close(got, expected, what="min_pool2d(X 4×4, 2)")


@grades("ch6.min_pool2d", en="matches −F.max_pool2d(−X) with padding and stride on random inputs",
        zh="在带填充和步幅的随机输入上与 −F.max_pool2d(−X) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_min_pool_random(student, gen, dtype, device):
    X = torch.randn(7, 9, generator=gen, dtype=dtype).to(device).abs() + 1
    cases = [(3, None, 1), ((2, 4), (1, 3), (1, 2)), (2, 1, 0)]
    got = student.probe(probe_calls, "min_pool2d", [((X, k), {"stride": s, "padding": p}) for k, s, p in cases])
    for (k, s, p), g in zip(cases, got):
        expected = min_pool(X, k, s, p)
        what = f"min_pool2d(X 7×9 positive, {k}, stride={s}, padding={p})"
        mistake_if(isinstance(g, torch.Tensor) and g.shape == expected.shape and torch.allclose(g, -expected),
                   "missing-outer-negation", got=shown(g), expected=shown(expected), what=what)
        expect_close(g, expected, what=what)


# ------------------------------------------------------------------ logsumexp_pool2d (stretch)
def lse_pool(X, k):
    """The supervisor's answer: torch.logsumexp over every stride-1 window, in float64."""
    kh, kw = pair(k)
    W = X.double().unfold(0, kh, 1).unfold(1, kw, 1)
    return torch.logsumexp(W, dim=(-2, -1)).to(X.dtype)


@grades("ch6.logsumexp_pool2d", en="the book's 3×3 input, window 2×2 (stride 1)",
        zh="书中 3×3 的输入，窗口 2×2（步幅 1）")
def test_lse_book(student, device):
    X = torch.arange(9.0, dtype=torch.float64).reshape(3, 3).to(device)
    expect_close(student.call("logsumexp_pool2d", X, (2, 2)), lse_pool(X, 2),
                 what="logsumexp_pool2d(X 3×3, (2, 2))")


@grades("ch6.logsumexp_pool2d", en="stable for large inputs: arange(12) + 1000",
        zh="大输入下数值稳定：arange(12) + 1000")
@pytest.mark.parametrize("dtype", FLOATS)
def test_lse_large(student, dtype, device):
    X = (torch.arange(12.0, dtype=dtype).reshape(3, 4) + 1000).to(device)
    got = student.call("logsumexp_pool2d", X, 2)
    what = "logsumexp_pool2d(X + 1000, 2)"
    expect(isinstance(got, torch.Tensor), what=what, expected="Tensor", got=got)
    if bool(torch.isinf(got).any() or torch.isnan(got).any()):
        # exp without a shift overflows only for large inputs: proven when a smaller offset,
        # still large for a shift the wrong way (exp(2x)), comes out right
        small = (torch.arange(12.0, dtype=dtype).reshape(3, 4)
                 + (50 if dtype == torch.float32 else 400)).to(device)
        mistake_if(is_close(student.call("logsumexp_pool2d", small, 2), lse_pool(small, 2)),
                   "exp-overflow", what=what, got=shown(got), expected=shown(lse_pool(X, 2)))
    expect_close(got, lse_pool(X, 2), what=what)


@grades("ch6.logsumexp_pool2d", en="windows far apart: one half near 0, the other near −1000",
        zh="窗口相差很远：一半接近 0，另一半接近 −1000")
@pytest.mark.parametrize("dtype", FLOATS)
def test_lse_far_apart(student, gen, dtype, device):
    X = torch.randn(4, 8, generator=gen, dtype=dtype)
    X[:, 4:] -= 1000
    X = X.to(device)
    got = student.call("logsumexp_pool2d", X, (2, 2))
    what = "logsumexp_pool2d(X 4×8, (2, 2))"
    expect(isinstance(got, torch.Tensor), what=what, expected="Tensor", got=got)
    # one shift for the whole input: the windows entirely in the right half (output columns 4–6)
    # underflow to −inf, the others are right
    expected = lse_pool(X, (2, 2))
    mistake_if(got.shape == expected.shape and bool(torch.isneginf(got[:, 4:]).all())
               and is_close(got[:, :4], expected[:, :4]), "global-max-shift", what=what,
               got="−inf in the right half", expected="≈ −1000 + log 4")
    expect_close(got, lse_pool(X, (2, 2)), what=what)


@grades("ch6.logsumexp_pool2d", en="matches torch.logsumexp over the windows on random inputs",
        zh="随机输入下与按窗口计算的 torch.logsumexp 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_lse_random(student, gen, dtype, device):
    X = (torch.randn(5, 7, generator=gen, dtype=dtype) * 3).to(device)
    cases = [2, (2, 3), (1, 1), (3, 1), (5, 7)]
    got = student.probe(probe_calls, "logsumexp_pool2d", [((X, k), {}) for k in cases])
    for k, g in zip(cases, got):
        expect_close(g, lse_pool(X, k), what=f"logsumexp_pool2d(X 5×7, {k})")
