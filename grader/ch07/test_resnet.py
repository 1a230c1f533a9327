"""Grader for 7.6 ResNet: ch7.Residual, ch7.resnet_block."""
import copy

import pytest
import torch
from torch import nn

from d2lkit.grading.api import (FLOATS, expect, expect_close, expect_equal, grades, mistake_if,
                                mistake_on_error, reference)

ref = reference(__file__)


def _randomized(module, gen, dtype, device):
    """Random weights, BN affine parameters and running statistics (drawn from gen)."""
    module = module.to(dtype)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen, dtype=dtype) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen, dtype=dtype) * 0.4)
    return module.to(device)


def _close(a, b):
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-6, atol=1e-8)


def _tol(dtype):
    return {"rtol": 1e-6} if dtype == torch.float64 else {}


# ----------------------------------------------------------------------------- ch7.Residual
@grades("ch7.Residual", en="Residual(3, 3) keeps (4, 3, 6, 6)", zh="Residual(3, 3) 保持 (4, 3, 6, 6)")
def test_residual_shape_identity(student, gen, device):
    X = torch.randn(4, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    res = student.module("Residual", 3, 3, inputs=(X,))
    expect_equal(tuple(res["output"].shape), (4, 3, 6, 6), what="Residual(3, 3)(X).shape")


@grades("ch7.Residual", en="Residual(3, 6, True, 2) gives (4, 6, 3, 3)",
        zh="Residual(3, 6, True, 2) 得到 (4, 6, 3, 3)")
def test_residual_shape_1x1(student, gen, device):
    X = torch.randn(4, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    with mistake_on_error("conv3-missing-stride", match="must match the size"):
        res = student.module("Residual", 3, 6, True, 2, inputs=(X,))
    expect_equal(tuple(res["output"].shape), (4, 6, 3, 3), what="Residual(3, 6, True, 2)(X).shape")


@grades("ch7.Residual", en="attribute names and state_dict keys follow the book",
        zh="属性名和 state_dict 的键与书中一致")
@pytest.mark.parametrize("args", [(3, 3), (3, 6, True, 2)])
def test_residual_keys(student, gen, device, args):
    X = torch.randn(2, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    with mistake_on_error("conv3-missing-stride", match="must match the size"):
        res = student.module("Residual", *args, inputs=(X,))
    expect_equal(list(res["state_dict_keys"]), list(ref.Residual(*args).state_dict().keys()),
                 what=f"Residual{args} state_dict keys")


@grades("ch7.Residual", en="ReLU after adding the shortcut: no negative output",
        zh="加上捷径之后再 ReLU：输出没有负数")
def test_residual_relu_after_add(student, gen, device):
    m = _randomized(ref.Residual(3, 3), gen, torch.float64, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(4, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    res = student.module("Residual", 3, 3, state_dict=sd, inputs=(X,), train=False)
    out = res["output"]
    mistake_if(bool((out < 0).any()), "relu-before-add", got=f"min {out.min().item():.4g}",
               expected=">= 0")
    with torch.no_grad():
        expected = m.eval()(X)
    expect_close(out, expected, rtol=1e-6, what="Residual(3, 3)(X)")


@grades("ch7.Residual", en="the stride is on conv1 (and conv3), not on conv2",
        zh="步幅用在 conv1（和 conv3）上，而不是 conv2")
def test_residual_stride_on_conv1(student, gen, device):
    m = _randomized(ref.Residual(3, 5, True, 2), gen, torch.float64, device).eval()
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(2, 3, 8, 6, generator=gen, dtype=torch.float64).to(device)
    with mistake_on_error("conv3-missing-stride", match="must match the size"):
        res = student.module("Residual", 3, 5, True, 2, state_dict=sd, inputs=(X,), train=False)
    wrong = copy.deepcopy(m)
    wrong.conv1.stride, wrong.conv2.stride = (1, 1), (2, 2)
    with torch.no_grad():
        expected, wrong_out = m(X), wrong(X)
    mistake_if(_close(res["output"], wrong_out), "stride-on-conv2")
    expect_close(res["output"], expected, rtol=1e-6, what="Residual(3, 5, True, 2)(X)")


@grades("ch7.Residual", en="matches the reference block (train and eval modes)",
        zh="与参考实现一致（训练模式和预测模式）")
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("args", [(4, 4), (3, 5, True, 2), (4, 6, True, 1)])
def test_residual_values(student, gen, device, dtype, train, args):
    m = _randomized(ref.Residual(*args), gen, dtype, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(3, args[0], 7, 6, generator=gen, dtype=dtype).to(device)
    with mistake_on_error("conv3-missing-stride", match="must match the size"):
        res = student.module("Residual", *args, state_dict=sd, inputs=(X,), train=train,
                             dtype=dtype)
    m.train(train)
    with torch.no_grad():
        expected = m(X)
    expect_close(res["output"], expected, **_tol(dtype), what=f"Residual{args}(X)")
    if train:
        for k in ("bn1.running_mean", "bn2.running_var"):
            expect_close(res["state_dict"][k], m.state_dict()[k], **_tol(dtype),
                         what=f"{k} after a training step")


# ------------------------------------------------------------------------- ch7.resnet_block
def probe_block_info(mod, args):
    """Type of the result and, per residual block, [has conv3, conv1 stride, in, out channels]."""
    blk = mod.resnet_block(*args)
    rows = []
    for r in blk:
        conv3 = getattr(r, "conv3", None)
        conv1 = getattr(r, "conv1", None)
        rows.append([type(r).__name__, conv3 is not None,
                     list(conv1.stride) if conv1 is not None else None,
                     conv1.in_channels if conv1 is not None else None,
                     conv1.out_channels if conv1 is not None else None])
    return {"type": type(blk).__name__, "blocks": rows,
            "num_params": sum(p.numel() for p in nn.Sequential(*blk).parameters())}


def probe_resnet18(mod, X):
    """The book's ResNet-18 built from the learner's resnet_block: parameter count, and the
    stage output shapes for a small input (no forward at 224×224)."""
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64),
                       nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    stages = [b1, nn.Sequential(*mod.resnet_block(64, 64, 2, first_block=True)),
              nn.Sequential(*mod.resnet_block(64, 128, 2)),
              nn.Sequential(*mod.resnet_block(128, 256, 2)),
              nn.Sequential(*mod.resnet_block(256, 512, 2))]
    net = nn.Sequential(*stages, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 10))
    num_params = sum(p.numel() for p in net.parameters())
    shapes = []
    net.eval()
    with torch.no_grad():
        for stage in stages:
            X = stage(X)
            shapes.append(list(X.shape[1:]))
    return {"num_params": num_params, "shapes": shapes}


def probe_block_forward(mod, args, sd, X, train):
    net = nn.Sequential(*mod.resnet_block(*args)).to(dtype=X.dtype, device=X.device)
    net.load_state_dict(sd)
    net.train(train)
    with torch.no_grad():
        return net(X)


@grades("ch7.resnet_block", en="first_block=True keeps the size; later stages halve it",
        zh="first_block=True 时保持尺寸不变；之后的模块把尺寸减半")
def test_block_structure(student):
    first = student.probe(probe_block_info, (4, 4, 2, True))
    expect(first["type"] == "list", what="type(resnet_block(...))", expected="list",
           got=first["type"])
    expect_equal(len(first["blocks"]), 2, what="len(resnet_block(4, 4, 2, True))")
    mistake_if(first["blocks"][0][1] or first["blocks"][0][2] != [1, 1], "first-block-ignored",
               got=f"conv3: {first['blocks'][0][1]}, stride {first['blocks'][0][2]}",
               expected="no conv3, stride [1, 1]")
    later = student.probe(probe_block_info, (4, 6, 3))
    expect_equal(len(later["blocks"]), 3, what="len(resnet_block(4, 6, 3))")
    mistake_if(any(b[1] for b in later["blocks"][1:]), "conv1x1-in-every-block",
               got=[b[1] for b in later["blocks"]], expected=[True, False, False])
    mistake_if(any(b[1] for b in first["blocks"]), "conv1x1-in-every-block",
               got=[b[1] for b in first["blocks"]], expected=[False, False])
    expected = probe_block_info(ref, (4, 6, 3))
    expect_equal(later["blocks"], expected["blocks"],
                 what="resnet_block(4, 6, 3): [class, has conv3, conv1 stride, in, out]")
    expect_equal(later["num_params"], expected["num_params"],
                 what="parameters of resnet_block(4, 6, 3)")


@grades("ch7.resnet_block", en="the book's ResNet-18: stage shapes (32×32 input) and 11,178,378 parameters",
        zh="书中的 ResNet-18：各模块的输出形状（32×32 输入）和 11,178,378 个参数")
def test_resnet18(student, gen):
    X = torch.randn(1, 1, 32, 32, generator=gen)
    got = student.probe(probe_resnet18, X)
    shapes = [tuple(s) for s in got["shapes"]]
    mistake_if(len(shapes) > 1 and shapes[1][1:] == (4, 4), "first-block-ignored",
               got=shapes[1], expected=(64, 8, 8))
    expect_equal(shapes, [(64, 8, 8), (64, 8, 8), (128, 4, 4), (256, 2, 2), (512, 1, 1)],
                 what="stage output shapes for a 1×32×32 input")
    mistake_if(got["num_params"] > 11178378, "conv1x1-in-every-block", got=got["num_params"],
               expected=11178378)
    expect_equal(got["num_params"], 11178378, what="ResNet-18 parameter count")


@grades("ch7.resnet_block", en="matches the reference stage with the same weights",
        zh="加载相同的权重后与参考实现一致")
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("train", [True, False])
def test_block_values(student, gen, device, dtype, train):
    args = (3, 5, 2)
    m = _randomized(nn.Sequential(*ref.resnet_block(*args)), gen, dtype, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(2, 3, 8, 6, generator=gen, dtype=dtype).to(device)
    got = student.probe(probe_block_forward, args, sd, X, train)
    m.train(train)
    with torch.no_grad():
        expected = m(X)
    expect_close(got, expected, **_tol(dtype), what="nn.Sequential(*resnet_block(3, 5, 2))(X)")
