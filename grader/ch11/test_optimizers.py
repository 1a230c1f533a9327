"""Grader for 11.6–11.10: sgd_momentum, adagrad, rmsprop, adadelta and adam, each with its
init_*_states.

Every check runs the book's train_ch11 (11.5) for 50 minibatches of a linear-regression set drawn
from the seed, once with the learner's update (in the child, `probes.probe_train_ch11`) and once
with the expected one (here, through the same loop), from the same initial parameters: the
parameters and the states must agree after every step. The expected update is torch.optim's own,
under the settings CATALOGUE §6 verified to equal the book's, and the reference solution where the
book and torch differ (AdaGrad and RMSProp put eps inside the square root, torch outside). A run
that goes astray is first matched against the book's update with a catalogued mistake in it:
each check names only the mistakes its run can tell apart (eps placement, say, only where the
gradients are as small as eps).
"""
import pytest
import torch
from torch.optim.adadelta import adadelta as torch_adadelta
from torch.optim.adagrad import adagrad as torch_adagrad
from torch.optim.adam import adam as torch_adam
from torch.optim.rmsprop import rmsprop as torch_rmsprop
from torch.optim.sgd import sgd as torch_sgd

from d2lkit.grading.api import (FLOATS, expect, expect_each_close, expect_equal, grades, is_close,
                                mistake_if, mistake_on_error, probes_for, reference)

probes = probes_for(__file__)
ref = reference(__file__)

MOMENTUM = "ch11.sgd_momentum"
ADAGRAD = "ch11.adagrad"
RMSPROP = "ch11.rmsprop"
ADADELTA = "ch11.adadelta"
ADAM = "ch11.adam"

STEPS, BATCH, FEATURES = 50, 10, 5
NEAR = {"rtol": 1e-6, "atol": 1e-9}  # how closely a run must follow a mistake's run to name it
TINY = 1e-6  # a loss scaled by this has gradients of about 1e-6, the size of eps


# =============================================================================== the two runs
def minibatches(gen, dtype, device, steps=STEPS):
    """get_data_ch11's role, drawn from the seed (the book's airfoil data cannot be downloaded):
    a linear-regression set with 5 features in `steps` minibatches of 10, and the book's initial
    parameters w ~ N(0, 0.01²), b = 0. Drawn in float64 and then cast, so that a float32 run sees
    the same numbers."""
    f64 = torch.float64
    X = torch.randn(steps, BATCH, FEATURES, generator=gen, dtype=f64)
    true_w = torch.randn(FEATURES, 1, generator=gen, dtype=f64) * 2
    y = X @ true_w + 4.2 + 0.01 * torch.randn(steps, BATCH, 1, generator=gen, dtype=f64)
    w = torch.randn(FEATURES, 1, generator=gen, dtype=f64) * 0.01

    def cast(t):
        return t.to(dtype=dtype, device=device)

    return cast(w), cast(torch.zeros(1, dtype=f64)), [(cast(Xk), cast(yk)) for Xk, yk in zip(X, y)]


def learner_run(student, init, update, data, hyperparams, loss_scale=1.0):
    """train_ch11 with the learner's init_*_states and update, in the child."""
    w, b, batches = data
    with mistake_on_error("outside-no-grad", match="leaf Variable"):
        return student.probe(probes.probe_train_ch11, init, update, w, b, batches, hyperparams,
                             loss_scale)


def run(update, init, data, hyperparams, loss_scale=1.0):
    """train_ch11 here, with `update` and the states that `init` makes."""
    w, b, batches = data
    return probes.train_ch11(update, probes.like(init(FEATURES), w), w, b, batches, hyperparams,
                             loss_scale)


def follows(got, other, **tolerance) -> bool:
    """Does run `got` stay with run `other` at every step, parameters and states alike?"""
    return len(got["steps"]) == len(other["steps"]) and all(
        len(a) == len(b) and all(is_close(x, y, **tolerance) for x, y in zip(a, b))
        for a, b in zip(got["steps"], other["steps"]))


def with_mistakes(update_with, mistakes, init, data, hyperparams, loss_scale=1.0):
    """(mistake, the run of the book's update with that mistake in it), each run made only when
    it is needed."""
    return [(m, lambda m=m: run(update_with(m), init, data, hyperparams, loss_scale))
            for m in mistakes]


def expect_run(got, expected, names, mistakes=()):
    """The learner's run against the expected one. First the catalogued mistakes: a gradient left
    behind, then a run that follows the book's update with one of `mistakes` in it (and not the
    expected run); then `hyperparams['t']`, then step by step, the first step that differs shown
    as a table of w, b and every state."""
    mistake_if(not all(got["zeroed"]), "grad-not-zeroed", what="p.grad after the update",
               expected="zeros: the book's update zeroes each gradient itself",
               got="the gradient is still there, and the next backward() adds to it")
    if not follows(got, expected):
        for mistake, mistaken_run in mistakes:
            other = mistaken_run()
            mistake_if(follows(got, other, **NEAR) and not follows(other, expected), mistake,
                       what="[w, b, *states] at every step")
    expect(all(len(step) == len(names) for step in got["steps"]), what="[w, b, *states]",
           expected=f"{len(names)} tensors ({', '.join(names)})",
           got=f"{len(got['steps'][0])} tensors" if got["steps"] else "no step")
    expect_equal(got["t"], expected["t"], what="hyperparams['t'] after each call")
    total = len(expected["steps"])
    for k, (g, e) in enumerate(zip(got["steps"], expected["steps"])):
        expect_each_close(dict(zip(names, g)), dict(zip(names, e)),
                          what=f"[w, b, *states] after step {k + 1}/{total}")


def expect_init(got, expected, names, call):
    """init_*_states(d): the book's nesting of float32 zeros."""
    def nesting(x):
        if isinstance(x, (tuple, list)):
            return [nesting(v) for v in x]
        return tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__

    expect(nesting(got) == nesting(expected), what=f"{call}: shapes", expected=nesting(expected),
           got=nesting(got))
    expect_each_close(dict(zip(names, probes.flat(got))), dict(zip(names, probes.flat(expected))),
                      what=call)


def zero_grad(params):
    for p in params:
        p.grad = None


# torch.optim's updates, as the functions that Optimizer.step() runs: an Optimizer object's first
# step imports torch._dynamo, which costs seconds. Their state tensors are the book's states, so
# that the states are compared too; state_steps are torch's own step counters.
def momentum_by_torch(lr, momentum):
    """torch.optim.SGD(lr=lr, momentum=momentum) (dampening 0): its buffers are the book's v."""
    def update(params, states, hyperparams):
        with torch.no_grad():
            torch_sgd(params, [p.grad for p in params], list(states), foreach=False,
                      weight_decay=0.0, momentum=momentum, lr=lr, dampening=0.0, nesterov=False,
                      maximize=False)
        zero_grad(params)
    return update


def adagrad_by_torch(lr, eps):
    """torch.optim.Adagrad(lr=lr, eps=eps): eps added outside the square root."""
    steps = [torch.tensor(0.0), torch.tensor(0.0)]

    def update(params, states, hyperparams):
        with torch.no_grad():
            torch_adagrad(params, [p.grad for p in params], list(states), steps, foreach=False,
                          lr=lr, weight_decay=0.0, lr_decay=0.0, eps=eps, maximize=False)
        zero_grad(params)
    return update


def rmsprop_by_torch(lr, gamma, eps):
    """torch.optim.RMSprop(lr=lr, alpha=gamma, eps=eps): eps added outside the square root."""
    steps = [torch.tensor(0.0), torch.tensor(0.0)]

    def update(params, states, hyperparams):
        with torch.no_grad():
            torch_rmsprop(params, [p.grad for p in params], list(states), [], [], steps,
                          foreach=False, lr=lr, alpha=gamma, eps=eps, weight_decay=0.0,
                          momentum=0.0, centered=False)
        zero_grad(params)
    return update


def adadelta_by_torch(rho, eps):
    """torch.optim.Adadelta(lr=1.0, rho=rho, eps=eps): eps inside both square roots, as the book."""
    steps = [torch.tensor(0.0), torch.tensor(0.0)]

    def update(params, states, hyperparams):
        with torch.no_grad():
            torch_adadelta(params, [p.grad for p in params], [s for s, _ in states],
                           [d for _, d in states], steps, foreach=False, lr=1.0, rho=rho,
                           eps=eps, weight_decay=0.0, maximize=False)
        zero_grad(params)
    return update


def adam_by_torch(lr, beta1=0.9, beta2=0.999, eps=1e-6):
    """torch.optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps); the book's t advances per call."""
    steps = [torch.tensor(0.0), torch.tensor(0.0)]

    def update(params, states, hyperparams):
        with torch.no_grad():
            torch_adam(params, [p.grad for p in params], [v for v, _ in states],
                       [s for _, s in states], [], steps, foreach=False, amsgrad=False,
                       beta1=beta1, beta2=beta2, lr=lr, weight_decay=0.0, eps=eps,
                       maximize=False)
        zero_grad(params)
        hyperparams["t"] += 1
    return update


# ================================================================================== 11.6 momentum
MOMENTUM_NAMES = ["w", "b", "v_w", "v_b"]
MOMENTUM_MISTAKES = ("state-not-kept", "dampened-velocity", "lr-in-velocity")


def sgd_momentum_with(mistake):
    """The book's sgd_momentum with one catalogued mistake in it."""
    def update(params, states, hp):
        lr, beta = hp["lr"], hp["momentum"]
        with torch.no_grad():
            for p, v in zip(params, states):
                g = p.grad
                if mistake == "state-not-kept":     # `v = β v + g` only rebinds a name: v stays 0
                    p -= lr * (beta * v + g)
                elif mistake == "dampened-velocity":  # v ← β v + (1 − β) g
                    v[:] = beta * v + (1 - beta) * g
                    p -= lr * v
                elif mistake == "lr-in-velocity":     # v ← β v + lr g, p ← p − v
                    v[:] = beta * v + lr * g
                    p -= v
                g.zero_()
    return update


@grades(MOMENTUM, en="init_momentum_states(d): (v_w, v_b), float32 zeros of shapes (d, 1) and (1,)",
        zh="init_momentum_states(d)：(v_w, v_b)，形状为 (d, 1) 和 (1,) 的 float32 全零张量")
def test_momentum_init(student):
    expect_init(student.call("init_momentum_states", 7), ref.init_momentum_states(7),
                MOMENTUM_NAMES[2:], "init_momentum_states(7)")


@grades(MOMENTUM, en="the book's run, lr = 0.02 and momentum = 0.5, 50 steps: the same as "
                     "torch.optim.SGD(lr=0.02, momentum=0.5)",
        zh="书中的训练：lr = 0.02、momentum = 0.5，共 50 步，与 "
           "torch.optim.SGD(lr=0.02, momentum=0.5) 相同")
def test_momentum_book_run(student, gen, device):
    data = minibatches(gen, torch.float64, device)
    hp = {"lr": 0.02, "momentum": 0.5}
    got = learner_run(student, "init_momentum_states", "sgd_momentum", data, hp)
    expected = run(momentum_by_torch(0.02, 0.5), ref.init_momentum_states, data, hp)
    expect_run(got, expected, MOMENTUM_NAMES, with_mistakes(
        sgd_momentum_with, MOMENTUM_MISTAKES, ref.init_momentum_states, data, hp))


@grades(MOMENTUM, en="momentum = 0.9, lr = 0.01, 50 steps in float64 and float32: the same as "
                     "torch.optim.SGD", zh="momentum = 0.9、lr = 0.01，float64 和 float32 下各 50 步："
                                           "与 torch.optim.SGD 相同")
@pytest.mark.parametrize("dtype", FLOATS)
def test_momentum_matches_torch(student, gen, dtype, device):
    data = minibatches(gen, dtype, device)
    hp = {"lr": 0.01, "momentum": 0.9}
    got = learner_run(student, "init_momentum_states", "sgd_momentum", data, hp)
    expected = run(momentum_by_torch(0.01, 0.9), ref.init_momentum_states, data, hp)
    expect_run(got, expected, MOMENTUM_NAMES, with_mistakes(
        sgd_momentum_with, MOMENTUM_MISTAKES, ref.init_momentum_states, data, hp)
        if dtype == torch.float64 else ())


# =================================================================================== 11.7 AdaGrad
ADAGRAD_NAMES = ["w", "b", "s_w", "s_b"]


def adagrad_with(mistake):
    """The book's adagrad with one catalogued mistake in it."""
    def update(params, states, hp):
        eps = 1e-6 if mistake == "hard-coded-constant" else hp.get("eps", 1e-6)
        with torch.no_grad():
            for p, s in zip(params, states):
                g = p.grad
                if mistake == "state-not-kept":      # `s = s + g²` only rebinds a name
                    s = s + g ** 2
                else:
                    s[:] = s + g ** 2
                if mistake == "eps-outside-sqrt":
                    p -= hp["lr"] * g / (torch.sqrt(s) + eps)
                else:
                    p -= hp["lr"] * g / torch.sqrt(s + eps)
                g.zero_()
    return update


def adagrad_check(student, data, hp, expected_update, mistakes, loss_scale=1.0):
    """One run of adagrad against the expected one; `mistakes`: those this run can tell apart."""
    got = learner_run(student, "init_adagrad_states", "adagrad", data, hp, loss_scale)
    expected = run(expected_update, ref.init_adagrad_states, data, hp, loss_scale)
    expect_run(got, expected, ADAGRAD_NAMES, with_mistakes(
        adagrad_with, mistakes, ref.init_adagrad_states, data, hp, loss_scale))


@grades(ADAGRAD, en="init_adagrad_states(d): (s_w, s_b), float32 zeros of shapes (d, 1) and (1,)",
        zh="init_adagrad_states(d)：(s_w, s_b)，形状为 (d, 1) 和 (1,) 的 float32 全零张量")
def test_adagrad_init(student):
    expect_init(student.call("init_adagrad_states", 7), ref.init_adagrad_states(7),
                ADAGRAD_NAMES[2:], "init_adagrad_states(7)")


@grades(ADAGRAD, en="lr = 0.1 and eps = 0, 50 steps in float64 and float32: the same as "
                    "torch.optim.Adagrad(lr=0.1, eps=0)",
        zh="lr = 0.1、eps = 0，float64 和 float32 下各 50 步：与 torch.optim.Adagrad(lr=0.1, eps=0) 相同")
@pytest.mark.parametrize("dtype", FLOATS)
def test_adagrad_matches_torch(student, gen, dtype, device):
    adagrad_check(student, minibatches(gen, dtype, device), {"lr": 0.1, "eps": 0.0},
                  adagrad_by_torch(0.1, 0.0),
                  ("state-not-kept",) if dtype == torch.float64 else ())


@grades(ADAGRAD, en="the book's hyperparams {'lr': 0.1} near a minimum (gradients of about 1e-6): "
                    "eps = 1e-6 inside the square root",
        zh="书中的超参数 {'lr': 0.1}，在极小值附近（梯度约为 1e-6）：eps = 1e-6 在平方根里面")
def test_adagrad_eps_inside(student, gen, device):
    adagrad_check(student, minibatches(gen, torch.float64, device), {"lr": 0.1},
                  ref.adagrad, ("eps-outside-sqrt",), loss_scale=TINY)


@grades(ADAGRAD, en="eps is read from hyperparams: eps = 0.5, inside the square root",
        zh="eps 从 hyperparams 中读取：eps = 0.5，在平方根里面")
def test_adagrad_eps_from_hyperparams(student, gen, device):
    adagrad_check(student, minibatches(gen, torch.float64, device), {"lr": 0.1, "eps": 0.5},
                  ref.adagrad, ("hard-coded-constant", "eps-outside-sqrt"))


# =================================================================================== 11.8 RMSProp
RMSPROP_NAMES = ["w", "b", "s_w", "s_b"]


def rmsprop_with(mistake):
    """The book's rmsprop with one catalogued mistake in it."""
    def update(params, states, hp):
        gamma = hp["gamma"]
        eps = 1e-6 if mistake == "hard-coded-constant" else hp.get("eps", 1e-6)
        with torch.no_grad():
            for p, s in zip(params, states):
                g = p.grad
                if mistake == "state-not-kept":      # `s = γ s + (1 − γ) g²` only rebinds a name
                    s = gamma * s + (1 - gamma) * g ** 2
                elif mistake == "wrong-decay":       # γ and 1 − γ swapped
                    s[:] = (1 - gamma) * s + gamma * g ** 2
                else:
                    s[:] = gamma * s + (1 - gamma) * g ** 2
                if mistake == "eps-outside-sqrt":
                    p -= hp["lr"] * g / (torch.sqrt(s) + eps)
                else:
                    p -= hp["lr"] * g / torch.sqrt(s + eps)
                g.zero_()
    return update


def rmsprop_check(student, data, hp, expected_update, mistakes, loss_scale=1.0):
    """One run of rmsprop against the expected one; `mistakes`: those this run can tell apart."""
    got = learner_run(student, "init_rmsprop_states", "rmsprop", data, hp, loss_scale)
    expected = run(expected_update, ref.init_rmsprop_states, data, hp, loss_scale)
    expect_run(got, expected, RMSPROP_NAMES, with_mistakes(
        rmsprop_with, mistakes, ref.init_rmsprop_states, data, hp, loss_scale))


@grades(RMSPROP, en="init_rmsprop_states(d): (s_w, s_b), float32 zeros of shapes (d, 1) and (1,)",
        zh="init_rmsprop_states(d)：(s_w, s_b)，形状为 (d, 1) 和 (1,) 的 float32 全零张量")
def test_rmsprop_init(student):
    expect_init(student.call("init_rmsprop_states", 7), ref.init_rmsprop_states(7),
                RMSPROP_NAMES[2:], "init_rmsprop_states(7)")


@grades(RMSPROP, en="lr = 0.01, gamma = 0.9 and eps = 0, 50 steps in float64 and float32: the same "
                    "as torch.optim.RMSprop(lr=0.01, alpha=0.9, eps=0)",
        zh="lr = 0.01、gamma = 0.9、eps = 0，float64 和 float32 下各 50 步：与 "
           "torch.optim.RMSprop(lr=0.01, alpha=0.9, eps=0) 相同")
@pytest.mark.parametrize("dtype", FLOATS)
def test_rmsprop_matches_torch(student, gen, dtype, device):
    rmsprop_check(student, minibatches(gen, dtype, device), {"lr": 0.01, "gamma": 0.9, "eps": 0.0},
                  rmsprop_by_torch(0.01, 0.9, 0.0),
                  ("state-not-kept", "wrong-decay") if dtype == torch.float64 else ())


@grades(RMSPROP, en="the book's hyperparams {'lr': 0.01, 'gamma': 0.9} near a minimum (gradients "
                    "of about 1e-6): eps = 1e-6 inside the square root",
        zh="书中的超参数 {'lr': 0.01, 'gamma': 0.9}，在极小值附近（梯度约为 1e-6）："
           "eps = 1e-6 在平方根里面")
def test_rmsprop_eps_inside(student, gen, device):
    rmsprop_check(student, minibatches(gen, torch.float64, device), {"lr": 0.01, "gamma": 0.9},
                  ref.rmsprop, ("eps-outside-sqrt",), loss_scale=TINY)


@grades(RMSPROP, en="gamma and eps are read from hyperparams: gamma = 0.8, eps = 0.5",
        zh="gamma 和 eps 从 hyperparams 中读取：gamma = 0.8，eps = 0.5")
def test_rmsprop_hyperparams(student, gen, device):
    rmsprop_check(student, minibatches(gen, torch.float64, device),
                  {"lr": 0.01, "gamma": 0.8, "eps": 0.5}, ref.rmsprop,
                  ("hard-coded-constant", "eps-outside-sqrt"))


# ================================================================================== 11.9 Adadelta
ADADELTA_NAMES = ["w", "b", "s_w", "delta_w", "s_b", "delta_b"]
ADADELTA_UPDATE_MISTAKES = ("state-not-kept", "wrong-decay", "delta-without-eps",
                            "eps-outside-sqrt")  # what a run with the default eps can tell apart


def adadelta_with(mistake):
    """The book's adadelta with one catalogued mistake in it."""
    def update(params, states, hp):
        rho = hp["rho"]
        eps = 1e-5 if mistake == "hard-coded-constant" else hp.get("eps", 1e-5)
        keep = 1 - rho if mistake == "wrong-decay" else rho   # ρ and 1 − ρ swapped
        with torch.no_grad():
            for p, (s, delta) in zip(params, states):
                g = p.grad
                if mistake == "state-not-kept":     # `s = …` and `delta = …` only rebind names
                    s, delta = s.clone(), delta.clone()
                s[:] = keep * s + (1 - keep) * g ** 2
                if mistake == "delta-without-eps":
                    rescaled = torch.sqrt(delta) / torch.sqrt(s + eps) * g
                elif mistake == "eps-outside-sqrt":
                    rescaled = (torch.sqrt(delta) + eps) / (torch.sqrt(s) + eps) * g
                else:
                    rescaled = torch.sqrt(delta + eps) / torch.sqrt(s + eps) * g
                p -= rescaled
                delta[:] = keep * delta + (1 - keep) * rescaled ** 2
                g.zero_()
    return update


def adadelta_check(student, data, hp, expected_update, mistakes):
    """One run of adadelta against the expected one; `mistakes`: those this run can tell apart."""
    got = learner_run(student, "init_adadelta_states", "adadelta", data, hp)
    expected = run(expected_update, ref.init_adadelta_states, data, hp)
    expect_run(got, expected, ADADELTA_NAMES, with_mistakes(
        adadelta_with, mistakes, ref.init_adadelta_states, data, hp))


@grades(ADADELTA, en="init_adadelta_states(d): ((s_w, delta_w), (s_b, delta_b)), float32 zeros",
        zh="init_adadelta_states(d)：((s_w, delta_w), (s_b, delta_b))，float32 全零张量")
def test_adadelta_init(student):
    expect_init(student.call("init_adadelta_states", 7), ref.init_adadelta_states(7),
                ADADELTA_NAMES[2:], "init_adadelta_states(7)")


@grades(ADADELTA, en="the book's hyperparams {'rho': 0.9}, 50 steps in float64 and float32: the "
                     "same as torch.optim.Adadelta(lr=1.0, rho=0.9, eps=1e-5)",
        zh="书中的超参数 {'rho': 0.9}，float64 和 float32 下各 50 步：与 "
           "torch.optim.Adadelta(lr=1.0, rho=0.9, eps=1e-5) 相同")
@pytest.mark.parametrize("dtype", FLOATS)
def test_adadelta_matches_torch(student, gen, dtype, device):
    adadelta_check(student, minibatches(gen, dtype, device), {"rho": 0.9},
                   adadelta_by_torch(0.9, 1e-5),
                   ADADELTA_UPDATE_MISTAKES if dtype == torch.float64 else ())


@grades(ADADELTA, en="rho and eps are read from hyperparams: rho = 0.8, eps = 1e-3",
        zh="rho 和 eps 从 hyperparams 中读取：rho = 0.8，eps = 1e-3")
def test_adadelta_hyperparams(student, gen, device):
    adadelta_check(student, minibatches(gen, torch.float64, device), {"rho": 0.8, "eps": 1e-3},
                   adadelta_by_torch(0.8, 1e-3), ("hard-coded-constant",))


# ====================================================================================== 11.10 Adam
ADAM_NAMES = ["w", "b", "v_w", "s_w", "v_b", "s_b"]
# what a run with the default eps can tell apart: eps-inside-sqrt needs gradients the size of eps
# (with sqrt(ŝ) near 1, sqrt(ŝ + eps) is sqrt(ŝ) + eps / 2), hard-coded-constant other settings
ADAM_UPDATE_MISTAKES = ("no-bias-correction", "t-per-parameter", "t-not-advanced", "wrong-decay",
                        "state-not-kept")


def adam_with(mistake):
    """The book's adam with one catalogued mistake in it."""
    def update(params, states, hp):
        beta1, beta2, eps = hp.get("beta1", 0.9), hp.get("beta2", 0.999), hp.get("eps", 1e-6)
        if mistake == "hard-coded-constant":
            beta1, beta2, eps = 0.9, 0.999, 1e-6
        if mistake == "wrong-decay":                 # β1 and β2 swapped
            beta1, beta2 = beta2, beta1
        with torch.no_grad():
            for p, (v, s) in zip(params, states):
                g, t = p.grad, hp["t"]
                if mistake == "state-not-kept":      # `v = …` and `s = …` only rebind names
                    v, s = v.clone(), s.clone()
                v[:] = beta1 * v + (1 - beta1) * g
                s[:] = beta2 * s + (1 - beta2) * g ** 2
                v_hat, s_hat = v / (1 - beta1 ** t), s / (1 - beta2 ** t)
                if mistake == "no-bias-correction":
                    v_hat, s_hat = v, s
                if mistake == "eps-inside-sqrt":
                    p -= hp["lr"] * v_hat / torch.sqrt(s_hat + eps)
                else:
                    p -= hp["lr"] * v_hat / (torch.sqrt(s_hat) + eps)
                g.zero_()
                if mistake == "t-per-parameter":
                    hp["t"] += 1
            if mistake not in ("t-per-parameter", "t-not-advanced"):
                hp["t"] += 1
    return update


def adam_check(student, data, hp, expected_update, mistakes, loss_scale=1.0):
    """One run of adam against the expected one; `mistakes`: those this run can tell apart."""
    got = learner_run(student, "init_adam_states", "adam", data, hp, loss_scale)
    expected = run(expected_update, ref.init_adam_states, data, hp, loss_scale)
    expect_run(got, expected, ADAM_NAMES, with_mistakes(
        adam_with, mistakes, ref.init_adam_states, data, hp, loss_scale))


@grades(ADAM, en="init_adam_states(d): ((v_w, s_w), (v_b, s_b)), float32 zeros",
        zh="init_adam_states(d)：((v_w, s_w), (v_b, s_b))，float32 全零张量")
def test_adam_init(student):
    expect_init(student.call("init_adam_states", 7), ref.init_adam_states(7), ADAM_NAMES[2:],
                "init_adam_states(7)")


@grades(ADAM, en="the book's hyperparams {'lr': 0.01, 't': 1}, 50 steps: the same as "
                 "torch.optim.Adam(lr=0.01, eps=1e-6), and t advanced once per call",
        zh="书中的超参数 {'lr': 0.01, 't': 1}，共 50 步：与 torch.optim.Adam(lr=0.01, eps=1e-6) "
           "相同，且每次调用 t 加一")
def test_adam_book_run(student, gen, device):
    adam_check(student, minibatches(gen, torch.float64, device), {"lr": 0.01, "t": 1},
               adam_by_torch(0.01), ADAM_UPDATE_MISTAKES)


@grades(ADAM, en="near a minimum (gradients of about 1e-6): eps = 1e-6 outside the square root",
        zh="在极小值附近（梯度约为 1e-6）：eps = 1e-6 在平方根外面")
def test_adam_eps_outside(student, gen, device):
    adam_check(student, minibatches(gen, torch.float64, device), {"lr": 0.01, "t": 1},
               adam_by_torch(0.01), ("eps-inside-sqrt",), loss_scale=TINY)


@grades(ADAM, en="beta1, beta2 and eps are read from hyperparams: 0.8, 0.99 and 1e-3",
        zh="beta1、beta2 和 eps 从 hyperparams 中读取：0.8、0.99 和 1e-3")
def test_adam_hyperparams(student, gen, device):
    hp = {"lr": 0.01, "t": 1, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3}
    adam_check(student, minibatches(gen, torch.float64, device), hp,
               adam_by_torch(0.01, 0.8, 0.99, 1e-3), ("hard-coded-constant", "wrong-decay"))


@grades(ADAM, en="lr = 0.05, 50 steps in float64 and float32: the same as torch.optim.Adam",
        zh="lr = 0.05，float64 和 float32 下各 50 步：与 torch.optim.Adam 相同")
@pytest.mark.parametrize("dtype", FLOATS)
def test_adam_matches_torch(student, gen, dtype, device):
    adam_check(student, minibatches(gen, dtype, device), {"lr": 0.05, "t": 1},
               adam_by_torch(0.05), ADAM_UPDATE_MISTAKES if dtype == torch.float64 else ())
