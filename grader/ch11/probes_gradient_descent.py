"""Probes of test_gradient_descent.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution. `f_2d_grad` and `momentum_2d` are the
book's own functions, used by the grader as well."""


def f_2d_grad(x1, x2):
    """The gradient of the book's f(x1, x2) = x1² + 2 x2² (11.3.2)."""
    return (2 * x1, 4 * x2)


def momentum_2d(x1, x2, v1, v2, eta=0.6, beta=0.5):
    """The book's momentum trainer (11.6.1) on f(x1, x2) = 0.1 x1² + 2 x2²: a trainer without
    f_grad whose states (the velocities v1, v2) matter."""
    v1 = beta * v1 + 0.2 * x1
    v2 = beta * v2 + 4 * x2
    return x1 - eta * v1, x2 - eta * v2, v1, v2


def probe_gd_2d(mod, cases):
    """The learner's gd_2d on f_2d_grad, for each (x1, x2, s1, s2, eta) of `cases` (eta None: the
    default), as lists of floats."""
    out = []
    for x1, x2, s1, s2, eta in cases:
        step = (mod.gd_2d(x1, x2, s1, s2, f_2d_grad) if eta is None
                else mod.gd_2d(x1, x2, s1, s2, f_2d_grad, eta))
        out.append([float(v) for v in step])
    return out


def probe_train_2d(mod, trainer, steps):
    """The learner's train_2d with the learner's gd_2d and f_2d_grad (trainer "gd_2d"), or with
    the book's momentum_2d and no f_grad (trainer "momentum_2d"); the points as [x1, x2] floats."""
    if trainer == "gd_2d":
        results = mod.train_2d(mod.gd_2d, steps, f_2d_grad)
    else:
        results = mod.train_2d(momentum_2d, steps)
    return [[float(x1), float(x2)] for x1, x2 in results]
