"""Grader for 2.5 自动微分 (Automatic Differentiation): grad_of_sum, control_flow_grad.

grad_of_sum takes a function, so it is probed in the child (the probe also watches x for side
effects); control_flow_grad takes and returns plain tensors, so student.call is enough. Expected
gradients are computed here, in the supervisor, with torch.autograd.grad on a fresh leaf.
"""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, as_list, expect, expect_close, grades, mistake_if,
                                mistake_on_error, probes_for, reference)

ref = reference(__file__)
probes = probes_for(__file__)

SCALAR_ONLY = "only for scalar outputs"  # "grad can be implicitly created only for scalar outputs"


# ============================================================================ grad_of_sum


def exact_grad_of_sum(fname, x):
    x1 = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(probes.FUNCTIONS[fname](x1).sum(), x1)
    return g


@grades("ch2.grad_of_sum", en="the book's y = 2xᵀx, called twice (gradients must not accumulate)",
        zh="书中的 y = 2xᵀx，调用两次（梯度不能累积）")
def test_book_scalar_twice(student):
    x = torch.arange(4.0)
    res = student.probe(probes.probe_grad_of_sum, "book_scalar", x)
    expected = torch.tensor([0.0, 4.0, 8.0, 12.0])
    expect_close(res["first"], expected, what="grad_of_sum(f, x), first call")
    second = res["second"]
    mistake_if(isinstance(second, torch.Tensor) and torch.allclose(second, 2 * expected),
               "grad-accumulates", got=as_list(second), expected=expected.tolist(),
               what="grad_of_sum(f, x), second call")
    expect_close(second, expected, what="grad_of_sum(f, x), second call")


@grades("ch2.grad_of_sum", en="the book's non-scalar y = x * x", zh="书中的非标量 y = x * x")
def test_book_vector(student):
    x = torch.arange(4.0)
    with mistake_on_error("backward-non-scalar", match=SCALAR_ONLY):
        res = student.probe(probes.probe_grad_of_sum, "book_vector", x)
    expect_close(res["first"], 2 * x, what="grad_of_sum(lambda x: x * x, x)")


@grades("ch2.grad_of_sum", en="no side effects on x (requires_grad, .grad)",
        zh="对 x 没有副作用（requires_grad、.grad）")
def test_no_side_effects(student):
    x = torch.arange(4.0)
    res = student.probe(probes.probe_grad_of_sum, "book_vector", x, False)
    mistake_if(res["requires_grad"], "requires-grad-left-on", what="x.requires_grad after the call",
               got=True, expected=False)
    expect(res["grad_is_none"], what="x.grad is None after the call")
    # and an x that already requires grad
    res = student.probe(probes.probe_grad_of_sum, "book_vector", x, True)
    expect(res["requires_grad"], what="x.requires_grad still True after the call")
    expect(res["grad_is_none"], what="x.grad is still None after the call")
    expect_close(res["second"], 2 * x, what="grad_of_sum(f, x) for x.requires_grad=True")


@grades("ch2.grad_of_sum", en="random tensors, as torch.autograd.grad",
        zh="随机张量，与 torch.autograd.grad 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_grad_of_sum_random(student, gen, dtype, device):
    x = torch.randn(3, 4, generator=gen, dtype=dtype).to(device)
    res = student.probe(probes.probe_grad_of_sum, "wavy", x)
    expected = exact_grad_of_sum("wavy", x)
    expect_close(res["first"], expected, what="grad_of_sum(f, x)")
    expect_close(res["second"], expected, what="grad_of_sum(f, x), second call")


# ============================================================================ control_flow_grad


def check_control_flow(student, a):
    # a.item() fails on a vector: "a Tensor with 5 elements cannot be converted to Scalar"
    with mistake_on_error("item-on-vector", match="cannot be converted to Scalar"), \
         mistake_on_error("backward-non-scalar", match=SCALAR_ONLY):
        got = student.call("control_flow_grad", a)
    expect(isinstance(got, tuple) and len(got) == 2, what="control_flow_grad(a) returns (d, grad)",
           got=got)
    d_exp, _ = ref.control_flow_grad(a)
    expect_close(got[0], d_exp, what="d = f(a)")
    # d = k·a for a constant k, so the gradient of d.sum() is d / a elementwise (the book's check)
    expect_close(got[1], d_exp / a, what="grad, compared with d / a")


@grades("ch2.control_flow_grad", en="the book's scalar a", zh="书中的标量 a")
def test_control_flow_scalar(student, gen):
    check_control_flow(student, torch.randn(size=(), generator=gen))


@grades("ch2.control_flow_grad", en="exercise 3: a vector a", zh="练习 3：向量 a")
def test_control_flow_vector(student, gen):
    check_control_flow(student, torch.randn(5, generator=gen, dtype=torch.float64))


@grades("ch2.control_flow_grad", en="the other branch: b.sum() <= 0 gives c = 100 * b",
        zh="另一个分支：b.sum() <= 0 时 c = 100 * b")
def test_control_flow_negative_branch(student, gen):
    check_control_flow(student, -torch.rand(4, generator=gen, dtype=torch.float64) - 0.1)


@grades("ch2.control_flow_grad", en="the edges: ‖2a‖ exactly 1000, just under it, already far "
        "above it, and b.sum() exactly 0 or just above it",
        zh="边界情况：‖2a‖ 恰为 1000、略小于 1000、远大于 1000，以及 b.sum() 恰为 0 或略大于 0")
@pytest.mark.parametrize("a", [[300.0, 400.0], [299.85, 399.8], [3000.0, 4000.0], [1.0, -1.0],
                               [1.0, -1.0 + 2.0 ** -20]],
                         ids=["norm-1000", "norm-999.5", "norm-10000", "sum-0", "sum-tiny"])
def test_control_flow_edges(student, a):
    # b = 2a first (never a itself), doubled while ‖b‖ < 1000 (not <=); c = b only if b.sum() > 0
    check_control_flow(student, torch.tensor(a, dtype=torch.float64))


@grades("ch2.control_flow_grad", en="random tensors of another shape", zh="其他形状的随机张量")
@pytest.mark.parametrize("dtype", FLOATS)
def test_control_flow_random(student, gen, dtype, device):
    check_control_flow(student, torch.randn(2, 3, generator=gen, dtype=dtype).to(device))
