"""Grader for 7.3 NiN: ch7.nin_block."""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, expect_close, expect_equal, grades, probes_for, randomized,
                                reference)

ref = reference(__file__)
probes = probes_for(__file__)


def _expected_configs(args):
    return probes.probe_conv_configs(ref, args)


@grades("ch7.nin_block", en="layers: Conv, ReLU, Conv1×1, ReLU, Conv1×1, ReLU",
        zh="层的结构：卷积、ReLU、1×1 卷积、ReLU、1×1 卷积、ReLU")
def test_nin_block_layers(student):
    args = (3, 8, 5, 2, 1)
    expect_equal(student.probe(probes.probe_conv_configs, args), _expected_configs(args),
                 what="nin_block(3, 8, 5, 2, 1) layers [type, in, out, kernel, stride, padding, bias]")


@grades("ch7.nin_block", en="state_dict keys 0.*, 2.*, 4.* and output shape",
        zh="state_dict 的键为 0.*、2.*、4.*，以及输出形状")
def test_nin_block_keys(student, gen, device):
    X = torch.randn(2, 1, 24, 24, generator=gen, dtype=torch.float64).to(device)
    res = student.module("nin_block", 1, 6, 11, 4, 0, inputs=(X,))
    expect_equal(list(res["state_dict_keys"]),
                 ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"],
                 what="state_dict keys")
    expect_equal(tuple(res["output"].shape), (2, 6, 4, 4), what="nin_block(1, 6, 11, 4, 0)(X).shape")


@grades("ch7.nin_block", en="the book's NiN has 1,992,166 parameters",
        zh="书中的 NiN 共有 1,992,166 个参数")
def test_nin_num_params(student):
    expect_equal(student.probe(probes.probe_nin_num_params), 1992166, what="NiN parameter count")


@grades("ch7.nin_block", en="matches the reference block with the same weights",
        zh="加载相同的权重后与参考实现一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_nin_block_values(student, gen, device, dtype):
    args = (3, 5, 3, 2, 1)
    m = randomized(ref.nin_block(*args), gen, dtype, device, scale=0.3)
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    X = torch.randn(2, 3, 9, 11, generator=gen, dtype=dtype).to(device)
    with torch.no_grad():
        expected = m(X)
    res = student.module("nin_block", *args, state_dict=sd, inputs=(X,), dtype=dtype)
    expect_close(res["output"], expected, rtol=1e-6 if dtype == torch.float64 else None,
                 what="nin_block(3, 5, 3, 2, 1)(X)")
