"""Grader for 4.8 Xavier initialization: fan_in_fan_out + xavier_uniform (statistics, seeds)."""
import math

import pytest
import torch
from torch.nn.init import _calculate_fan_in_and_fan_out

from d2lkit.grading.api import (Gen, LearnerError, Mistake, expect, expect_equal, grades,
                                mistake_if)

SHAPES = [(256, 784), (6, 1, 5, 5), (16, 6, 5, 5), (10, 3), (4, 3, 2, 5, 2)]


def _fans(shape):
    return tuple(_calculate_fan_in_and_fan_out(torch.empty(shape)))


@grades("ch4.xavier_uniform", en="fan_in and fan_out of Linear and conv weights",
        zh="全连接层和卷积层权重的 fan_in 与 fan_out")
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_fans(student, shape):
    got = student.call("fan_in_fan_out", shape)
    expected = _fans(shape)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what=f"fan_in_fan_out({shape})",
           expected="a tuple (fan_in, fan_out)", got=got)
    got = tuple(got)
    mistake_if(len(shape) > 2 and got != expected and got == (shape[1], shape[0]),
               "receptive-field-ignored", what="fan_in_fan_out(shape)", got=got, expected=expected)
    expect_equal(got, expected, what=f"fan_in_fan_out({shape})")


@grades("ch4.xavier_uniform", en="fewer than 2 dimensions raises ValueError",
        zh="维数少于 2 时抛出 ValueError")
@pytest.mark.parametrize("shape", [(5,), ()], ids=["1d", "0d"])
def test_fans_need_two_dims(student, shape):
    try:
        got = student.call("fan_in_fan_out", shape)
    except LearnerError as err:
        if err.type != "ValueError":
            raise Mistake("one-d-no-error", what=f"fan_in_fan_out({shape})",
                          got=f"{err.type}: {err.message}"[:200],
                          expected="ValueError") from None
        return
    raise Mistake("one-d-no-error", what=f"fan_in_fan_out({shape})", got=got, expected="ValueError")


def _check_sample(W, shape, gain):
    fan_in, fan_out = _fans(shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    target = gain ** 2 * 2.0 / (fan_in + fan_out)
    expect(isinstance(W, torch.Tensor), what="xavier_uniform(shape)", expected="Tensor",
           got=type(W).__name__)
    expect(tuple(W.shape) == tuple(shape) and W.dtype == torch.float32, what="shape and dtype",
           expected=f"{tuple(shape)} float32", got=f"{tuple(W.shape)} {W.dtype}")
    var = float(W.double().var())
    mistake_if(abs(var / (target / 3) - 1) < 0.1, "normal-std-as-bound",
               what="variance of the weights", got=f"variance {var:.3g}",
               expected=f"variance {target:.3g}")
    bound = float(W.abs().max())
    expect(bound <= a * (1 + 1e-6), what="max |w|", expected=f"<= a = {a:.5g}", got=bound)
    expect(bound >= 0.98 * a, what="max |w|", expected=f"close to a = {a:.5g}", got=bound)
    expect(abs(var / target - 1) <= 0.05, what="variance", expected=f"{target:.5g} ± 5%", got=var)
    mean = float(W.double().mean())
    expect(abs(mean) <= 0.05 * a, what="mean", expected="about 0", got=mean)


@grades("ch4.xavier_uniform", en="300×500: U(−a, a) with variance 2/(fan_in + fan_out)",
        zh="300×500：U(−a, a)，方差为 2/(fan_in + fan_out)")
def test_matrix_statistics(student, seed):
    W = student.call("xavier_uniform", (300, 500), 1.0, Gen(seed))
    _check_sample(W, (300, 500), 1.0)


@grades("ch4.xavier_uniform", en="a conv weight with gain 2", zh="gain 为 2 的卷积权重")
def test_conv_gain(student, seed):
    W = student.call("xavier_uniform", (64, 32, 5, 5), 2.0, Gen(seed))
    _check_sample(W, (64, 32, 5, 5), 2.0)


@grades("ch4.xavier_uniform", en="the same seed gives the same weights, another seed others",
        zh="相同的种子给出相同的权重，不同的种子给出不同的权重")
def test_seeded(student, seed):
    a = student.call("xavier_uniform", (20, 30), 1.0, Gen(seed))
    b = student.call("xavier_uniform", (20, 30), 1.0, Gen(seed))
    c = student.call("xavier_uniform", (20, 30), 1.0, Gen(seed + 1))
    expect_equal(a, b, what="two calls with the same seed")
    expect(not torch.equal(a, c), what="two calls with different seeds",
           expected="different weights",
           got="the same weights")


@grades("ch4.xavier_uniform", en="works without a generator", zh="不传 generator 时也能用")
def test_no_generator(student):
    W = student.call("xavier_uniform", (200, 300))
    _check_sample(W, (200, 300), 1.0)
