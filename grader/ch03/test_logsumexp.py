"""Grader for 3.7.2 重新审视Softmax的实现: cross_entropy_from_logits (the LogSumExp trick)."""
import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import (FLOATS, expect_close, expect_tensor, grades, is_close, mistake_if,
                                shape_of)

NEAR = {"rtol": 1e-5, "atol": 1e-7}  # how close a wrong answer must come to a mistake's to name it


def not_finite(got):
    return not bool(torch.isfinite(got).all())


@grades("ch3.cross_entropy_from_logits", en="moderate logits: matches F.cross_entropy(reduction='none')",
        zh="数值适中的 logits：与 F.cross_entropy(reduction='none') 一致")
def test_from_logits_moderate(student, gen, device):
    O = (3 * torch.randn(6, 4, generator=gen, dtype=torch.float64) + 5).to(device)
    y = torch.tensor([0, 3, 1, 2, 2, 0], device=device)
    expected = F.cross_entropy(O, y, reduction="none")
    got = expect_tensor(student.call("cross_entropy_from_logits", O, y), "cross_entropy_from_logits(O, y)")
    row_max = O.max(dim=1).values
    mistake_if(is_close(got, expected - row_max, **NEAR), "max-not-added-back",
               what="cross_entropy_from_logits(O, y)", got=got.tolist(), expected=expected.tolist())
    expect_close(got, expected, what="cross_entropy_from_logits(O, y)")


@grades("ch3.cross_entropy_from_logits",
        en="the stress cases O = [[0, 1000], [1000, 0]], y = [0, 0] give [1000, 0]",
        zh="极端情形 O = [[0, 1000], [1000, 0]]、y = [0, 0] 得到 [1000, 0]")
@pytest.mark.parametrize("dtype", FLOATS)
def test_from_logits_stress(student, dtype, device):
    O = torch.tensor([[0.0, 1000.0], [1000.0, 0.0]], dtype=dtype, device=device)
    y = torch.tensor([0, 0], device=device)
    expected = torch.tensor([1000.0, 0.0], dtype=dtype, device=device)
    got = expect_tensor(student.call("cross_entropy_from_logits", O, y), "cross_entropy_from_logits(O, y)")
    # The log of a softmax probability: exp(-1000) = 0 for class 0 of the first row, −log 0 = inf,
    # while the second row's probability, 1, is fine. (exp(1000) overflowing, a row min or a
    # shift the wrong way breaks the second row too.)
    mistake_if(shape_of(got) == (2,) and bool(torch.isposinf(got[0]))
               and is_close(got[1:], expected[1:], **NEAR), "log-of-softmax",
               what="cross_entropy_from_logits(O, y)", got=got.tolist(), expected=expected.tolist())
    expect_close(got, expected, what="cross_entropy_from_logits(O, y)")


@grades("ch3.cross_entropy_from_logits",
        en="rows of very different scale: [[0, 1, 2], [-1000, -999, -998], [1000, 1001, 1002]]",
        zh="数量级相差很大的行：[[0, 1, 2], [-1000, -999, -998], [1000, 1001, 1002]]")
@pytest.mark.parametrize("dtype", FLOATS)
def test_from_logits_row_scales(student, dtype, device):
    O = torch.tensor([[0.0, 1.0, 2.0], [-1000.0, -999.0, -998.0], [1000.0, 1001.0, 1002.0]],
                     dtype=dtype, device=device)
    y = torch.tensor([2, 0, 1], device=device)
    expected = F.cross_entropy(O, y, reduction="none")
    got = expect_tensor(student.call("cross_entropy_from_logits", O, y), "cross_entropy_from_logits(O, y)")
    # One max for the whole matrix (1002) leaves exp(≤ −1000) = 0 in the first two rows, log 0 =
    # −inf, and only the last row right. (No shift at all breaks the last row instead.)
    mistake_if(shape_of(got) == (3,) and not_finite(got[0]) and not_finite(got[1])
               and is_close(got[2:], expected[2:], **NEAR), "global-max",
               what="cross_entropy_from_logits(O, y)", got=got.tolist(), expected=expected.tolist())
    expect_close(got, expected, what="cross_entropy_from_logits(O, y)")


@grades("ch3.cross_entropy_from_logits", en="matches F.cross_entropy on random logits",
        zh="在随机 logits 上与 F.cross_entropy 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_from_logits_random(student, gen, dtype, device):
    O = (10 * torch.randn(9, 5, generator=gen, dtype=dtype)).to(device)
    y = torch.randint(0, 5, (9,), generator=gen).to(device)
    expect_close(student.call("cross_entropy_from_logits", O, y), F.cross_entropy(O, y, reduction="none"),
                 what="cross_entropy_from_logits(O, y)")


@grades("ch3.cross_entropy_from_logits", en="large logits, |O| ≤ 1e4 (float64)",
        zh="很大的 logits，|O| ≤ 1e4（float64）")
def test_from_logits_large(student, gen, device):
    O = (1e4 * (2 * torch.rand(8, 6, generator=gen, dtype=torch.float64) - 1)).to(device)
    y = torch.randint(0, 6, (8,), generator=gen).to(device)
    expect_close(student.call("cross_entropy_from_logits", O, y), F.cross_entropy(O, y, reduction="none"),
                 what="cross_entropy_from_logits(O, y)")
