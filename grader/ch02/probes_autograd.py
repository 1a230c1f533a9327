"""Probes of test_autograd.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def f_book_scalar(x):
    """2.5.1: y = 2 xᵀx, whose gradient is 4x."""
    return 2 * torch.dot(x, x)


def f_book_vector(x):
    """2.5.2: y = x * x (not a scalar), whose summed gradient is 2x."""
    return x * x


def f_wavy(x):
    return torch.sin(x) * x + x ** 2


FUNCTIONS = {"book_scalar": f_book_scalar, "book_vector": f_book_vector, "wavy": f_wavy}


def probe_grad_of_sum(mod, fname, x, x_requires_grad=False):
    """Runs in the child: two calls in a row, then what is left on x."""
    x.requires_grad_(x_requires_grad)
    g1 = mod.grad_of_sum(FUNCTIONS[fname], x)
    g2 = mod.grad_of_sum(FUNCTIONS[fname], x)
    detach = lambda g: g.detach() if isinstance(g, torch.Tensor) else g  # noqa: E731
    return {"first": detach(g1), "second": detach(g2), "requires_grad": x.requires_grad,
            "grad_is_none": x.grad is None}
