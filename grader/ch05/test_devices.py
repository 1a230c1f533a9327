"""Grader for 5.6 GPUs: try_gpu, with torch.cuda.device_count monkeypatched to 0, 1, 2."""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, expect, expect_close, expect_equal, grades, mistake_if,
                                probes_for, reference)

ref = reference(__file__)
probes = probes_for(__file__)


def _expected(count, i):
    i = 0 if i is None else i
    return torch.device(f"cuda:{i}") if count >= i + 1 else torch.device("cpu")


def _check(got, count, i):
    label = f"try_gpu({'' if i is None else i}) with {count} GPU(s)"
    mistake_if(isinstance(got, str), "returns-str", what=f"type({label})", got=repr(got), expected=repr(_expected(count, i)))
    expect(isinstance(got, torch.device), what=f"type({label})", expected="torch.device",
           got=type(got).__name__)
    expect_equal(got, _expected(count, i), what=label)


@grades("ch5.try_gpu", en="one GPU: try_gpu(0) is torch.device('cuda:0')",
        zh="一块 GPU：try_gpu(0) 是 torch.device('cuda:0')")
def test_try_gpu_one(student):
    _check(student.probe(probes.probe_try_gpu, 1, 0), 1, 0)


@grades("ch5.try_gpu", en="two GPUs: try_gpu(5) is the CPU", zh="两块 GPU：try_gpu(5) 是 CPU")
def test_try_gpu_missing_index(student):
    got = student.probe(probes.probe_try_gpu, 2, 5)
    mistake_if(got == torch.device("cuda:5") or got == "cuda:5", "is-available-only", what="try_gpu(5) with 2 GPUs", got=got,
               expected=torch.device("cpu"))
    _check(got, 2, 5)


@grades("ch5.try_gpu", en="one GPU: there is no cuda:1", zh="一块 GPU：没有 cuda:1")
def test_try_gpu_off_by_one(student):
    got = student.probe(probes.probe_try_gpu, 1, 1)
    mistake_if(got == torch.device("cuda:1") or got == "cuda:1", "off-by-one", what="try_gpu(1) with 1 GPU", got=got,
               expected=torch.device("cpu"))
    _check(got, 1, 1)


@grades("ch5.try_gpu", en="0, 1 and 2 GPUs, i = 0, 1, 2 and the default",
        zh="0、1、2 块 GPU，i = 0、1、2 以及默认值")
@pytest.mark.parametrize("count", [0, 1, 2])
def test_try_gpu_table(student, count):
    indices = [None, 0, 1, 2]
    for i, got in zip(indices, student.probe(probes.probe_try_gpu_table, count, indices)):
        _check(got, count, i)


# ------------------------------------------------------------------------------ product_norms
def _running_norms(matrices):
    """The supervisor's answer: the loop in float64, cast back."""
    M = matrices.double()
    P = M[0]
    out = [torch.linalg.matrix_norm(P)]
    for A in M[1:]:
        P = P @ A
        out.append(torch.linalg.matrix_norm(P))
    return torch.stack(out).to(matrices.dtype)


def _diagnose_norms(got, matrices, what):
    expected = _running_norms(matrices)
    expect(isinstance(got, torch.Tensor) and got.shape == expected.shape, what=what,
           expected=f"Tensor of shape {tuple(expected.shape)}", got=got)
    g, e = got.double().cpu(), expected.double().cpu()
    if torch.allclose(g, e, rtol=1e-4):
        return
    mistake_if(torch.allclose(g, e ** 2, rtol=1e-4), "squared-norm", what=what,
               got="||P||_F²", expected="||P||_F")
    rev = _running_norms(matrices.transpose(-1, -2)).double().cpu()  # ||(M_i…M_0)ᵀ||_F
    mistake_if(torch.allclose(g, rev, rtol=1e-4), "reversed-order", what=what,
               got="norms of M_i @ … @ M_0", expected="norms of M_0 @ … @ M_i")


@grades("ch5.product_norms", en="scaled identities: (i + 1)·I₃ gives √3·[1, 2, 6, 24]",
        zh="数乘单位矩阵：(i + 1)·I₃ 得到 √3·[1, 2, 6, 24]")
def test_product_norms_fixed(student, device):
    matrices = torch.stack([(i + 1.0) * torch.eye(3, dtype=torch.float64) for i in range(4)]).to(device)
    got = student.call("product_norms", matrices)
    _diagnose_norms(got, matrices, "product_norms((i + 1)·I₃, i < 4)")
    expected = 3 ** 0.5 * torch.tensor([1.0, 2.0, 6.0, 24.0], dtype=torch.float64).to(device)
    expect_close(got, expected, what="product_norms((i + 1)·I₃, i < 4)")


@grades("ch5.product_norms", en="multiplies on the right: P = P @ M (non-commuting matrices)",
        zh="右乘：P = P @ M（不可交换的矩阵）")
def test_product_norms_order(student, device):
    A = torch.tensor([[1.0, 2.0], [0.0, 1.0]], dtype=torch.float64)
    B = torch.tensor([[1.0, 0.0], [0.0, 3.0]], dtype=torch.float64)
    C = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    matrices = torch.stack([A, B, C, B]).to(device)
    got = student.call("product_norms", matrices)
    _diagnose_norms(got, matrices, "product_norms([A, B, C, B])")
    expect_close(got, _running_norms(matrices), rtol=1e-6, what="product_norms([A, B, C, B])")


@grades("ch5.product_norms", en="24 random 12×12 matrices vs a reference loop",
        zh="24 个随机 12×12 矩阵，与参考循环比较")
@pytest.mark.parametrize("dtype", FLOATS)
def test_product_norms_random(student, gen, dtype, device):
    matrices = (torch.randn(24, 12, 12, generator=gen, dtype=dtype) / 12 ** 0.5).to(device)
    got = student.call("product_norms", matrices)
    _diagnose_norms(got, matrices, "product_norms(24 × 12×12)")
    expect_close(got, _running_norms(matrices), rtol=1e-6 if dtype == torch.float64 else 1e-4,
                 what="product_norms(24 × 12×12)")
