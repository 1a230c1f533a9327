"""Grader for 6.3 填充和步幅: conv_output_shape and corr2d_pad_stride.

Pinned (CATALOGUE §5.1): `padding` is PyTorch's per-side padding; the book's formula
⌊(n_h − k_h + p_h + s_h) / s_h⌋ counts the total padding p_h = 2p. The two agree for every
n < 20, k < 8, p < 4, s < 5, which a check below runs exhaustively.
"""
import math
import random

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from d2lkit.grading.api import (expect, expect_close, expect_equal, FLOATS, grades, is_close,
                                LearnerError, mistake_if, pair, probe_calls, probes_for, shown)

probes = probes_for(__file__)


# What a correct answer and each catalogued mistake give for one dimension.
FORMULAS = {
    "correct": lambda n, k, p, s: (n + 2 * p - k) // s + 1,
    "book-padding-per-side": lambda n, k, p, s: (n - k + p + s) // s,
    "ceil-division": lambda n, k, p, s: math.ceil((n + 2 * p - k) / s) + 1,
    "missing-plus-one": lambda n, k, p, s: (n + 2 * p - k) // s,
}


def call_text(hw, k, p, s):
    return f"conv_output_shape({hw!r}, {k!r}, padding={p!r}, stride={s!r})"


def formula(name, hw, k, p, s):
    return tuple(FORMULAS[name](*dims) for dims in zip(pair(hw), pair(k), pair(p), pair(s)))


# Cases on which the mistakes' formulas and the right one disagree in many ways (every kernel
# fits): a mistake is named only when the learner's answers follow its formula on all of them,
# since on one case a wrong answer can match a formula by chance.
CONFIRM = [(n, k, p, s) for n in (5, 8, 11) for k in (1, 2, 3) for p in (0, 1, 2)
           for s in (1, 2, 3)]


def true_division(n, k, p, s):
    return (n + 2 * p - k) / s + 1


def follows(student, rule) -> bool:
    """Whether the learner's answers on CONFIRM are `rule`'s (a function of n, k, p, s)."""
    try:
        answers = student.probe(probes.probe_all_shapes, CONFIRM)
    except LearnerError:
        return False
    return all(isinstance(g, tuple) and len(g) == 2
               and all(isinstance(v, (int, float)) and math.isclose(v, rule(*c)) for v in g)
               for g, c in zip(answers, CONFIRM))


def check_shape(student, got, hw, k, p=0, s=1, suspects=("book-padding-per-side", "ceil-division",
                                                        "missing-plus-one")):
    """Compare one answer, naming the mistake that explains a wrong one."""
    what = call_text(hw, k, p, s)
    expected = formula("correct", hw, k, p, s)
    if isinstance(got, (tuple, list)):
        if any(isinstance(v, float) for v in got):
            mistake_if(follows(student, true_division), "true-division", got=shown(got),
                       expected=shown(expected), what=what)
        for name in suspects:
            wrong = formula(name, hw, k, p, s)
            if wrong != expected and tuple(got) == wrong:
                mistake_if(follows(student, FORMULAS[name]), name, got=shown(got),
                           expected=shown(expected), what=what)
    expect(isinstance(got, tuple) and len(got) == 2
           and all(isinstance(v, int) and not isinstance(v, bool) for v in got),
           what=f"{what} returns a tuple of two ints", expected=expected, got=got)
    expect_equal(tuple(got), expected, what=what)


def torch_shape(hw, k, p, s):
    """The output shape of PyTorch's own convolution (the supervisor's ground truth).

    An empty batch makes F.conv2d infer the shape without computing anything."""
    (h, w), (kh, kw) = pair(hw), pair(k)
    out = F.conv2d(torch.zeros(0, 1, h, w, dtype=torch.float64),
                   torch.zeros(1, 1, kh, kw, dtype=torch.float64), padding=pair(p), stride=pair(s))
    return tuple(out.shape[-2:])


# ------------------------------------------------------------------------- conv_output_shape
@grades("ch6.conv_output_shape", en="the book's exercise 6.3 #1: 8×8, kernel (3, 5), padding (0, 1), stride (3, 4) → (2, 2)",
        zh="书中 6.3 练习 1：8×8、卷积核 (3, 5)、填充 (0, 1)、步幅 (3, 4) → (2, 2)")
def test_shape_book_exercise(student):
    args = ((8, 8), (3, 5), (0, 1), (3, 4))
    check_shape(student, student.call("conv_output_shape", *args), *args)


@grades("ch6.conv_output_shape", en="returns Python ints: conv_output_shape(8, 3) == (6, 6)",
        zh="返回 Python int：conv_output_shape(8, 3) == (6, 6)")
def test_shape_ints(student):
    check_shape(student, student.call("conv_output_shape", 8, 3), 8, 3, 0, 1)


@grades("ch6.conv_output_shape", en="no padding, stride 1: n − k + 1 (6×9 input, kernel (3, 2) → (4, 8))",
        zh="无填充、步幅为 1：n − k + 1（6×9 的输入、卷积核 (3, 2) → (4, 8)）")
def test_shape_plus_one(student):
    got = student.call("conv_output_shape", (6, 9), (3, 2))
    check_shape(student, got, (6, 9), (3, 2), 0, 1, suspects=("missing-plus-one",))


@grades("ch6.conv_output_shape", en="padding is per side: 8×8, kernel 3, padding=1 keeps 8×8 (the book's p_h would be 2)",
        zh="padding 是每一侧的填充：8×8、卷积核 3、padding=1 仍是 8×8（书中的 p_h 是 2）")
def test_shape_padding_per_side(student):
    got = student.call("conv_output_shape", (8, 8), 3, 1, 1)
    check_shape(student, got, (8, 8), 3, 1, 1, suspects=("book-padding-per-side",))


@grades("ch6.conv_output_shape", en="rounds down when (n + 2p − k) % s ≠ 0: 7×9, kernel (2, 3), stride 2 → (3, 4)",
        zh="当 (n + 2p − k) % s ≠ 0 时向下取整：7×9、卷积核 (2, 3)、步幅 2 → (3, 4)")
def test_shape_floor(student):
    got = student.call("conv_output_shape", (7, 9), (2, 3), 0, 2)
    check_shape(student, got, (7, 9), (2, 3), 0, 2, suspects=("ceil-division",))


@grades("ch6.conv_output_shape", en="ValueError when the kernel does not fit (3×10 input, kernel (5, 3))",
        zh="卷积核放不下时抛出 ValueError（3×10 的输入、卷积核 (5, 3)）")
def test_shape_value_error(student):
    what = call_text((3, 10), (5, 3), 0, 1)
    try:
        got = student.call("conv_output_shape", (3, 10), (5, 3))
    except LearnerError as e:
        expect(e.type == "ValueError", what=f"{what} raises ValueError", expected="ValueError",
               got=e.type)
    else:
        expect(False, what=f"{what} raises ValueError", expected="ValueError", got=got)
    # padding can make it fit: 3 + 2 * 1 = 5
    check_shape(student, student.call("conv_output_shape", (3, 10), (5, 3), 1, 1), (3, 10), (5, 3), 1, 1)


@grades("ch6.conv_output_shape",
        en="agrees with the book's formula ⌊(n − k + p_h + s) / s⌋, p_h = 2p, for all n < 20, k < 8, p < 4, s < 5",
        zh="对所有 n < 20、k < 8、p < 4、s < 5，与书中公式 ⌊(n − k + p_h + s) / s⌋（p_h = 2p）一致")
def test_shape_exhaustive(student):
    cases = [(n, k, p, s) for n in range(1, 20) for k in range(1, 8) for p in range(4)
             for s in range(1, 5)]
    got = student.probe(probes.probe_all_shapes, cases)
    expect(isinstance(got, list) and len(got) == len(cases), what="probe result", got=got)
    for (n, k, p, s), g in zip(cases, got):
        if n + 2 * p < k:
            expect(g == "ValueError", what=f"{call_text(n, k, p, s)} raises ValueError (n + 2p < k)",
                   expected="ValueError", got=g)
            continue
        book = (n - k + 2 * p + s) // s  # the book's formula with the total padding p_h = 2p
        if g != (book, book):
            check_shape(student, g, n, k, p, s)
            expect_equal(g, (book, book), what=call_text(n, k, p, s))


@grades("ch6.conv_output_shape", en="matches the shape of F.conv2d's output (random non-square cases)",
        zh="与 F.conv2d 输出的形状一致（随机的非正方形情形）")
def test_shape_vs_conv2d(student, seed):
    rng = random.Random(seed)
    cases = []
    while len(cases) < 60:
        k = (rng.randint(1, 7), rng.randint(1, 7))
        p = (rng.randint(0, 3), rng.randint(0, 3))
        s = (rng.randint(1, 4), rng.randint(1, 4))
        hw = (rng.randint(1, 30), rng.randint(1, 30))
        if all(n + 2 * pp >= kk for n, kk, pp in zip(hw, k, p)):
            cases.append((hw, k, p, s))
    got = student.probe(probes.probe_all_shapes, cases)
    for case, g in zip(cases, got):
        expected = torch_shape(*case)
        if g != expected:
            check_shape(student, g, *case)
            expect_equal(g, expected, what=call_text(*case))


CASE = st.tuples(st.tuples(st.integers(1, 24), st.integers(1, 24)),
                 st.tuples(st.integers(1, 6), st.integers(1, 6)),
                 st.tuples(st.integers(0, 3), st.integers(0, 3)),
                 st.tuples(st.integers(1, 4), st.integers(1, 4)))


@grades("ch6.conv_output_shape", en="property: equals nn.Conv2d's output shape (hypothesis)",
        zh="性质测试：与 nn.Conv2d 输出的形状相同（hypothesis）")
@settings(max_examples=3, deadline=None)
@given(cases=st.lists(CASE, min_size=1, max_size=12))
def test_shape_property(student, cases):
    cases = [c for c in cases if all(n + 2 * p >= k for n, k, p in zip(*c[:3]))]
    if not cases:
        return
    got = student.probe(probes.probe_all_shapes, cases)
    for (hw, k, p, s), g in zip(cases, got):
        conv = torch.nn.Conv2d(1, 1, k, padding=p, stride=s, bias=False, dtype=torch.float64)
        expected = tuple(conv(torch.zeros(0, 1, *hw, dtype=torch.float64)).shape[-2:])
        if g != expected:
            check_shape(student, g, hw, k, p, s)
        expect_equal(tuple(g), expected, what=call_text(hw, k, p, s))


# ------------------------------------------------------------------------- corr2d_pad_stride
def conv_ps(X, K, padding, stride):
    """F.conv2d, computed in float64 and cast back (oneDNN's float32 set-up is slow per shape)."""
    out = F.conv2d(X[None, None].double(), K[None, None].double(), padding=padding, stride=stride)
    return out[0, 0].to(X.dtype)


def diagnose_pad_stride(got, X, K, padding, stride, what):
    expected = conv_ps(X, K, padding, stride)
    if is_close(got, expected):
        return
    (ph, pw), (sh, sw) = pair(padding), pair(stride)
    if isinstance(got, torch.Tensor) and got.dtype == X.dtype:
        # p zeros at the top-left only (shape off by p), or 2p there (right shape, shifted values)
        for left in ((pw, 0, ph, 0), (2 * pw, 0, 2 * ph, 0)):
            one_sided = conv_ps(F.pad(X, left), K, 0, stride)
            mistake_if((ph or pw) and got.shape == one_sided.shape and got.shape != expected.shape,
                       "one-sided-padding", got=shown(got), expected=shown(expected), what=what)
            mistake_if((ph or pw) and got.shape == one_sided.shape
                       and torch.allclose(got, one_sided) and not torch.allclose(got, expected),
                       "one-sided-padding", got=shown(got), expected=shown(expected), what=what)
        if got.shape == expected.shape and (sh > 1 or sw > 1):
            unstrided = conv_ps(X, K, padding, 1)[:expected.shape[0], :expected.shape[1]]
            mistake_if(torch.allclose(got, unstrided) and not torch.allclose(got, expected),
                       "stride-not-applied", got=shown(got), expected=shown(expected), what=what)
    expect_close(got, expected, what=what)


BOOK_CASES = [  # 6.3.1 and 6.3.2 on an 8×8 input
    ((3, 3), 1, 1), ((5, 3), (2, 1), 1), ((3, 3), 1, 2), ((3, 5), (0, 1), (3, 4)),
]


@grades("ch6.corr2d_pad_stride", en="the book's 6.3 examples on an 8×8 input vs F.conv2d",
        zh="书中 6.3 在 8×8 输入上的例子，与 F.conv2d 比较")
def test_pad_stride_book(student, gen):
    X = torch.randn(8, 8, generator=gen)
    Ks = [torch.randn(*kshape, generator=gen) for kshape, _, _ in BOOK_CASES]
    first = student.call("corr2d_pad_stride", X, Ks[0], BOOK_CASES[0][1], BOOK_CASES[0][2])
    rest = student.probe(probe_calls, "corr2d_pad_stride",
                         [((X, K, padding, stride), {}) for K, (_, padding, stride) in zip(Ks[1:], BOOK_CASES[1:])])
    for got, K, (kshape, padding, stride) in zip([first, *rest], Ks, BOOK_CASES):
        diagnose_pad_stride(got, X, K, padding, stride,
                            f"corr2d_pad_stride(X 8×8, K {kshape[0]}×{kshape[1]}, padding={padding}, stride={stride})")


@grades("ch6.corr2d_pad_stride", en="padding is symmetric: 5×6 X, 3×3 K, padding=1 keeps 5×6",
        zh="填充是对称的：5×6 的 X、3×3 的 K、padding=1 时输出仍是 5×6")
def test_pad_stride_symmetric(student, gen):
    X = torch.randn(5, 6, generator=gen, dtype=torch.float64)
    K = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    got = student.call("corr2d_pad_stride", X, K, 1, 1)
    diagnose_pad_stride(got, X, K, 1, 1, "corr2d_pad_stride(X 5×6, K 3×3, padding=1)")


@grades("ch6.corr2d_pad_stride", en="windows start at i * stride: 7×9 X, 2×2 K, stride=2",
        zh="窗口从 i * stride 开始：7×9 的 X、2×2 的 K、stride=2")
def test_pad_stride_stride(student, gen):
    X = torch.randn(7, 9, generator=gen, dtype=torch.float64)
    K = torch.randn(2, 2, generator=gen, dtype=torch.float64)
    got = student.call("corr2d_pad_stride", X, K, 0, 2)
    diagnose_pad_stride(got, X, K, 0, 2, "corr2d_pad_stride(X 7×9, K 2×2, stride=2)")


@grades("ch6.corr2d_pad_stride", en="matches F.conv2d(padding=…, stride=…) on random inputs",
        zh="随机输入下与 F.conv2d(padding=…, stride=…) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_pad_stride_random(student, gen, dtype, device):
    cases = [((7, 9), (3, 2), (2, 1), (2, 3)), ((6, 5), (1, 3), 1, (3, 1)),
             ((5, 8), (5, 4), (0, 2), 1), ((9, 6), (2, 2), 0, 1)]
    inputs = [(torch.randn(h, w, generator=gen, dtype=dtype).to(device),
               torch.randn(kh, kw, generator=gen, dtype=dtype).to(device))
              for (h, w), (kh, kw), _, _ in cases]
    got = student.probe(probe_calls, "corr2d_pad_stride",
                        [((X, K), {"padding": p, "stride": s}) for (X, K), (_, _, p, s) in zip(inputs, cases)])
    for ((h, w), (kh, kw), padding, stride), (X, K), g in zip(cases, inputs, got):
        diagnose_pad_stride(g, X, K, padding, stride,
                            f"corr2d_pad_stride(X {h}×{w}, K {kh}×{kw}, padding={padding}, stride={stride})")
