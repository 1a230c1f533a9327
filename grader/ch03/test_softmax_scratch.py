"""Grader for 3.6 softmax回归的从零开始实现: softmax, cross_entropy, accuracy."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from d2lkit.grading.api import (FLOATS, expect, expect_close, expect_equal, expect_tensor, grades,
                                is_close, mistake_if, mistake_on_error, shape_of)


def sums_to_one(P, dim):
    return bool(torch.allclose(P.sum(dim), torch.ones((), dtype=P.dtype, device=P.device), atol=1e-6))


def call_softmax(student, X):
    """The learner's softmax(X), checked to be a tensor of X's shape."""
    P = expect_tensor(student.call("softmax", X), "softmax(X)")
    expect_equal(tuple(P.shape), tuple(X.shape), what="softmax(X).shape")
    return P


# ------------------------------------------------------------------------------------- softmax

def keepdim_variants(X):
    """softmax(X) as code that drops keepdim in the row max, the row sum or both computes it:
    on a square X the (n,) vector broadcasts along the columns instead of the rows."""
    out = []
    for max_keep, sum_keep in ((False, True), (True, False), (False, False)):
        m = X.max(dim=1, keepdim=max_keep).values
        e = torch.exp(X - m)
        out.append(e / e.sum(dim=1, keepdim=sum_keep))
    return out


@grades("ch3.softmax", en="the book's example: a 2×5 matrix, as torch.softmax(X, dim=1)",
        zh="书中的例子：2×5 的矩阵，与 torch.softmax(X, dim=1) 一致")
def test_softmax_book_example(student, gen, device):
    X = torch.normal(0, 1, (2, 5), generator=gen, dtype=torch.float64).to(device)
    with mistake_on_error("missing-keepdim", match="must match"):   # (2, 5) / (2,) does not broadcast
        P = call_softmax(student, X)
    mistake_if(sums_to_one(P, 0) and not sums_to_one(P, 1), "sum-over-dim0", what="softmax(X).sum(dim=1)",
               got=P.sum(dim=1).tolist(), expected=[1.0, 1.0])
    expect_close(P, torch.softmax(X, dim=1), what="softmax(X)")


@grades("ch3.softmax", en="a square input: rows, not columns, sum to 1",
        zh="方阵输入：和为 1 的是行，而不是列")
def test_softmax_square(student, gen, device):
    X = torch.normal(0, 1, (4, 4), generator=gen, dtype=torch.float64).to(device)
    P = call_softmax(student, X)
    # Right on a 2×5 input but wrong on a square one: a row max or row sums of shape (n,)
    # broadcast along the columns (column j shifted or divided by row j's).
    mistake_if(any(is_close(P, v) for v in keepdim_variants(X)), "missing-keepdim",
               what="softmax(X).sum(dim=1)", got=P.sum(dim=1).tolist(), expected=[1.0] * 4)
    expect_close(P, torch.softmax(X, dim=1), what="softmax(X)")


@grades("ch3.softmax", en="stays finite on the rows [[1000, 0], [-1000, 0]] in float32",
        zh="在 float32 中对 [[1000, 0], [-1000, 0]] 仍然有限")
def test_softmax_stress(student, device):
    X = torch.tensor([[1000.0, 0.0], [-1000.0, 0.0]], dtype=torch.float32, device=device)
    P = call_softmax(student, X)
    # exp(1000) overflows (float32 overflows above ≈88.7): inf / inf = nan in the first row and
    # the second row is right. A global max or a row min breaks other entries: not this mistake.
    naive = torch.exp(X) / torch.exp(X).sum(dim=1, keepdim=True)
    mistake_if(is_close(P, naive), "no-max-subtraction", what="softmax(X)",
               got=P.tolist(), expected=[[1.0, 0.0], [0.0, 1.0]])
    # one maximum for the whole matrix (1000): the second row underflows to 0/0 = nan, the first
    # is right
    shifted = torch.exp(X - X.max())
    mistake_if(is_close(P, shifted / shifted.sum(dim=1, keepdim=True)), "global-max",
               what="softmax(X)", got=P.tolist(), expected=[[1.0, 0.0], [0.0, 1.0]])
    expect_close(P, torch.softmax(X, dim=1), atol=1e-6, what="softmax(X)")


@grades("ch3.softmax", en="matches torch.softmax(X, dim=1) on random inputs",
        zh="在随机输入上与 torch.softmax(X, dim=1) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_random(student, gen, dtype, device):
    X = (10 * torch.randn(7, 11, generator=gen, dtype=dtype)).to(device)
    expect_close(student.call("softmax", X), torch.softmax(X, dim=1),
                 atol=1e-6 if dtype == torch.float32 else None, what="softmax(X)")


@st.composite
def logits_and_row_shifts(draw):
    """An (n, q) matrix and one shift per row, large enough that exp(X + c) overflows float64."""
    n, q = draw(st.integers(1, 8)), draw(st.integers(1, 6))
    values = draw(st.lists(st.floats(-30, 30), min_size=n * q, max_size=n * q))
    shifts = draw(st.lists(st.floats(-1000, 1000), min_size=n, max_size=n))
    return (torch.tensor(values, dtype=torch.float64).reshape(n, q),
            torch.tensor(shifts, dtype=torch.float64).reshape(n, 1))


@grades("ch3.softmax", en="property: rows sum to 1, and adding a constant to a row changes nothing",
        zh="性质：每行的和为 1，并且给一行加上同一个常数不改变结果")
@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=logits_and_row_shifts())
def test_softmax_properties(student, device, case):
    # Each example is one sandboxed call holding up to 8 rows, so 10 examples keep this check fast.
    X, c = case
    n = len(X)
    P_both = call_softmax(student, torch.cat([X, X + c]).to(device))
    P, P_shifted = P_both[:n], P_both[n:]
    expect_close(P.sum(dim=1), torch.ones(n, dtype=X.dtype, device=device), what="softmax(X).sum(dim=1)")
    expect_close(P_shifted, P, what="softmax(X + c) vs softmax(X)")


# ------------------------------------------------------------------------------- cross_entropy

@grades("ch3.cross_entropy", en="the book's example gives [2.3026, 0.6931]",
        zh="书中的例子得到 [2.3026, 0.6931]")
def test_cross_entropy_book_example(student, device):
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]], device=device)
    y = torch.tensor([0, 2], device=device)
    got = student.call("cross_entropy", y_hat, y)
    mistake_if(shape_of(got) == (2, 2), "column-indexing", what="cross_entropy(y_hat, y).shape",
               got=shape_of(got), expected=(2,))
    mistake_if(shape_of(got) == (), "mean-reduced", what="cross_entropy(y_hat, y).shape", got=shape_of(got),
               expected=(2,))
    expect_close(got, -torch.log(torch.tensor([0.1, 0.5], device=device)), what="cross_entropy(y_hat, y)")


@grades("ch3.cross_entropy", en="matches F.nll_loss(log(y_hat), y, reduction='none')",
        zh="与 F.nll_loss(log(y_hat), y, reduction='none') 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_random(student, gen, dtype, device):
    y_hat = torch.softmax(torch.randn(9, 4, generator=gen, dtype=dtype), dim=1).to(device)
    y = torch.randint(0, 4, (9,), generator=gen).to(device)
    expect_close(student.call("cross_entropy", y_hat, y),
                 F.nll_loss(torch.log(y_hat), y, reduction="none"), what="cross_entropy(y_hat, y)")


# ------------------------------------------------------------------------------------ accuracy

@grades("ch3.accuracy", en="the book's example: one correct out of two gives 1.0 (a count)",
        zh="书中的例子：两个中对了一个，得到 1.0（数量）")
def test_accuracy_book_example(student, device):
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]], device=device)
    y = torch.tensor([0, 2], device=device)
    # 3 column argmaxes against 2 labels (scores never reduced fail at dimension 1 instead)
    with mistake_on_error("argmax-dim0", match="at non-singleton dimension 0"):
        got = student.call("accuracy", y_hat, y)
    mistake_if(got == 0.5, "returns-fraction", what="accuracy(y_hat, y)", got=got, expected=1.0)
    expect(isinstance(got, float), what="type(accuracy(y_hat, y))", expected="float",
           got=type(got).__name__)
    expect_equal(got, 1.0, what="accuracy(y_hat, y)")


@grades("ch3.accuracy", en="the argmax runs over the classes (dim 1) of a square input",
        zh="方阵输入时在类别维度（dim 1）上取 argmax")
def test_accuracy_square(student, device):
    # Every row's argmax is its label (5 correct); the column argmaxes [3, 4, 3, 0, 1] hit the
    # labels twice, and argmin or `!=` hit them never, so only argmax(dim=0) gives 2.
    y_hat = torch.tensor([[1.0, 4.1, 3.2, 8.3, 0.4],
                          [4.0, 4.1, 3.2, 0.3, 8.4],
                          [6.0, 6.1, 1.2, 5.3, 4.4],
                          [7.0, 2.1, 8.2, 4.3, 4.4],
                          [4.0, 7.1, 7.2, 7.3, 4.4]], dtype=torch.float64)
    y = torch.tensor([3, 4, 1, 2, 3])
    got = student.call("accuracy", y_hat.to(device), y.to(device))
    mistake_if(got == float((y_hat.argmax(dim=0) == y).sum()), "argmax-dim0", what="accuracy(y_hat, y)",
               got=got, expected=5.0)
    expect_equal(got, 5.0, what="accuracy(y_hat, y)")


@grades("ch3.accuracy", en="counts correct predictions on random scores",
        zh="在随机分数上统计预测正确的数量")
@pytest.mark.parametrize("dtype", FLOATS)
def test_accuracy_random(student, gen, dtype, device):
    y_hat = torch.randn(40, 7, generator=gen, dtype=dtype)
    guess = torch.randint(0, 7, (40,), generator=gen)
    y = torch.where(torch.rand(40, generator=gen) < 0.5, y_hat.argmax(dim=1), guess)
    got = student.call("accuracy", y_hat.to(device), y.to(device))
    count = float((y_hat.argmax(dim=1) == y).sum())
    mistake_if(got == count / 40, "returns-fraction", what="accuracy(y_hat, y)", got=got, expected=count)
    expect_equal(got, count, what="accuracy(y_hat, y)")


@grades("ch3.accuracy", en="two classes, and a single example: still (n, q) scores",
        zh="两个类别，以及只有一个样本：仍然是 (n, q) 的分数")
def test_accuracy_two_classes_and_one_example(student, device):
    y_hat = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], device=device)
    y = torch.tensor([0, 1, 1], device=device)
    expect_equal(student.call("accuracy", y_hat, y), 2.0, what="accuracy(two-class scores, y)")
    one = torch.tensor([[0.1, 0.7, 0.2]], device=device)
    expect_equal(student.call("accuracy", one, torch.tensor([1], device=device)), 1.0,
                 what="accuracy([[0.1, 0.7, 0.2]], [1])")


@grades("ch3.accuracy", en="y_hat may already be labels, shape (n,)",
        zh="y_hat 也可以已经是形状为 (n,) 的标签")
def test_accuracy_labels(student, device):
    y_hat = torch.tensor([0, 1, 2, 2, 1, 0])
    y = torch.tensor([0, 1, 1, 2, 0, 0])
    expect_equal(student.call("accuracy", y_hat.to(device), y.to(device)), 4.0,
                 what="accuracy(labels, y)")
