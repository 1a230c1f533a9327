"""Grader for 7.2 VGG: ch7.vgg_block, ch7.vgg_fc_in_features."""
import contextlib
import random

import pytest
import torch
from torch import nn

from d2lkit.grading.api import (FLOATS, LearnerError, child_types, expect, expect_close,
                                expect_equal, grades, mistake_if, probes_for, randomized,
                                reference)

ref = reference(__file__)
probes = probes_for(__file__)

VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def unpadded(student, args) -> bool:
    """Every conv of the learner's vgg_block(*args) has padding 0 (a shape that only looks like
    it can come from a wrong pooling layer)."""
    try:
        convs = student.probe(probes.probe_block_convs, args)
    except LearnerError:
        return False
    return bool(convs) and all(c[2] == [0, 0] for c in convs)


@contextlib.contextmanager
def in_channels_not_updated(student, args):
    """A channel-count error is in-channels-not-updated when every conv of vgg_block(*args) takes
    the block's input channels (a wrong channel count elsewhere gives the same error)."""
    try:
        yield
    except LearnerError as e:
        if "channels" in e.message:
            try:
                convs = student.probe(probes.probe_block_convs, args)
            except LearnerError:
                convs = []
            mistake_if(len(convs) > 1 and all(c[:2] == [args[1], args[2]] for c in convs),
                       "in-channels-not-updated", what=f"vgg_block{tuple(args)}(X)",
                       got=f"{e.type}: {e.message}"[:200])
        raise


# ----------------------------------------------------------------------------- ch7.vgg_block
@grades("ch7.vgg_block", en="vgg_block(2, 3, 8) on (2, 3, 16, 16) gives (2, 8, 8, 8)",
        zh="vgg_block(2, 3, 8) 作用于 (2, 3, 16, 16) 得到 (2, 8, 8, 8)")
def test_vgg_block_shape(student, gen, device):
    X = torch.randn(2, 3, 16, 16, generator=gen, dtype=torch.float64).to(device)
    with in_channels_not_updated(student, (2, 3, 8)):
        res = student.module("vgg_block", 2, 3, 8, inputs=(X,))
    out = res["output"]
    expect(isinstance(out, torch.Tensor), what="vgg_block(...)(X)", expected="a tensor",
           got=type(out).__name__)
    mistake_if(tuple(out.shape) == (2, 8, 6, 6) and unpadded(student, (2, 3, 8)), "padding-zero",
               what="vgg_block(2, 3, 8)(X).shape", got=tuple(out.shape), expected=(2, 8, 8, 8))
    if tuple(out.shape) == (2, 8, 4, 4):  # halved twice: a pooling layer after each conv?
        kinds = child_types(res)
        mistake_if(kinds.count("MaxPool2d") > 1, "pool-inside-loop", what="vgg_block(2, 3, 8)(X).shape",
                   got=tuple(out.shape), expected=(2, 8, 8, 8))
    expect_equal(tuple(out.shape), (2, 8, 8, 8), what="vgg_block(2, 3, 8)(X).shape")


@grades("ch7.vgg_block", en="layers and state_dict keys", zh="层的结构和 state_dict 的键")
def test_vgg_block_layers(student, gen, device):
    X = torch.randn(1, 4, 8, 8, generator=gen, dtype=torch.float64).to(device)
    with in_channels_not_updated(student, (3, 4, 6)):
        res = student.module("vgg_block", 3, 4, 6, inputs=(X,))
    kinds = child_types(res)
    mistake_if(kinds.count("MaxPool2d") > 1, "pool-inside-loop", what="vgg_block(3, 4, 6) layers",
               got=kinds)
    expect_equal(kinds, ["Conv2d", "ReLU"] * 3 + ["MaxPool2d"], what="vgg_block(3, 4, 6) layers")
    expect_equal(list(res["state_dict_keys"]),
                 ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"],
                 what="state_dict keys")
    expect_equal(tuple(res["output"].shape), (1, 6, 4, 4), what="vgg_block(3, 4, 6)(X).shape")


@grades("ch7.vgg_block", en="matches the reference block with the same weights",
        zh="加载相同的权重后与参考实现一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_vgg_block_values(student, gen, device, dtype):
    num_convs = 2
    m = randomized(ref.vgg_block(num_convs, 3, 5), gen, dtype, device, scale=0.3)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(2, 3, 11, 9, generator=gen, dtype=dtype).to(device)  # odd sizes: floor
    with torch.no_grad():
        expected = m(X)
    with in_channels_not_updated(student, (num_convs, 3, 5)):
        res = student.module("vgg_block", num_convs, 3, 5, state_dict=sd, inputs=(X,),
                             dtype=dtype)
    out = res["output"]
    mistake_if(tuple(out.shape[-2:]) == ((11 - 2 * num_convs) // 2, (9 - 2 * num_convs) // 2)
               and unpadded(student, (num_convs, 3, 5)),
               "padding-zero", what=f"vgg_block({num_convs}, 3, 5)(X).shape",
               got=tuple(out.shape), expected=tuple(expected.shape))
    expect_close(out, expected, rtol=1e-6 if dtype == torch.float64 else None,
                 what=f"vgg_block({num_convs}, 3, 5)(X)")


# ----------------------------------------------------------------------- ch7.vgg_fc_in_features
@grades("ch7.vgg_fc_in_features", en="the book's VGG-11 at 224×224: 25088",
        zh="书中的 VGG-11，输入 224×224：25088")
def test_fc_in_features_book(student):
    got = student.call("vgg_fc_in_features", VGG11, 224)
    expect(isinstance(got, int) and not isinstance(got, bool), what="vgg_fc_in_features(...)",
           expected="int", got=type(got).__name__)
    expect_equal(got, 25088, what="vgg_fc_in_features(conv_arch, 224)")
    expect_equal(student.call("vgg_fc_in_features", VGG11), 25088,
                 what="vgg_fc_in_features(conv_arch)  # default input_size")


@grades("ch7.vgg_fc_in_features", en="VGG-11 at 96×96: 4608", zh="VGG-11，输入 96×96：4608")
def test_fc_in_features_96(student):
    expect_equal(student.call("vgg_fc_in_features", VGG11, 96), 4608,
                 what="vgg_fc_in_features(conv_arch, 96)")


@grades("ch7.vgg_fc_in_features", en="random architectures and sizes (rounding down)",
        zh="随机的结构和输入大小（向下取整）")
def test_fc_in_features_random(student, seed):
    rng = random.Random(seed)
    cases = []
    for _ in range(8):
        arch = tuple((rng.randint(1, 3), rng.choice([8, 16, 24, 40])) for _ in range(rng.randint(1, 5)))
        cases.append((arch, rng.randint(2 ** len(arch), 300)))
    got = student.probe(probes.probe_fc_many, cases)
    for (arch, size), g in zip(cases, got):
        expected = arch[-1][1] * (size // 2 ** len(arch)) ** 2
        expect_equal(g, expected, what=f"vgg_fc_in_features({arch}, {size})")


# ------------------------------------------------------------------ ch7.vgg16_arch (stretch)
VGG16 = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG19 = ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512))


def _count_on_meta(arch, in_channels, num_classes, input_size):
    """Parameter count of the book's VGG, built on the meta device (no memory, no init cost)."""
    with torch.device("meta"):
        blocks, c = [], in_channels
        for num_convs, out in arch:
            blocks.append(ref.vgg_block(num_convs, c, out))
            c = out
        fc_in = arch[-1][1] * (input_size // 2 ** len(arch)) ** 2
        net = nn.Sequential(*blocks, nn.Flatten(), nn.Linear(fc_in, 4096), nn.ReLU(),
                            nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, num_classes))
    return sum(p.numel() for p in net.parameters())


@grades("ch7.vgg16_arch", en="vgg16_arch() is ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))",
        zh="vgg16_arch() 为 ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))")
def test_vgg16_arch(student):
    got = student.call("vgg16_arch")
    expect(isinstance(got, (tuple, list)), what="vgg16_arch()", expected="a tuple",
           got=type(got).__name__)
    expect_equal(tuple(tuple(b) if isinstance(b, (list, tuple)) else b for b in got), VGG16,
                 what="vgg16_arch()")


@grades("ch7.vgg16_arch", en="VGG-16: 138,357,544 parameters; VGG-19: 143,667,240",
        zh="VGG-16：138,357,544 个参数；VGG-19：143,667,240 个")
def test_vgg16_num_params(student):
    expect_equal(student.call("vgg_num_params", VGG16), 138357544, what="vgg_num_params(VGG-16)")
    expect_equal(student.call("vgg_num_params", VGG19, 3, 1000, 224), 143667240,
                 what="vgg_num_params(VGG-19, 3, 1000, 224)")


@grades("ch7.vgg16_arch", en="the book's VGG-11 (1 channel, 10 classes) and random architectures",
        zh="书中的 VGG-11（1 个通道、10 个类别）以及随机结构")
def test_vgg_num_params_random(student, seed):
    rng = random.Random(seed)
    cases = [(VGG11, 1, 10, 224)]
    for _ in range(2):
        arch = tuple((rng.randint(1, 3), rng.choice([8, 16, 24])) for _ in range(rng.randint(1, 4)))
        cases.append((arch, rng.randint(1, 4), rng.randint(2, 20), rng.randint(2 ** len(arch), 64)))
    for args in cases:
        expect_equal(student.call("vgg_num_params", *args), _count_on_meta(*args),
                     what=f"vgg_num_params{args}")
