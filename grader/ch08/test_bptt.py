"""Grader for 8.7 通过时间反向传播 (stretch): power_iteration."""
import pytest
import torch

from d2lkit.grading.api import FLOATS, Gen, expect, expect_close, expect_equal, grades, mistake_if

PI = "ch8.power_iteration"


def _symmetric(gen, dtype, eigenvalues=(-5.0, 3.0, 1.0, 0.5, -0.1, 0.05)):
    n = len(eigenvalues)
    Q, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    M = Q @ torch.diag(torch.tensor(eigenvalues, dtype=torch.float64)) @ Q.T
    return M.to(dtype), Q[:, 0].to(dtype)


@grades(PI, en="the result is a unit vector", zh="结果是单位向量")
def test_unit_norm(student, gen, seed):
    M, top = _symmetric(gen, torch.float64)
    v = student.call("power_iteration", M, 40, generator=Gen(seed))
    expect(isinstance(v, torch.Tensor) and tuple(v.shape) == (M.shape[0],), what="power_iteration(M, 40)",
           expected=f"Tensor{(M.shape[0],)}", got=v)
    norm = float(torch.linalg.vector_norm(v.double()))
    cos = abs(float(v.double() @ top.double())) / max(norm, 1e-300)
    mistake_if(abs(norm - 1.0) > 1e-6 and cos > 0.999, "not-normalized", what="||v||", got=norm,
               expected=1.0)
    expect(abs(norm - 1.0) < 1e-9, what="||v||", expected=1.0, got=norm)


@grades(PI, en="aligns with the eigenvector of the largest |eigenvalue| (a negative one here)",
        zh="与绝对值最大的特征值（这里为负）对应的特征向量对齐")
@pytest.mark.parametrize("dtype", FLOATS)
def test_aligns(student, gen, seed, dtype, device):
    M, top = _symmetric(gen, dtype)
    v = student.call("power_iteration", M.to(device), 60, generator=Gen(seed))
    expect_equal(v.dtype, dtype, what="v.dtype")
    cos = abs(float(v.double().cpu() @ top.double()))
    expect(cos > 1 - (1e-9 if dtype == torch.float64 else 1e-5), what="|cos(v, top eigenvector)|",
           expected=1.0, got=cos)


@grades(PI, en="same seed, same vector; another seed, another start",
        zh="相同的种子得到相同的向量；不同的种子得到不同的起点")
def test_seeded(student, gen, seed):
    M, _ = _symmetric(gen, torch.float64)
    a = student.call("power_iteration", M, 3, generator=Gen(seed))
    b = student.call("power_iteration", M, 3, generator=Gen(seed))
    expect_equal(a, b, what="power_iteration(M, 3) twice with the same seed")
    starts = [student.call("power_iteration", torch.eye(4, dtype=torch.float64), 0, generator=Gen(seed + i))
              for i in range(3)]
    for s in starts:
        expect_close(torch.linalg.vector_norm(s), torch.tensor(1.0, dtype=torch.float64),
                     what="||power_iteration(I, 0)||")
    expect(not torch.equal(starts[0], starts[1]) and not torch.equal(starts[1], starts[2]),
           what="random starts for different seeds", expected="different vectors", got="equal vectors")
