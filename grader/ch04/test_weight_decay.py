"""Grader for 4.5 weight decay: l2_penalty, sgd_weight_decay_step (+ stretch l1_penalty_step)."""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, expect, expect_close, grades, is_close, mistake_if,
                                probes_for)

probes = probes_for(__file__)

NEAR = {"rtol": 1e-5, "atol": 1e-7}  # how close a wrong answer must come to a mistake's to name it


# ------------------------------------------------------------------------------------- l2_penalty
def _diagnose_penalty(got, w):
    S = (w.double() ** 2).sum()
    expected = (w ** 2).sum() / 2
    expect(isinstance(got, torch.Tensor), what="l2_penalty(w)", expected="Tensor",
           got=type(got).__name__)
    g = got.double().reshape(-1)[:1] if got.numel() >= 1 else got.double()
    if got.numel() == 1 and not is_close(g, expected.double().reshape(1), **NEAR):
        mistake_if(is_close(g, S.reshape(1), **NEAR), "missing-half", what="l2_penalty(w)",
                   got=float(g), expected=float(expected))
        mistake_if(is_close(g, S.sqrt().reshape(1), **NEAR)
                   or is_close(g, (S.sqrt() / 2).reshape(1), **NEAR),
                   "sqrt-norm", what="l2_penalty", got=float(g), expected=float(expected))
        mistake_if(is_close(g, (S / w.numel()).reshape(1), **NEAR)
                   or is_close(g, (S / w.numel() / 2).reshape(1), **NEAR),
                   "mean-not-sum", what="l2_penalty(w)", got=float(g), expected=float(expected))
    expect_close(got, expected, what="l2_penalty(w)")


@grades("ch4.l2_penalty", en="half the sum of squares, a 0-d tensor", zh="平方和的一半，0 维张量")
def test_l2_value(student, gen, device):
    w = (torch.randn(6, 4, generator=gen, dtype=torch.float64) * 1.5).to(device)
    _diagnose_penalty(student.call("l2_penalty", w), w)


@grades("ch4.l2_penalty", en="its gradient is w", zh="它的梯度就是 w")
def test_l2_gradient(student, gen, device):
    w = (torch.randn(7, 3, generator=gen, dtype=torch.float64) * 2).to(device)
    grad = student.probe(probes.probe_penalty_grad, w)
    expect(grad is not None, what="w.grad", expected="a gradient", got="None (output detached)")
    norm = (w ** 2).sum().sqrt()
    mistake_if(is_close(grad, w / norm, **NEAR) or is_close(grad, w / norm / 2, **NEAR), "sqrt-norm",
               what="l2_penalty", got="w / ||w||", expected="w")
    expect_close(grad, w, what="d l2_penalty / dw")


@grades("ch4.l2_penalty", en="random weights in float64 and float32", zh="float64 和 float32 的随机权重")
@pytest.mark.parametrize("dtype", FLOATS)
def test_l2_random(student, gen, dtype, device):
    w = (torch.randn(200, 1, generator=gen, dtype=dtype) * 0.7).to(device)
    _diagnose_penalty(student.call("l2_penalty", w), w)


# ------------------------------------------------------------------------------------- SGD + wd
def _params(gen, dtype, device="cpu"):
    w = torch.randn(5, 3, generator=gen, dtype=dtype)
    b = torch.randn(3, generator=gen, dtype=dtype)
    gw = torch.randn(5, 3, generator=gen, dtype=dtype)
    gb = torch.randn(3, generator=gen, dtype=dtype)
    return [w.to(device), b.to(device)], [gw.to(device), gb.to(device)]


def _torch_sgd(values, grads, lr, decay):
    """What torch.optim.SGD([{'params': [p], 'weight_decay': wd}, ...], lr).step() computes
    (momentum 0): d_p = g + wd * p; p <- p - lr * d_p. Written out here because the first
    optimizer step of a process imports torch._dynamo (seconds); CATALOGUE verified the two
    equal."""
    decays = list(decay) if isinstance(decay, (list, tuple)) else [decay] * len(values)
    return [p.add(g.add(p, alpha=wd), alpha=-lr) for p, g, wd in zip(values, grads, decays)]


def _diagnose_step(result, values, grads, lr, decay):
    expect(result["returned_none"], what="return value", expected="None", got="something else")
    got = result["values"]
    expected = _torch_sgd(values, grads, lr, decay)
    decays = list(decay) if isinstance(decay, (list, tuple)) else [decay] * len(values)
    if not all(is_close(a, b, **NEAR) for a, b in zip(got, expected)):
        wd_max = max(decays)
        mistake_if(any(wd == 0 for wd in decays) and wd_max > 0 and all(
            is_close(a, p - lr * (g + wd_max * p), **NEAR) for a, p, g in zip(got, values, grads)),
            "bias-decayed", what="bias after the step", expected="bias not decayed",
            got="bias decayed")
        mistake_if(all(is_close(a, p - lr * (g - wd * p), **NEAR)
                       for a, p, g, wd in zip(got, values, grads, decays)),
                   "sign-error", what="params after the step", expected="p - lr (g + wd p)",
                   got="p - lr (g - wd p)")
        mistake_if(all(is_close(a, (p - lr * g) * (1 - lr * wd), **NEAR)
                       for a, p, g, wd in zip(got, values, grads, decays)),
                   "decay-after-step", what="params after the step", expected="p - lr (g + wd p)",
                   got="(p - lr g)(1 - lr wd)")
    for i, (a, b) in enumerate(zip(got, expected)):
        expect_close(a, b, what=f"params[{i}] after the step")
    for i, (a, b) in enumerate(zip(result["grads"], grads)):
        expect(a is not None and is_close(a, b, **NEAR), what=f"params[{i}].grad",
               expected="unchanged (not zeroed)", got="changed")


@grades("ch4.sgd_weight_decay_step", en="the book's setting: weights decayed, bias not ([wd, 0])",
        zh="书中的设置：衰减权重、不衰减偏置（[wd, 0]）")
def test_sgd_book_groups(student, gen, device):
    values, grads = _params(gen, torch.float64, device)
    result = student.probe(probes.probe_step, "sgd_weight_decay_step", values, grads, 0.1, [0.3, 0.0])
    _diagnose_step(result, values, grads, 0.1, [0.3, 0.0])


@grades("ch4.sgd_weight_decay_step", en="decay in the same step (lr = 1)", zh="衰减在同一步完成（lr = 1）")
def test_sgd_lr_one(student, gen, device):
    values, grads = _params(gen, torch.float64, device)
    result = student.probe(probes.probe_step, "sgd_weight_decay_step", values, grads, 1.0, 0.2)
    _diagnose_step(result, values, grads, 1.0, 0.2)


@grades("ch4.sgd_weight_decay_step", en="matches torch.optim.SGD(weight_decay=wd).step()",
        zh="与 torch.optim.SGD(weight_decay=wd).step() 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_sgd_matches_torch(student, gen, dtype, device):
    values, grads = _params(gen, dtype, device)
    result = student.probe(probes.probe_step, "sgd_weight_decay_step", values, grads, 0.03, 0.5)
    _diagnose_step(result, values, grads, 0.03, 0.5)


@grades("ch4.sgd_weight_decay_step", en="equals plain SGD on loss + wd · l2_penalty(w)",
        zh="等于对 loss + wd · l2_penalty(w) 做普通 SGD")
def test_sgd_equals_penalty(student, gen, device):
    values, grads = _params(gen, torch.float64, device)
    wd = 0.25
    penalised = [grads[0] + wd * values[0], grads[1]]   # gradient of loss + wd/2 ||w||²
    a = student.probe(probes.probe_step, "sgd_weight_decay_step", values, grads, 0.05, [wd, 0.0])
    b = student.probe(probes.probe_step, "sgd_weight_decay_step", values, penalised, 0.05, 0.0)
    for i, (x, y) in enumerate(zip(a["values"], b["values"])):
        expect_close(x, y, rtol=1e-6, what=f"params[{i}]")


# ------------------------------------------------------------------------------------- L1 (stretch)
@grades("ch4.l1_penalty_step", en="p ← p − lr (g + λ sign p), sign(0) = 0",
        zh="p ← p − lr (g + λ sign p)，sign(0) = 0")
@pytest.mark.parametrize("dtype", FLOATS)
def test_l1_step(student, gen, dtype, device):
    values, grads = _params(gen, dtype, device)
    values[0][0, 0] = 0.0
    result = student.probe(probes.probe_step, "l1_penalty_step", values, grads, 0.1, 0.3)
    expect(result["returned_none"], what="return value", expected="None", got="something else")
    for i, (a, p, g) in enumerate(zip(result["values"], values, grads)):
        expect_close(a, p - 0.1 * (g + 0.3 * torch.sign(p)), what=f"params[{i}] after the step")
    for i, (a, g) in enumerate(zip(result["grads"], grads)):
        expect(a is not None and is_close(a, g, **NEAR), what=f"params[{i}].grad",
               expected="unchanged (not zeroed)", got="changed")
