"""Grader for 7.7 DenseNet: ch7.DenseBlock (with conv_block), ch7.transition_block."""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, child_types, expect_equal, expect_modes_close, grades,
                                mistake_if, probes_for, randomized, reference, train_then_eval)

ref = reference(__file__)
probes = probes_for(__file__)


def _compare(student, name, args, X_shape, gen, device, dtype):
    m = randomized(getattr(ref, name)(*args), gen, dtype, device)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(*X_shape, generator=gen, dtype=dtype).to(device)
    got = student.train_then_eval(name, args, sd, X)
    expect_modes_close(got, train_then_eval(m, X), f"{name}{args}(X)")


# ------------------------------------------------------------------ ch7.DenseBlock, conv_block
@grades("ch7.DenseBlock", en="conv_block: BatchNorm2d, ReLU, Conv2d 3×3 with padding 1",
        zh="conv_block：BatchNorm2d、ReLU、3×3 卷积层（填充 1）")
def test_conv_block_layers(student, gen, device):
    X = torch.randn(2, 3, 5, 4, generator=gen, dtype=torch.float64).to(device)
    res = student.module("conv_block", 3, 7, inputs=(X,))
    expect_equal(child_types(res), ["BatchNorm2d", "ReLU", "Conv2d"], what="conv_block(3, 7) layers")
    expect_equal(list(res["state_dict_keys"]), list(ref.conv_block(3, 7).state_dict().keys()),
                 what="conv_block(3, 7) state_dict keys")
    expect_equal(tuple(res["output"].shape), (2, 7, 5, 4), what="conv_block(3, 7)(X).shape")


@grades("ch7.DenseBlock", en="conv_block matches the reference (a training step, then eval)",
        zh="conv_block 与参考实现一致（训练一步，再预测）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_conv_block_values(student, gen, device, dtype):
    _compare(student, "conv_block", (3, 7), (2, 3, 5, 4), gen, device, dtype)


@grades("ch7.DenseBlock", en="conv block i takes num_channels * i + input_channels channels",
        zh="第 i 个卷积块的输入通道数为 num_channels * i + input_channels")
def test_dense_block_channels(student):
    got = student.probe(probes.probe_state_shapes, "DenseBlock", (3, 3, 10))
    expected = probes.probe_state_shapes(ref, "DenseBlock", (3, 3, 10))
    bn_in = [got.get(f"net.{i}.0.weight", [None])[0] for i in range(3)]
    mistake_if(bn_in == [3, 3, 3], "input-channels-not-growing",
               what="input channels of net[0], net[1], net[2]", got=bn_in, expected=[3, 13, 23])
    expect_equal(got, expected, what="DenseBlock(3, 3, 10) state_dict shapes")


@grades("ch7.DenseBlock", en="DenseBlock(2, 3, 10) on (4, 3, 8, 8) gives (4, 23, 8, 8)",
        zh="DenseBlock(2, 3, 10) 作用于 (4, 3, 8, 8) 得到 (4, 23, 8, 8)")
def test_dense_block_book(student, gen, device):
    X = torch.randn(4, 3, 8, 8, generator=gen, dtype=torch.float64).to(device)
    res = student.module("DenseBlock", 2, 3, 10, inputs=(X,))
    out = res["output"]
    mistake_if(tuple(out.shape) == (4, 20, 8, 8), "only-y-concatenated",
               what="DenseBlock(2, 3, 10)(X).shape", got=tuple(out.shape),
               expected=(4, 23, 8, 8))
    expect_equal(tuple(out.shape), (4, 23, 8, 8), what="DenseBlock(2, 3, 10)(X).shape")
    mistake_if(torch.equal(out[:, -3:], X) and not torch.equal(out[:, :3], X), "cat-order-swapped",
               what="DenseBlock(2, 3, 10)(X)", got="the input X in the last 3 channels",
               expected="the input X in the first 3 channels")
    expect_equal(out[:, :3], X, what="DenseBlock(2, 3, 10)(X)[:, :3]  # the input comes first")


@grades("ch7.DenseBlock", en="DenseBlock matches the reference (a training step, then eval)",
        zh="DenseBlock 与参考实现一致（训练一步，再预测）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_dense_block_values(student, gen, device, dtype):
    _compare(student, "DenseBlock", (3, 2, 4), (3, 2, 5, 6), gen, device, dtype)


# ---------------------------------------------------------------------- ch7.transition_block
@grades("ch7.transition_block", en="(4, 23, 8, 8) → (4, 10, 4, 4)", zh="(4, 23, 8, 8) → (4, 10, 4, 4)")
def test_transition_book(student, gen, device):
    X = torch.randn(4, 23, 8, 8, generator=gen, dtype=torch.float64).to(device)
    res = student.module("transition_block", 23, 10, inputs=(X,))
    expect_equal(tuple(res["output"].shape), (4, 10, 4, 4), what="transition_block(23, 10)(X).shape")


@grades("ch7.transition_block", en="layers: BatchNorm2d, ReLU, Conv2d 1×1, AvgPool2d",
        zh="层的结构：BatchNorm2d、ReLU、1×1 卷积层、AvgPool2d")
def test_transition_layers(student, gen, device):
    X = torch.randn(2, 5, 6, 6, generator=gen, dtype=torch.float64).to(device)
    res = student.module("transition_block", 5, 3, inputs=(X,))
    kinds = child_types(res)
    mistake_if("MaxPool2d" in kinds, "max-pool", what="transition_block(5, 3) layers", got=kinds,
               expected=["BatchNorm2d", "ReLU", "Conv2d", "AvgPool2d"])
    expect_equal(kinds, ["BatchNorm2d", "ReLU", "Conv2d", "AvgPool2d"],
                 what="transition_block(5, 3) layers")
    expect_equal(list(res["state_dict_keys"]), list(ref.transition_block(5, 3).state_dict().keys()),
                 what="transition_block(5, 3) state_dict keys")


@grades("ch7.transition_block", en="matches the reference (a training step, then eval)",
        zh="与参考实现一致（训练一步，再预测）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_transition_values(student, gen, device, dtype):
    _compare(student, "transition_block", (5, 3), (3, 5, 7, 6), gen, device, dtype)
