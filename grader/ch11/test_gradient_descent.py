"""Grader for 11.3.2 多元梯度下降: gd_2d and train_2d, the book's tool for watching an optimizer's
path on a function of two variables."""
import random

import torch

from d2lkit.grading.api import (expect_close, expect_equal, grades, is_close, mistake_if,
                                probes_for)

probes = probes_for(__file__)

TRAIN_2D = "ch11.train_2d"
NEAR = {"rtol": 1e-6, "atol": 1e-9}  # how closely a path must follow a mistake's path to name it


def gd_step(x1, x2, eta=0.1, sign=-1):
    g1, g2 = probes.f_2d_grad(x1, x2)
    return [x1 + sign * eta * g1, x2 + sign * eta * g2, 0.0, 0.0]


def book_gd_2d(x1, x2, s1, s2):
    """The book's gd_2d trainer with eta = 0.1 on f(x) = x1² + 2 x2²."""
    return gd_step(x1, x2)


def path(trainer, steps, keep_states=True):
    """The book's train_2d: `steps` steps of trainer(x1, x2, s1, s2) from (-5, -2) with zero
    states, the states carried from step to step (or, with keep_states=False, zero every time)."""
    x1, x2, s1, s2 = -5.0, -2.0, 0.0, 0.0
    points = [[x1, x2]]
    for _ in range(steps):
        x1, x2, n1, n2 = trainer(x1, x2, s1, s2)
        s1, s2 = (n1, n2) if keep_states else (0.0, 0.0)
        points.append([x1, x2])
    return torch.tensor(points, dtype=torch.float64)


def expect_path(got, expected, what, state_free=None):
    """A path of points against the expected one: the starting point left out, the states not
    carried (`state_free`: the path a trainer would take with its states reset at every step),
    then every point."""
    got_t = torch.tensor(got, dtype=torch.float64) if got else torch.zeros(0, 2, dtype=torch.float64)
    mistake_if(len(got) == len(expected) - 1 and is_close(got_t, expected[1:], **NEAR),
               "missing-start-point", what=f"len({what})", expected=len(expected), got=len(got))
    mistake_if(state_free is not None and len(got) == len(expected)
               and not is_close(got_t, expected) and is_close(got_t, state_free, **NEAR),
               "state-not-threaded", what=what, expected="the states returned by the trainer passed "
               "to its next call", got="the trainer always received s1 = s2 = 0")
    expect_equal(len(got), len(expected), what=f"len({what}): steps + 1 points")
    expect_close(got_t, expected, what=f"{what} as rows [x1, x2]")


@grades(TRAIN_2D, en="gd_2d: one step on f(x) = x1² + 2 x2² from (-5, -2) with eta = 0.1 gives "
                     "(-4, -1.2, 0, 0)",
        zh="gd_2d：在 f(x) = x1² + 2 x2² 上从 (-5, -2) 出发、eta = 0.1 走一步，得到 (-4, -1.2, 0, 0)")
def test_gd_2d_book_step(student):
    got = student.probe(probes.probe_gd_2d, [(-5.0, -2.0, 0.0, 0.0, 0.1)])[0]
    expect_equal(len(got), 4, what="len(gd_2d(...)): (x1, x2, s1, s2)")
    point = torch.tensor(got[:2], dtype=torch.float64)
    mistake_if(is_close(point, torch.tensor(gd_step(-5.0, -2.0, sign=1)[:2], dtype=torch.float64)),
               "gradient-ascent", what="(x1, x2) after one step", expected=[-4.0, -1.2],
               got=got[:2])
    expect_close(point, torch.tensor([-4.0, -1.2], dtype=torch.float64), what="(x1, x2) after one step")
    expect_equal(got[2:], [0.0, 0.0], what="(s1, s2) returned by gd_2d")


@grades(TRAIN_2D, en="gd_2d at other points, with other learning rates and ignored states",
        zh="gd_2d 在其他点上、使用其他学习率，并忽略传入的状态")
def test_gd_2d_random(student, seed):
    rng = random.Random(seed)
    cases = [(rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(-1, 1), rng.uniform(-1, 1),
              rng.choice([0.05, 0.2, 0.45])) for _ in range(6)]
    got = student.probe(probes.probe_gd_2d, cases)
    expected = [gd_step(x1, x2, eta) for x1, x2, _, _, eta in cases]
    expect_equal([len(g) for g in got], [4] * len(cases), what="len(gd_2d(...)) of each call")
    expect_close(torch.tensor(got, dtype=torch.float64), torch.tensor(expected, dtype=torch.float64),
                 what="gd_2d(x1, x2, s1, s2, f_grad, eta) of each case, as rows")


@grades(TRAIN_2D, en="train_2d(gd_2d, 20, f_grad): the book's 21 points from (-5, -2)",
        zh="train_2d(gd_2d, 20, f_grad)：书中从 (-5, -2) 出发的 21 个点")
def test_train_2d_gd(student):
    got = student.probe(probes.probe_train_2d, "gd_2d", 20)
    expect_path(got, path(book_gd_2d, 20), "train_2d(gd_2d, 20, f_2d_grad)")


@grades(TRAIN_2D, en="train_2d(momentum_2d, 20): the trainer's states are passed back to it",
        zh="train_2d(momentum_2d, 20)：训练器返回的状态会在下一步传回给它")
def test_train_2d_states(student):
    got = student.probe(probes.probe_train_2d, "momentum_2d", 20)
    expect_path(got, path(probes.momentum_2d, 20), "train_2d(momentum_2d, 20)",
                state_free=path(probes.momentum_2d, 20, keep_states=False))


@grades(TRAIN_2D, en="train_2d with 0 and 7 steps", zh="train_2d 走 0 步和 7 步")
def test_train_2d_steps(student):
    expect_path(student.probe(probes.probe_train_2d, "gd_2d", 0), path(book_gd_2d, 0),
                "train_2d(gd_2d, 0, f_2d_grad)")
    expect_path(student.probe(probes.probe_train_2d, "momentum_2d", 7),
                path(probes.momentum_2d, 7), "train_2d(momentum_2d, 7)",
                state_free=path(probes.momentum_2d, 7, keep_states=False))
