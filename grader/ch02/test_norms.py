"""Grader for 2.3 线性代数 (Linear Algebra): vector_norm, frobenius_norm, row_normalize."""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, as_number, expect_close, grades, is_close, mistake_if,
                                mistake_on_error)

NEAR = {"rtol": 1e-4, "atol": 1e-4}  # how close a wrong answer must come to a mistake's to name it


# ============================================================================ vector_norm
U = [3.0, -4.0]  # the book's u (2.3.10)


@grades("ch2.vector_norm", en="the book's L1 norm of [3, -4] is 7", zh="书中的例子：[3, -4] 的 L1 范数为 7")
def test_l1_book(student):
    got = student.call("vector_norm", torch.tensor(U), 1.0)
    mistake_if(is_close(got, torch.tensor(-1.0), **NEAR), "l1-no-abs", got=-1.0, expected=7.0,
               what="vector_norm([3., -4.], p=1)")
    expect_close(got, torch.tensor(7.0), what="vector_norm([3., -4.], p=1)")


@grades("ch2.vector_norm", en="the book's L2 norm of [3, -4] is 5", zh="书中的例子：[3, -4] 的 L2 范数为 5")
def test_l2_book(student):
    got = student.call("vector_norm", torch.tensor(U))
    if is_close(got, torch.tensor(25.0), **NEAR):
        # no root at all, for every p: p = 3 gives the sum of cubes, 27 + 64 = 91
        cubes = student.call("vector_norm", torch.tensor(U), 3.0)
        mistake_if(is_close(cubes, torch.tensor(91.0), **NEAR), "missing-root", got=25.0,
                   expected=5.0, what="vector_norm([3., -4.])")
    expect_close(got, torch.tensor(5.0), what="vector_norm([3., -4.])")


@grades("ch2.vector_norm", en="the inf-norm of an all-negative vector", zh="全为负数的向量的无穷范数")
def test_inf_negative(student):
    got = student.call("vector_norm", torch.tensor([-3.0, -4.0]), float("inf"))
    mistake_if(is_close(got, torch.tensor(-3.0), **NEAR), "inf-norm-no-abs", got=-3.0, expected=4.0,
               what="vector_norm([-3., -4.], p=inf)")
    expect_close(got, torch.tensor(4.0), what="vector_norm([-3., -4.], p=inf)")


@grades("ch2.vector_norm", en="random tensors, p in {1, 2, 3, inf}, as torch.linalg.vector_norm",
        zh="随机张量，p ∈ {1, 2, 3, inf}，与 torch.linalg.vector_norm 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_vector_norm_random(student, gen, dtype, device):
    x = torch.randn(3, 4, 5, generator=gen, dtype=dtype).to(device)  # any shape, taken flat
    for p in (1.0, 2.0, 3.0, float("inf")):
        expect_close(student.call("vector_norm", x, p), torch.linalg.vector_norm(x, ord=p),
                     what=f"vector_norm(x, p={p})")


# ============================================================================ frobenius_norm


# Uneven entries of both signs: the mistakes' formulas all give different values here (on a
# matrix of ones, Σx², (Σx)², Σ√x and the sum of row norms cannot be told apart).
UNEVEN = [[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]]


def diagnose_frobenius(student, got, expected, what):
    """`got` (the learner's wrong answer on a check's input) names a mistake only when the
    learner's answer on UNEVEN is that mistake's value too."""
    X = torch.tensor(UNEVEN, dtype=torch.float64)
    uneven = student.call("frobenius_norm", X)
    shown = {"what": what, "got": as_number(got), "expected": expected}
    mistake_if(is_close(uneven, torch.linalg.matrix_norm(X, ord=2), **NEAR), "spectral-norm",
               **shown)
    mistake_if(is_close(uneven, (X * X).sum(), **NEAR), "missing-sqrt", **shown)
    mistake_if(is_close(uneven, torch.linalg.vector_norm(X, dim=1).sum(), **NEAR),
               "sum-of-row-norms", **shown)


@grades("ch2.frobenius_norm", en="the book's example: torch.ones((4, 9)) has norm 6",
        zh="书中的例子：torch.ones((4, 9)) 的范数为 6")
def test_frobenius_book(student):
    got = student.call("frobenius_norm", torch.ones((4, 9)))
    what = "frobenius_norm(torch.ones((4, 9)))"
    if not is_close(got, torch.tensor(6.0)):
        diagnose_frobenius(student, got, 6.0, what)
    expect_close(got, torch.tensor(6.0), what=what)


@grades("ch2.frobenius_norm", en="a rank-2 matrix: not the spectral norm",
        zh="秩为 2 的矩阵：不是谱范数")
def test_frobenius_not_spectral(student):
    # Frobenius 5, spectral (largest singular value) 4, sum of row norms 7
    X = torch.tensor([[3.0, 0.0], [0.0, 4.0], [0.0, 0.0]], dtype=torch.float64)
    got = student.call("frobenius_norm", X)
    fro = torch.linalg.matrix_norm(X, ord="fro")
    if not is_close(got, fro):
        diagnose_frobenius(student, got, float(fro), "frobenius_norm([[3, 0], [0, 4], [0, 0]])")
    expect_close(got, torch.linalg.matrix_norm(X, ord="fro"), what="frobenius_norm(X)")


@grades("ch2.frobenius_norm", en="random matrices, as torch.linalg.matrix_norm(ord='fro')",
        zh="随机矩阵，与 torch.linalg.matrix_norm(ord='fro') 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_frobenius_random(student, gen, dtype, device):
    X = torch.randn(5, 7, generator=gen, dtype=dtype).to(device)
    expect_close(student.call("frobenius_norm", X), torch.linalg.matrix_norm(X, ord="fro"),
                 what="frobenius_norm(X)")


# ============================================================================ row_normalize


def check_rows(got, A):
    expect_close(got, A / A.sum(dim=1, keepdim=True), what="row_normalize(A)")
    expect_close(got.sum(dim=1), torch.ones(A.shape[0], dtype=A.dtype, device=A.device),
                 what="row_normalize(A).sum(dim=1)")


@grades("ch2.row_normalize", en="a 5×4 matrix (exercise 6: non-square)", zh="5×4 矩阵（练习 6：非方阵）")
def test_row_normalize_nonsquare(student):
    A = torch.arange(1.0, 21.0, dtype=torch.float64).reshape(5, 4)
    # (5, 4) / (5,) broadcasts as (5, 4) / (1, 5): "The size of tensor a (4) must match ..."
    with mistake_on_error("missing-keepdim", match="must match the size"):
        got = student.call("row_normalize", A)
    check_rows(got, A)


@grades("ch2.row_normalize", en="a 3×3 matrix: rows, not columns", zh="3×3 矩阵：按行而不是按列")
def test_row_normalize_square(student):
    A = torch.arange(1.0, 10.0, dtype=torch.float64).reshape(3, 3)
    got = student.call("row_normalize", A)
    # without keepdim a square A runs, dividing column j by the sum of row j
    mistake_if(isinstance(got, torch.Tensor) and got.shape == A.shape
               and torch.allclose(got, A / A.sum(dim=1)), "missing-keepdim",
               what="row_normalize(A).sum(dim=1)", expected=[1.0, 1.0, 1.0],
               got=got.sum(dim=1).tolist() if isinstance(got, torch.Tensor) else got)
    check_rows(got, A)


@grades("ch2.row_normalize", en="random positive matrices", zh="随机正数矩阵")
@pytest.mark.parametrize("dtype", FLOATS)
def test_row_normalize_random(student, gen, dtype, device):
    A = (torch.rand(6, 4, generator=gen, dtype=dtype) + 0.1).to(device)
    check_rows(student.call("row_normalize", A), A)
