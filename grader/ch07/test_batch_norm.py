"""Grader for 7.5 batch normalization: ch7.batch_norm, ch7.BatchNorm.

Pinned (CATALOGUE §5.6): the zh momentum convention (momentum weights the old value; PyTorch's
momentum is 1 − momentum), the biased variance in moving_var (PyTorch's running_var is unbiased),
and the mode taken from the explicit `training` flag / `self.training`.
"""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.grading.api import (FLOATS, expect, expect_close, expect_equal, grades, is_close,
                                mistake_if, probes_for, reference)

ref = reference(__file__)
probes = probes_for(__file__)
EPS = 1e-5


def _dims(X):
    return (0,) if X.dim() == 2 else (0, 2, 3)


def _inputs(gen, shape, dtype, device, scale=3.0, shift=1.0):
    """X plus parameters and moving statistics of the parameters' shape, all random."""
    C = shape[1]
    pshape = (1, C) if len(shape) == 2 else (1, C, 1, 1)
    X = torch.randn(*shape, generator=gen, dtype=dtype) * scale + shift
    gamma = torch.randn(pshape, generator=gen, dtype=dtype)
    beta = torch.randn(pshape, generator=gen, dtype=dtype)
    mm = torch.randn(pshape, generator=gen, dtype=dtype)
    mv = torch.rand(pshape, generator=gen, dtype=dtype) + 0.5
    return [t.to(device) for t in (X, gamma, beta, mm, mv)]


def _torch_train(X, gamma, beta, mm, mv, eps, momentum):
    """PyTorch's training-mode batch norm; its momentum is 1 − the book's."""
    rm, rv = mm.flatten().clone(), mv.flatten().clone()
    Y = F.batch_norm(X, rm, rv, gamma.flatten(), beta.flatten(), training=True,
                     momentum=1 - momentum, eps=eps)
    return Y, rm.reshape(mm.shape)


def _check_train(student, X, gamma, beta, mm, mv, momentum, eps=EPS):
    """Call the learner's batch_norm in training mode and check every output."""
    dtype = X.dtype
    Y, nm, nv = student.call("batch_norm", X, gamma, beta, mm, mv, eps, momentum, True)
    dims = _dims(X)
    for name, got in (("moving_mean", nm), ("moving_var", nv)):
        expect(isinstance(got, torch.Tensor), what=name, expected="a tensor", got=type(got).__name__)
        mistake_if(X.dim() == 4 and tuple(got.shape) == (1, *X.shape[1:]), "stats-over-dim0-only",
                   what=f"{name}.shape", got=tuple(got.shape), expected=tuple(mm.shape))
        expect_equal(tuple(got.shape), tuple(mm.shape), what=f"{name}.shape")
    mean = X.mean(dim=dims, keepdim=True)
    var = X.var(dim=dims, keepdim=True, unbiased=False)
    var_u = X.var(dim=dims, keepdim=True, unbiased=True)
    # Y: biased variance
    y_unbiased = gamma * (X - mean) / torch.sqrt(var_u + eps) + beta
    expected_Y, running_mean = _torch_train(X, gamma, beta, mm, mv, eps, momentum)
    mistake_if(is_close(Y, y_unbiased) and not is_close(Y, expected_Y),
               "unbiased-variance", what="Y",
               got="normalized with the unbiased variance (n - 1)",
               expected="the biased variance (n)")
    expect_close(Y, expected_Y, what="Y")
    # moving_mean: momentum weights the old value
    expected_m = momentum * mm + (1 - momentum) * mean
    mistake_if(is_close(nm, (1 - momentum) * mm + momentum * mean), "inverted-momentum",
               what=f"moving_mean (momentum={momentum})",
               got="(1 - momentum) * moving_mean + momentum * mean",
               expected="momentum * moving_mean + (1 - momentum) * mean")
    expect_close(nm, expected_m, what="moving_mean")
    expect_close(nm, running_mean, what="moving_mean vs PyTorch running_mean (momentum 1 - m)")
    # moving_var: biased variance, unlike PyTorch's running_var
    expected_v = momentum * mv + (1 - momentum) * var
    for v in (var, var_u):
        mistake_if(is_close(nv, (1 - momentum) * mv + momentum * v), "inverted-momentum",
                   what=f"moving_var (momentum={momentum})",
                   got="(1 - momentum) * moving_var + momentum * var",
                   expected="momentum * moving_var + (1 - momentum) * var")
    mistake_if(is_close(nv, momentum * mv + (1 - momentum) * var_u), "unbiased-variance",
               what="moving_var", got="updated with the unbiased variance (n - 1)",
               expected="the biased variance (n)")
    expect_close(nv, expected_v, what="moving_var")


# --------------------------------------------------------------------------- ch7.batch_norm
@grades("ch7.batch_norm", en="training, (200, 4) input, momentum 0.9: Y and moving statistics "
        "(moving_var biased, unlike PyTorch's running_var)",
        zh="训练模式、(200, 4) 输入、momentum 0.9：Y 和移动平均（moving_var 为有偏方差，"
        "与 PyTorch 的 running_var 不同）")
def test_train_2d(student, gen, device):
    _check_train(student, *_inputs(gen, (200, 4), torch.float64, device), momentum=0.9)


@grades("ch7.batch_norm", en="momentum 0.7: momentum weights the old value (zh convention)",
        zh="momentum 0.7：momentum 是旧值的权重（中文版约定）")
def test_momentum_07(student, gen, device):
    _check_train(student, *_inputs(gen, (6, 5), torch.float64, device), momentum=0.7)


@grades("ch7.batch_norm", en="training, 4-D input: one mean and variance per channel",
        zh="训练模式、四维输入：每个通道一个均值和方差")
def test_train_4d(student, gen, device):
    _check_train(student, *_inputs(gen, (4, 3, 5, 6), torch.float64, device), momentum=0.9)


@grades("ch7.batch_norm", en="evaluation: moving statistics used and returned unchanged",
        zh="预测模式：使用移动平均，并原样返回")
def test_eval(student, gen, device):
    X, gamma, beta, mm, mv = _inputs(gen, (4, 3, 5, 6), torch.float64, device)
    Y, nm, nv = student.call("batch_norm", X, gamma, beta, mm, mv, EPS, 0.9, False)
    dims = _dims(X)
    mean, var = X.mean(dim=dims, keepdim=True), X.var(dim=dims, keepdim=True, unbiased=False)
    batch_Y = gamma * (X - mean) / torch.sqrt(var + EPS) + beta
    mistake_if(is_close(Y, batch_Y), "eval-uses-batch-stats", what="Y (training=False)",
               got="normalized with the batch statistics",
               expected="normalized with moving_mean, moving_var")
    for name, got, old in (("moving_mean", nm, mm), ("moving_var", nv, mv)):
        # updated, i.e. the batch statistics folded in (None or another shape is another bug)
        mistake_if(isinstance(got, torch.Tensor) and got.shape == old.shape and not is_close(got, old),
                   "eval-uses-batch-stats", what=f"{name} (training=False)",
                   got=f"{name} changed", expected=f"{name} unchanged")
        expect_close(got, old, what=name)
    expected = F.batch_norm(X, mm.flatten(), mv.flatten(), gamma.flatten(), beta.flatten(),
                            training=False, eps=EPS)
    expect_close(Y, expected, what="Y (eval)")


@grades("ch7.batch_norm", en="gradients match F.batch_norm; returned statistics are detached",
        zh="梯度与 F.batch_norm 一致；返回的统计量已分离（detach）")
def test_grads(student, gen, device):
    training = True
    X, gamma, beta, mm, mv = _inputs(gen, (4, 3, 2, 5), torch.float64, device)
    W = torch.randn(X.shape, generator=gen, dtype=torch.float64).to(device)
    got = student.probe(probes.probe_batch_norm_grads, X, gamma, beta, mm, mv, W, training)
    Xr, gr, br = (t.clone().requires_grad_() for t in (X, gamma, beta))
    Y = F.batch_norm(Xr, mm.flatten().clone(), mv.flatten().clone(), gr.flatten(), br.flatten(),
                     training=training, momentum=0.1, eps=EPS)
    (Y * W).sum().backward()
    expect(not got["nm_requires_grad"] and not got["nv_requires_grad"],
           what="moving_mean.requires_grad, moving_var.requires_grad", expected="False, False",
           got=f'{got["nm_requires_grad"]}, {got["nv_requires_grad"]}')
    for name, expected in (("X", Xr.grad), ("gamma", gr.grad), ("beta", br.grad)):
        expect(got[name] is not None, what=f"{name}.grad", expected="a gradient", got="None")
        expect_close(got[name], expected, rtol=1e-6, what=f"{name}.grad")


@grades("ch7.batch_norm", en="random inputs against F.batch_norm", zh="随机输入，与 F.batch_norm 比较")
@pytest.mark.parametrize("dtype", FLOATS)
def test_random(student, gen, device, dtype):
    momentum = 0.8
    X, gamma, beta, mm, mv = _inputs(gen, (3, 4, 5, 2), dtype, device, scale=2.0, shift=-0.5)
    _check_train(student, X, gamma, beta, mm, mv, momentum=momentum, eps=1e-3)
    X, gamma, beta, mm, mv = _inputs(gen, (7, 4), dtype, device, scale=2.0, shift=-0.5)
    Y, nm, nv = student.call("batch_norm", X, gamma, beta, mm, mv, 1e-3, momentum, False)
    expected = F.batch_norm(X, mm.flatten(), mv.flatten(), gamma.flatten(), beta.flatten(),
                            training=False, eps=1e-3)
    expect_close(Y, expected, what="Y (eval)")


# ---------------------------------------------------------------------------- ch7.BatchNorm
@grades("ch7.BatchNorm", en="state_dict keys: gamma, beta, moving_mean, moving_var (buffers)",
        zh="state_dict 的键：gamma、beta、moving_mean、moving_var（缓冲区）")
def test_module_state_dict(student, gen, device):
    num_dims = 4
    shape = (6, 5) if num_dims == 2 else (4, 5, 3, 2)
    X = torch.randn(*shape, generator=gen, dtype=torch.float64).to(device)
    res = student.module("BatchNorm", 5, num_dims, inputs=(X,))
    keys = list(res["state_dict_keys"])
    mistake_if("moving_mean" not in keys or "moving_var" not in keys, "plain-attributes", what="state_dict keys",
               got=keys, expected=["gamma", "beta", "moving_mean", "moving_var"])
    expect_equal(keys, ["gamma", "beta", "moving_mean", "moving_var"], what="state_dict keys")
    expect_equal(res["num_params"], 10, what="number of trainable parameters")
    pshape = (1, 5) if num_dims == 2 else (1, 5, 1, 1)
    for k in keys:
        expect_equal(tuple(res["state_dict"][k].shape), pshape, what=f"{k}.shape")


@grades("ch7.BatchNorm", en="the mode comes from self.training, not torch.is_grad_enabled()",
        zh="模式由 self.training 决定，而不是 torch.is_grad_enabled()")
def test_module_mode(student, gen, device):
    X = (torch.randn(6, 4, generator=gen, dtype=torch.float64) * 2 + 1).to(device)
    got = student.probe(probes.probe_modes, 2, X)
    eval_expected = X / (1 + EPS) ** 0.5  # fresh layer: moving_mean 0, moving_var 1, gamma 1, beta 0
    batch = F.batch_norm(X, None, None, training=True, eps=EPS)
    mistake_if(is_close(got["eval"], batch), "is-grad-enabled-mode", what="BatchNorm in eval()",
               got="eval() with autograd on used the batch statistics")
    mistake_if(is_close(got["train"], eval_expected), "is-grad-enabled-mode", what="BatchNorm in train()",
               got="train() under torch.no_grad() used the moving statistics")
    zeros = torch.zeros(1, 4, dtype=X.dtype, device=device)
    moving_mean = got["eval_state"].get("moving_mean")
    mistake_if(isinstance(moving_mean, torch.Tensor) and moving_mean.shape == zeros.shape
               and not is_close(moving_mean, zeros),
               "is-grad-enabled-mode", what="BatchNorm in eval()",
               got="eval() updated moving_mean")
    expect_close(got["eval"], eval_expected, what="eval() output")
    expect_close(got["train"], batch, what="train() output under torch.no_grad()")


@grades("ch7.BatchNorm", en="k training steps, then eval: matches nn.BatchNorm (momentum 0.1)",
        zh="训练 k 步后再预测：与 nn.BatchNorm（momentum 0.1）一致")
@pytest.mark.parametrize("num_dims, dtype", [pytest.param(2, torch.float64, id="2d-float64"),
                                             pytest.param(4, torch.float32, id="4d-float32")])
def test_module_steps(student, gen, device, dtype, num_dims):
    shape = (8, 3) if num_dims == 2 else (4, 3, 5, 2)
    Xs = [(torch.randn(*shape, generator=gen, dtype=dtype) * 2 + 1).to(device) for _ in range(3)]
    X_eval = torch.randn(*shape, generator=gen, dtype=dtype).to(device)
    got = student.probe(probes.probe_steps, num_dims, Xs, X_eval)
    mistake_if("moving_mean" not in got["buffers"] or "moving_var" not in got["buffers"],
               "plain-attributes", what="named_buffers()", got=got["buffers"],
               expected=["moving_mean", "moving_var"])
    pshape = (1, 3) if num_dims == 2 else (1, 3, 1, 1)
    init = got["init"]
    expect_close(init["gamma"], torch.ones(pshape, dtype=dtype, device=device), what="initial gamma")
    expect_close(init["beta"], torch.zeros(pshape, dtype=dtype, device=device), what="initial beta")
    expect_close(init["moving_mean"], torch.zeros(pshape, dtype=dtype, device=device),
                 what="initial moving_mean")
    expect_close(init["moving_var"], torch.ones(pshape, dtype=dtype, device=device),
                 what="initial moving_var")
    tb = (nn.BatchNorm1d(3) if num_dims == 2 else nn.BatchNorm2d(3)).to(device=device, dtype=dtype)
    rm = ref.BatchNorm(3, num_dims).to(device=device, dtype=dtype)
    with torch.no_grad():
        for X, y in zip(Xs, got["train"]):
            expect_close(y, tb(X), what="train output vs nn.BatchNorm")
            rm(X)
        rm.eval()
        expected_eval = rm(X_eval)
    state = got["state"]
    expect_close(state["moving_mean"].flatten(), tb.running_mean,
                 what="moving_mean vs nn.BatchNorm running_mean after 3 steps")
    expect_close(state["moving_var"], rm.moving_var, what="moving_var after 3 steps (biased)")
    expect_close(got["eval"], expected_eval, what="eval output")


@grades("ch7.BatchNorm", en="loads a state_dict; train and eval outputs match the reference",
        zh="加载 state_dict 后，训练和预测模式的输出与参考实现一致")
def test_module_load(student, gen, device):
    m = ref.BatchNorm(4, 4).to(torch.float64)
    with torch.no_grad():
        m.gamma.copy_(torch.randn(m.gamma.shape, generator=gen, dtype=torch.float64))
        m.beta.copy_(torch.randn(m.beta.shape, generator=gen, dtype=torch.float64))
        m.moving_mean.copy_(torch.randn(m.moving_mean.shape, generator=gen, dtype=torch.float64))
        m.moving_var.copy_(torch.rand(m.moving_var.shape, generator=gen, dtype=torch.float64) + 0.5)
    m = m.to(device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(3, 4, 2, 5, generator=gen, dtype=torch.float64).to(device)
    got = student.probe(probes.probe_load_modes, sd, X)
    with torch.no_grad():
        expected_train = m.train()(X)
        state = {k: v.clone() for k, v in m.state_dict().items()}
        expected_eval = m.eval()(X)
    expect_close(got["train"], expected_train, what="BatchNorm(4, 4)(X) in train mode")
    for k in ("moving_mean", "moving_var"):
        expect_close(got["state"][k], state[k], what=f"{k} after a training step")
    expect_close(got["eval"], expected_eval, what="BatchNorm(4, 4)(X) in eval mode")


# ------------------------------------------------------------ ch7.conv_bias_before_bn (stretch)
def _conv_bn_inputs(gen, dtype, device, k=3):
    X = torch.randn(4, 3, 6, 5, generator=gen, dtype=dtype)
    W = torch.randn(5, 3, k, k, generator=gen, dtype=dtype)
    b = torch.randn(5, generator=gen, dtype=dtype) * 5
    g = torch.randn(1, 5, 1, 1, generator=gen, dtype=dtype)
    be = torch.randn(1, 5, 1, 1, generator=gen, dtype=dtype)
    return [t.to(device) for t in (X, W, b, g, be)]


def _expected_conv_bn(X, W, b, g, be):
    Z = F.conv2d(X, W, b, padding=W.shape[-1] // 2)
    return F.batch_norm(Z, None, None, g.flatten(), be.flatten(), training=True, eps=EPS)


@grades("ch7.conv_bias_before_bn", en="conv then training-mode batch norm matches F.conv2d + F.batch_norm",
        zh="卷积后接训练模式的批量规范化，与 F.conv2d + F.batch_norm 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_conv_bn_train(student, gen, device, dtype):
    X, W, b, g, be = _conv_bn_inputs(gen, dtype, device)
    expect_close(student.call("conv_bn_train", X, W, b, g, be), _expected_conv_bn(X, W, b, g, be),
                 what="conv_bn_train(X, W, b, gamma, beta)")


@grades("ch7.conv_bias_before_bn", en="the output is the same for any bias, and for bias=None",
        zh="无论偏置取何值（包括 bias=None），输出都相同")
def test_conv_bias_no_effect(student, gen, device):
    X, W, b, g, be = _conv_bn_inputs(gen, torch.float64, device, k=5)
    y_none = student.call("conv_bn_train", X, W, None, g, be)
    expect_close(y_none, _expected_conv_bn(X, W, None, g, be), what="conv_bn_train(X, W, None, ...)")
    for bias in (b, -3 * b):
        expect_close(student.call("conv_bn_train", X, W, bias, g, be), y_none, rtol=1e-6,
                     what="conv_bn_train(X, W, bias, ...) vs bias=None")


@grades("ch7.conv_bias_before_bn", en="a 3×5 kernel: padding=weight.shape[-1] // 2 on both sides",
        zh="3×5 的卷积核：两个方向的填充都是 weight.shape[-1] // 2")
def test_conv_bn_non_square_kernel(student, gen, device):
    X, _, b, g, be = _conv_bn_inputs(gen, torch.float64, device)
    W = torch.randn(5, 3, 3, 5, generator=gen, dtype=torch.float64).to(device)
    expect_close(student.call("conv_bn_train", X, W, b, g, be), _expected_conv_bn(X, W, b, g, be),
                 what="conv_bn_train(X, W 3×5, b, gamma, beta)")
