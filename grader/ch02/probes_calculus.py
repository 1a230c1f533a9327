"""Probes of test_calculus.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def f_exercise2(x):
    """2.4 exercise 2: f(x) = 3 x1^2 + 5 e^(x2); its gradient is [6 x1, 5 e^(x2)]."""
    return 3 * x[0] ** 2 + 5 * torch.exp(x[1])


def f_l2(x):
    """2.4 exercise 3: f(x) = ||x||_2 (written out: the learner's code must not meet a norm)."""
    return (x * x).sum().sqrt()


def f_wavy(x):
    """A smooth function of a tensor of any shape."""
    return (torch.sin(x) * x).sum() + 0.5 * (x ** 3).sum()


FUNCTIONS = {"exercise2": f_exercise2, "l2": f_l2, "wavy": f_wavy}


def probe_numerical_grad(mod, fname, x, h=None):
    """Runs in the child: the learner's numerical_grad on FUNCTIONS[fname]; did x change?"""
    x0 = x.clone()
    args = (FUNCTIONS[fname], x) if h is None else (FUNCTIONS[fname], x, h)
    g = mod.numerical_grad(*args)
    return {"grad": g, "x_unchanged": torch.equal(x, x0)}
