"""Grader for 7.6 ResNet: ch7.Residual, ch7.resnet_block."""
import contextlib
import copy

import pytest
import torch
from torch import nn

from d2lkit.grading.api import (chain_tolerance, expect, expect_close, expect_equal,
                                expect_modes_close, FLOATS, grades, is_close, LearnerError,
                                mistake_if, probes_for, randomized, reference, train_then_eval)

ref = reference(__file__)
probes = probes_for(__file__)
NEAR = {"rtol": 1e-6, "atol": 1e-8}  # how close a wrong answer must come to a mistake's to name it


def conv3_without_stride(convs):
    """Residual's 1×1 conv3 is there, without the stride that conv1 has."""
    return "conv3" in convs and convs["conv3"][1] == [1, 1] and convs.get("conv1", [0, [1, 1]])[1] != [1, 1]


def no_projection(convs):
    """BottleneckResidual has its three convolutions and no fourth one on the shortcut."""
    return len(convs) == 3


@contextlib.contextmanager
def shortcut_mismatch(student, mistake, name, args, proven):
    """The shortcut's shape does not match the block's output ("must match the size"): that is
    `mistake` only when `proven` holds for the learner's convolutions ({name: [kernel, stride]});
    a wrong kernel size or padding elsewhere raises the same error."""
    try:
        yield
    except LearnerError as e:
        if "must match the size" in e.message:
            try:
                convs = student.probe(probes.probe_convs, name, args)
            except LearnerError:
                convs = None
            mistake_if(convs is not None and proven(convs), mistake, what=f"{name}{tuple(args)}(X)",
                       got=f"{e.type}: {e.message}"[:200])
        raise


@contextlib.contextmanager
def bn1_wrong_channels(student, args):
    """A batch normalization of the wrong size ("should contain") is bn1-wrong-channels when
    PreActResidual's bn1 normalizes num_channels instead of the input's channels."""
    try:
        yield
    except LearnerError as e:
        if "should contain" in e.message:
            try:
                bns = student.probe(probes.probe_batch_norms, "PreActResidual", args)
            except LearnerError:
                bns = {}
            mistake_if(args[0] != args[1] and bns.get("bn1") == args[1], "bn1-wrong-channels",
                       what=f"PreActResidual{tuple(args)}(X)", got=f"{e.type}: {e.message}"[:200])
        raise


# ----------------------------------------------------------------------------- ch7.Residual
@grades("ch7.Residual", en="Residual(3, 3) keeps (4, 3, 6, 6); state_dict keys", zh="Residual(3, 3) 保持 (4, 3, 6, 6)；state_dict 的键")
def test_residual_shape_identity(student, gen, device):
    X = torch.randn(4, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    res = student.module("Residual", 3, 3, inputs=(X,))
    expect_equal(tuple(res["output"].shape), (4, 3, 6, 6), what="Residual(3, 3)(X).shape")
    expect_equal(list(res["state_dict_keys"]), list(ref.Residual(3, 3).state_dict().keys()),
                 what="Residual(3, 3) state_dict keys")


@grades("ch7.Residual", en="Residual(3, 6, True, 2) gives (4, 6, 3, 3); state_dict keys",
        zh="Residual(3, 6, True, 2) 得到 (4, 6, 3, 3)；state_dict 的键")
def test_residual_shape_1x1(student, gen, device):
    X = torch.randn(4, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    with shortcut_mismatch(student, "conv3-missing-stride", "Residual", (3, 6, True, 2), conv3_without_stride):
        res = student.module("Residual", 3, 6, True, 2, inputs=(X,))
    expect_equal(tuple(res["output"].shape), (4, 6, 3, 3), what="Residual(3, 6, True, 2)(X).shape")
    expect_equal(list(res["state_dict_keys"]), list(ref.Residual(3, 6, True, 2).state_dict().keys()),
                 what="Residual(3, 6, True, 2) state_dict keys")


@grades("ch7.Residual", en="ReLU after adding the shortcut: no negative output",
        zh="加上捷径之后再 ReLU：输出没有负数")
def test_residual_relu_after_add(student, gen, device):
    m = randomized(ref.Residual(3, 3), gen, torch.float64, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(4, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    res = student.module("Residual", 3, 3, state_dict=sd, inputs=(X,), train=False)
    out = res["output"]
    mistake_if(bool((out < 0).any()), "relu-before-add", what="Residual(3, 3)(X).min()",
               got=f"min {out.min().item():.4g}",
               expected=">= 0")
    with torch.no_grad():
        expected = m.eval()(X)
    expect_close(out, expected, rtol=1e-6, what="Residual(3, 3)(X)")


@grades("ch7.Residual", en="the stride is on conv1 (and conv3), not on conv2",
        zh="步幅用在 conv1（和 conv3）上，而不是 conv2")
def test_residual_stride_on_conv1(student, gen, device):
    m = randomized(ref.Residual(3, 5, True, 2), gen, torch.float64, device).eval()
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(2, 3, 8, 6, generator=gen, dtype=torch.float64).to(device)
    with shortcut_mismatch(student, "conv3-missing-stride", "Residual", (3, 5, True, 2), conv3_without_stride):
        res = student.module("Residual", 3, 5, True, 2, state_dict=sd, inputs=(X,), train=False)
    wrong = copy.deepcopy(m)
    wrong.conv1.stride, wrong.conv2.stride = (1, 1), (2, 2)
    with torch.no_grad():
        expected, wrong_out = m(X), wrong(X)
    mistake_if(is_close(res["output"], wrong_out, **NEAR), "stride-on-conv2",
               what="Residual(3, 5, True, 2)(X)", got="the output of conv1 stride 1, conv2 stride 2",
               expected="conv1 stride 2, conv2 stride 1")
    expect_close(res["output"], expected, rtol=1e-6, what="Residual(3, 5, True, 2)(X)")


@grades("ch7.Residual", en="matches the reference block (a training step, then eval)",
        zh="与参考实现一致（训练一步，再预测）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_residual_values(student, gen, device, dtype):
    args = (3, 5, True, 2)
    m = randomized(ref.Residual(*args), gen, dtype, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(3, 3, 7, 6, generator=gen, dtype=dtype).to(device)
    with shortcut_mismatch(student, "conv3-missing-stride", "Residual", args, conv3_without_stride):
        got = student.train_then_eval("Residual", args, sd, X)
    expect_modes_close(got, train_then_eval(m, X), f"Residual{args}(X)")


# ------------------------------------------------------------------------- ch7.resnet_block
@grades("ch7.resnet_block", en="first_block=True keeps the size; later stages halve it",
        zh="first_block=True 时保持尺寸不变；之后的模块把尺寸减半")
def test_block_structure(student):
    first = student.probe(probes.probe_block_info, (4, 4, 2, True))
    expect(first["type"] == "list", what="type(resnet_block(...))", expected="list",
           got=first["type"])
    expect_equal(len(first["blocks"]), 2, what="len(resnet_block(4, 4, 2, True))")
    later = student.probe(probes.probe_block_info, (4, 6, 3))
    expect_equal(len(later["blocks"]), 3, what="len(resnet_block(4, 6, 3))")
    # every block has conv3, not only the first of a later stage (conv3 in some other block is
    # another bug)
    mistake_if(all(b[1] for b in later["blocks"] + first["blocks"]),
               "conv1x1-in-every-block", what="has conv3, per block of resnet_block(4, 6, 3)",
               got=[b[1] for b in later["blocks"]],
               expected=[True, False, False])
    mistake_if(first["blocks"][0][1] or first["blocks"][0][2] != [1, 1], "first-block-ignored",
               what="resnet_block(4, 4, 2, first_block=True)[0]", got=f"conv3: {first['blocks'][0][1]}, stride {first['blocks'][0][2]}",
               expected="no conv3, stride [1, 1]")
    expected = probes.probe_block_info(ref, (4, 6, 3))
    expect_equal(later["blocks"], expected["blocks"],
                 what="resnet_block(4, 6, 3): [class, has conv3, conv1 stride, in, out]")
    expect_equal(later["num_params"], expected["num_params"],
                 what="parameters of resnet_block(4, 6, 3)")


@grades("ch7.resnet_block", en="the book's ResNet-18: stage shapes (32×32 input) and 11,178,378 parameters",
        zh="书中的 ResNet-18：各模块的输出形状（32×32 输入）和 11,178,378 个参数")
def test_resnet18(student, gen):
    X = torch.randn(1, 1, 32, 32, generator=gen)
    got = student.probe(probes.probe_resnet18, X)
    shapes = [tuple(s) for s in got["shapes"]]
    mistake_if(len(shapes) > 1 and shapes[1][1:] == (4, 4), "first-block-ignored",
               what="b2 output shape", got=shapes[1], expected=(64, 8, 8))
    expect_equal(shapes, [(64, 8, 8), (64, 8, 8), (128, 4, 4), (256, 2, 2), (512, 1, 1)],
                 what="stage output shapes for a 1×32×32 input")
    # a 1×1 conv in each of the 5 blocks that need none: 2 · (64·64 + 64) + (128·128 + 128)
    # + (256·256 + 256) + (512·512 + 512) = 353,280 parameters more
    mistake_if(got["num_params"] == 11178378 + 353280, "conv1x1-in-every-block",
               what="ResNet-18 parameter count", got=got["num_params"],
               expected=11178378)
    expect_equal(got["num_params"], 11178378, what="ResNet-18 parameter count")


@grades("ch7.resnet_block", en="matches the reference stage (a training step, then eval)",
        zh="与参考实现一致（训练一步，再预测）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_block_values(student, gen, device, dtype):
    args = (3, 5, 2)
    m = randomized(nn.Sequential(*ref.resnet_block(*args)), gen, dtype, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(2, 3, 8, 6, generator=gen, dtype=dtype).to(device)
    got = student.train_then_eval("resnet_block", args, sd, X)
    expect_modes_close(got, train_then_eval(m, X), "nn.Sequential(*resnet_block(3, 5, 2))(X)")


# ------------------------------------------------------------ stretch: bottleneck, pre-activation
def _compare_train_eval(student, name, args, gen, device, dtype, X):
    """Load the reference's random state into the learner's module; compare a forward in train
    mode (output and running statistics afterwards) and one in eval mode."""
    m = randomized(getattr(ref, name)(*args), gen, dtype, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    with torch.no_grad():
        expected = train_then_eval(copy.deepcopy(m), X)
    tol = chain_tolerance(dtype)
    what = f"{name}{args}(X)"
    res = student.module(name, *args, state_dict=sd, inputs=(X,), dtype=dtype, train=True)
    expect_close(res["output"], expected["train"], **tol, what=f"{what} in train mode")
    for k, v in expected["state"].items():
        if v.is_floating_point():
            expect_close(res["state_dict"][k], v, **tol, what=f"{k} after a training step")
    res = student.module(name, *args, state_dict=sd, inputs=(X,), dtype=dtype, train=False)
    with torch.no_grad():
        expected_eval = m.eval()(X)
    expect_close(res["output"], expected_eval, **tol, what=f"{what} in eval mode")


# ------------------------------------------------------------------ ch7.BottleneckResidual
@grades("ch7.BottleneckResidual",
        en="BottleneckResidual(8, 2, 8) keeps (4, 8, 6, 6): 104 parameters, no shortcut convolution",
        zh="BottleneckResidual(8, 2, 8) 保持 (4, 8, 6, 6)：104 个参数，捷径上没有卷积")
def test_bottleneck_identity(student, gen, device):
    X = torch.randn(4, 8, 6, 6, generator=gen, dtype=torch.float64).to(device)
    res = student.module("BottleneckResidual", 8, 2, 8, inputs=(X,))
    expect_equal(tuple(res["output"].shape), (4, 8, 6, 6), what="BottleneckResidual(8, 2, 8)(X).shape")
    expect_equal(list(res["state_dict_keys"]),
                 list(ref.BottleneckResidual(8, 2, 8).state_dict().keys()),
                 what="BottleneckResidual(8, 2, 8) state_dict keys")
    expect_equal(res["num_params"], 104, what="parameters of BottleneckResidual(8, 2, 8)")


@grades("ch7.BottleneckResidual",
        en="a stride or new channels add the 1×1 shortcut: (4, 3, 10, 2) and (8, 4, 8, 2)",
        zh="有步幅或通道数改变时捷径上有 1×1 卷积：(4, 3, 10, 2) 和 (8, 4, 8, 2)")
def test_bottleneck_projection(student, gen, device):
    for args, in_shape, out_shape, n in (((4, 3, 10, 2), (4, 4, 6, 6), (4, 10, 3, 3), 221),
                                         ((8, 4, 8, 2), (2, 8, 7, 6), (2, 8, 4, 3), 328)):
        X = torch.randn(*in_shape, generator=gen, dtype=torch.float64).to(device)
        with shortcut_mismatch(student, "no-projection-on-stride", "BottleneckResidual", args, no_projection):
            res = student.module("BottleneckResidual", *args, inputs=(X,))
        keys = list(res["state_dict_keys"])
        mistake_if(args[0] == args[2] and "shortcut.weight" not in keys, "no-projection-on-stride",
                   what=f"BottleneckResidual{args} state_dict keys", got=keys)
        expect_equal(tuple(res["output"].shape), out_shape, what=f"BottleneckResidual{args}(X).shape")
        expect_equal(keys, list(ref.BottleneckResidual(*args).state_dict().keys()),
                     what=f"BottleneckResidual{args} state_dict keys")
        expect_equal(res["num_params"], n, what=f"parameters of BottleneckResidual{args}")


@grades("ch7.BottleneckResidual",
        en="ResNet-50 sizes: (256, 64, 256) has 70,784 parameters, (64, 64, 256) 75,136",
        zh="ResNet-50 的尺寸：(256, 64, 256) 有 70,784 个参数，(64, 64, 256) 有 75,136 个")
def test_bottleneck_num_params(student):
    got = student.probe(probes.probe_num_params, "BottleneckResidual", [(256, 64, 256), (64, 64, 256)])
    expect_equal(list(got), [70784, 75136],
                 what="parameters of BottleneckResidual(256, 64, 256), (64, 64, 256)")


@grades("ch7.BottleneckResidual", en="ReLU after adding the shortcut: no negative output",
        zh="加上捷径之后再 ReLU：输出没有负数")
def test_bottleneck_relu_after_add(student, gen, device):
    m = randomized(ref.BottleneckResidual(5, 3, 5), gen, torch.float64, device).eval()
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(3, 5, 6, 7, generator=gen, dtype=torch.float64).to(device)
    res = student.module("BottleneckResidual", 5, 3, 5, state_dict=sd, inputs=(X,), train=False)
    out = res["output"]
    mistake_if(bool((out < 0).any()), "relu-before-add", what="BottleneckResidual(5, 3, 5)(X).min()",
               got=f"min {out.min().item():.4g}", expected=">= 0")
    with torch.no_grad():
        expected = m(X)
    expect_close(out, expected, rtol=1e-6, what="BottleneckResidual(5, 3, 5)(X)")


@grades("ch7.BottleneckResidual", en="the stride is on the 3×3 conv2 (and shortcut), not on conv1",
        zh="步幅用在 3×3 的 conv2（和 shortcut）上，而不是 conv1")
def test_bottleneck_stride_on_conv2(student, gen, device):
    args = (4, 3, 6, 2)
    m = randomized(ref.BottleneckResidual(*args), gen, torch.float64, device).eval()
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(2, 4, 8, 7, generator=gen, dtype=torch.float64).to(device)
    with shortcut_mismatch(student, "no-projection-on-stride", "BottleneckResidual", args, no_projection):
        res = student.module("BottleneckResidual", *args, state_dict=sd, inputs=(X,), train=False)
    wrong = copy.deepcopy(m)
    wrong.conv1.stride, wrong.conv2.stride = (2, 2), (1, 1)
    with torch.no_grad():
        expected, wrong_out = m(X), wrong(X)
    mistake_if(is_close(res["output"], wrong_out, **NEAR), "stride-on-first-conv",
               what=f"BottleneckResidual{args}(X)", got="the output of conv1 stride 2, conv2 stride 1",
               expected="conv1 stride 1, conv2 stride 2")
    expect_close(res["output"], expected, rtol=1e-6, what=f"BottleneckResidual{args}(X)")


@grades("ch7.BottleneckResidual", en="matches the reference block (train and eval modes)",
        zh="与参考实现一致（训练模式和预测模式）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_bottleneck_values(student, gen, device, dtype):
    X = torch.randn(3, 4, 7, 6, generator=gen, dtype=dtype).to(device)
    with shortcut_mismatch(student, "no-projection-on-stride", "BottleneckResidual", (4, 3, 6, 2),
                           no_projection):
        _compare_train_eval(student, "BottleneckResidual", (4, 3, 6, 2), gen, device, dtype, X)


# ---------------------------------------------------------------------- ch7.PreActResidual
@grades("ch7.PreActResidual", en="PreActResidual(3, 3) keeps (4, 3, 6, 6): 180 parameters, state_dict keys",
        zh="PreActResidual(3, 3) 保持 (4, 3, 6, 6)：180 个参数，state_dict 的键")
def test_preact_shape(student, gen, device):
    X = torch.randn(4, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    res = student.module("PreActResidual", 3, 3, inputs=(X,))
    expect_equal(tuple(res["output"].shape), (4, 3, 6, 6), what="PreActResidual(3, 3)(X).shape")
    expect_equal(list(res["state_dict_keys"]), list(ref.PreActResidual(3, 3).state_dict().keys()),
                 what="PreActResidual(3, 3) state_dict keys")
    expect_equal(res["num_params"], 180, what="parameters of PreActResidual(3, 3)")


@grades("ch7.PreActResidual", en="PreActResidual(3, 6, True, 2) gives (4, 6, 3, 3): 540 parameters; bn1 has 3 features",
        zh="PreActResidual(3, 6, True, 2) 得到 (4, 6, 3, 3)：540 个参数；bn1 有 3 个特征")
def test_preact_shape_1x1(student, gen, device):
    X = torch.randn(4, 3, 6, 6, generator=gen, dtype=torch.float64).to(device)
    with bn1_wrong_channels(student, (3, 6, True, 2)):
        res = student.module("PreActResidual", 3, 6, True, 2, inputs=(X,))
    bn1 = res["state_dict"].get("bn1.weight")
    mistake_if(bn1 is not None and tuple(bn1.shape) == (6,), "bn1-wrong-channels",
               what="bn1.weight.shape", got=tuple(bn1.shape) if bn1 is not None else None,
               expected=(3,))
    expect_equal(tuple(res["output"].shape), (4, 6, 3, 3), what="PreActResidual(3, 6, True, 2)(X).shape")
    expect_equal(list(res["state_dict_keys"]),
                 list(ref.PreActResidual(3, 6, True, 2).state_dict().keys()),
                 what="PreActResidual(3, 6, True, 2) state_dict keys")
    expect_equal(res["num_params"], 540, what="parameters of PreActResidual(3, 6, True, 2)")


@grades("ch7.PreActResidual", en="no ReLU after the addition: the output can be negative",
        zh="相加之后没有 ReLU：输出可以是负数")
def test_preact_no_relu_after_add(student, gen, device):
    m = randomized(ref.PreActResidual(3, 3), gen, torch.float64, device).eval()
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(4, 3, 6, 5, generator=gen, dtype=torch.float64).to(device)
    res = student.module("PreActResidual", 3, 3, state_dict=sd, inputs=(X,), train=False)
    out = res["output"]
    with torch.no_grad():
        expected = m(X)
    mistake_if(bool((out >= 0).all()) and bool((expected < 0).any()), "relu-after-add",
               what="PreActResidual(3, 3)(X).min()", got=f"min {out.min().item():.4g}",
               expected=f"min {expected.min().item():.4g}")
    expect_close(out, expected, rtol=1e-6, what="PreActResidual(3, 3)(X)")


@grades("ch7.PreActResidual", en="matches the reference block (train and eval modes)",
        zh="与参考实现一致（训练模式和预测模式）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_preact_values(student, gen, device, dtype):
    X = torch.randn(3, 4, 7, 6, generator=gen, dtype=dtype).to(device)
    with bn1_wrong_channels(student, (4, 5, True, 2)):
        _compare_train_eval(student, "PreActResidual", (4, 5, True, 2), gen, device, dtype, X)
