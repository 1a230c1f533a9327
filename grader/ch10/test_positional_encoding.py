"""Grader for 10.6.3 positional encoding: positional_encoding, PositionalEncoding."""
import pytest
import torch

from d2lkit.grading.api import (expect, expect_close, expect_equal, FLOATS, grades, is_close,
                                LearnerError, mistake_if, module_on_cpu, on_cpu_call)

EX = "ch10.positional_encoding"
NEAR = {"rtol": 1e-4, "atol": 1e-4}  # how close a wrong answer must come to a mistake's to name it




def _pe(max_len, d, layout="interleave", exponent="2j/d", start=0):
    """float64 formula; the switches reproduce the catalogued mistakes."""
    pos = torch.arange(start, start + max_len, dtype=torch.float64)[:, None]
    j = torch.arange(d // 2, dtype=torch.float64)
    expo = 2 * j / d if exponent == "2j/d" else j / d
    angles = pos / torch.pow(10000.0, expo)
    if layout == "interleave":
        return torch.stack([torch.sin(angles), torch.cos(angles)], dim=-1).reshape(max_len, d)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)


def _diagnose(P, max_len, d):
    """Name the catalogued mistake whose matrix P reproduces, if any (in float64, like _pe)."""
    if not isinstance(P, torch.Tensor):
        return
    P = P.double()
    if is_close(P, _pe(max_len, d), **NEAR):
        return
    mistake_if(is_close(P, _pe(max_len, d, layout="concat"), **NEAR), "sin-cos-concatenated")
    mistake_if(is_close(P, _pe(max_len, d, exponent="j/d"), **NEAR), "exponent-j-over-d")
    mistake_if(is_close(P, _pe(max_len, d, start=1), **NEAR), "positions-from-one")
    mistake_if(is_close(P, _pe(max_len, d, layout="concat", start=1), **NEAR), "positions-from-one")


@grades(EX, en="the book's values: P[0, :4] = [0, 1, 0, 1], P[1, :4] at d = 32", zh="书中的数值：P[0, :4] = [0, 1, 0, 1]，d = 32 时的 P[1, :4]")
def test_book_values(student):
    P = on_cpu_call(student, "positional_encoding", 60, 32)
    expect(isinstance(P, torch.Tensor), what="positional_encoding(60, 32)", expected="Tensor", got=P)
    _diagnose(P, 60, 32)
    expect_equal(tuple(P.shape), (60, 32), what="positional_encoding(60, 32).shape")
    expect_equal(P.dtype, torch.float32, what="positional_encoding(60, 32).dtype")
    expect_close(P[0, :4], torch.tensor([0.0, 1.0, 0.0, 1.0]), what="P[0, :4]")
    expect_close(P[1, :4], torch.tensor([0.8415, 0.5403, 0.5332, 0.8460]), rtol=0, atol=1e-4, what="P[1, :4]")


@grades(EX, en="every entry, d = 12 and max_len = 1000", zh="全部元素：d = 12，max_len = 1000")
def test_full_matrix(student):
    for max_len, d in ((7, 12), (1000, 12), (9, 10)):  # 10: even, but not a multiple of 4
        P = on_cpu_call(student, "positional_encoding", max_len, d)
        _diagnose(P, max_len, d)
        expect_close(P, _pe(max_len, d).float(), rtol=1e-4, atol=5e-4, what=f"positional_encoding({max_len}, {d})")


@grades(EX, en="an odd num_hiddens raises ValueError", zh="num_hiddens 为奇数时抛出 ValueError")
def test_odd_dim(student):
    try:
        on_cpu_call(student, "positional_encoding", 10, 5)
    except LearnerError as e:
        expect(e.type == "ValueError", what="positional_encoding(10, 5)", expected="ValueError", got=e.type or str(e))
    else:
        expect(False, what="positional_encoding(10, 5)", expected="ValueError", got="no exception")


@grades(EX, en="relative positions: P[i+δ] is a rotation of P[i] (10.6.3.2)", zh="相对位置信息：P[i+δ] 是 P[i] 的旋转（10.6.3.2）")
def test_relative_positions(student):
    max_len, d = 50, 16
    P = on_cpu_call(student, "positional_encoding", max_len, d)
    expect(isinstance(P, torch.Tensor) and tuple(P.shape) == (max_len, d), what="positional_encoding(50, 16).shape",
           expected=(max_len, d), got=tuple(P.shape) if isinstance(P, torch.Tensor) else P)
    P = P.double()
    omega = 1.0 / torch.pow(10000.0, torch.arange(0, d, 2, dtype=torch.float64) / d)
    for delta in (1, 3, 10):
        c, s = torch.cos(delta * omega), torch.sin(delta * omega)
        even, odd = P[:-delta, 0::2], P[:-delta, 1::2]
        rotated = torch.stack([c * even + s * odd, -s * even + c * odd], dim=-1).reshape(max_len - delta, d)
        expect_close(P[delta:], rotated, rtol=1e-4, atol=1e-4, what=f"P[i + {delta}] vs rotation of P[i]")


@grades(EX, en="PositionalEncoding adds P[:, :T] to X (eval mode)", zh="PositionalEncoding 把 P[:, :T] 加到 X 上（评估模式）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_module(student, gen, dtype, device):
    X = torch.randn(2, 9, 32, generator=gen, dtype=dtype)
    res = student.module("PositionalEncoding", 32, 0.5, dtype=dtype, inputs=(X.to(device),), train=False)
    out = res["output"]
    if isinstance(out, torch.Tensor) and out.shape == X.shape:
        _diagnose((out.cpu().double() - X.double()), 9, 32)
    expect_close(out, (X.double() + _pe(9, 32)).to(dtype).to(device), rtol=1e-4, atol=1e-5, what="output")
    P = res["attrs"].get("P")
    expect(P is not None and tuple(P.shape) == (1, 1000, 32), what="self.P.shape", expected=(1, 1000, 32),
           got=None if P is None else tuple(P.shape))


@grades(EX, en="PositionalEncoding: max_len and dropout", zh="PositionalEncoding：max_len 与暂退法")
def test_module_dropout(student, gen, device):
    X = torch.randn(3, 4, 8, generator=gen, dtype=torch.float64)
    res = module_on_cpu(student, device, "PositionalEncoding", 8, 1.0, kwargs={"max_len": 20}, inputs=(X,), train=True)
    expect_close(res["output"], torch.zeros(3, 4, 8, dtype=torch.float64), what="output with dropout=1.0")
    P = res["attrs"].get("P")
    expect(P is not None and tuple(P.shape) == (1, 20, 8), what="self.P.shape", expected=(1, 20, 8),
           got=None if P is None else tuple(P.shape))


# ------------------------------------------------------------------------------ stretch: learned
LP = "ch10.LearnedPositionalEmbedding"


@grades(LP, en="P is a learnable parameter: max_len · d parameters", zh="P 是可学习的参数：共 max_len · d 个参数")
def test_lp_params(student, gen, device):
    X = torch.randn(2, 5, 8, generator=gen, dtype=torch.float64)
    res = module_on_cpu(student, device, "LearnedPositionalEmbedding", 30, 8, inputs=(X,), train=False)
    mistake_if(res["num_params"] == 0, "not-a-parameter", got=0, expected=240)
    expect_equal(res["num_params"], 30 * 8, what="num_params")
    expect_equal(res["state_dict_keys"], ["P"], what="state_dict keys")
    std = float(res["state_dict"]["P"].double().std())
    # 240 draws: their standard deviation is 0.02 ± 4.6% (one sigma), so ±25% is > 5 sigma wide
    expect(0.015 <= std <= 0.025, what="the initial P's standard deviation (torch.randn(...) * 0.02)",
           expected="0.02", got=std)


@grades(LP, en="forward adds P[:, :T] and gradients reach only the first T rows", zh="forward 加上 P[:, :T]，梯度只传到前 T 行")
@pytest.mark.parametrize("dtype", FLOATS)
def test_lp_forward(student, gen, dtype, device):
    P = torch.randn(1, 12, 6, generator=gen, dtype=dtype)
    X = torch.randn(3, 4, 6, generator=gen, dtype=dtype)
    res = student.module("LearnedPositionalEmbedding", 12, 6, 0.3, state_dict={"P": P}, dtype=dtype,
                         inputs=(X.to(device),), train=False, backward=True)
    expect_close(res["output"], (X + P[:, :4]).to(device), what="output")
    grad = res["grads"].get("P")
    expected = torch.zeros(1, 12, 6, dtype=dtype)
    expected[:, :4] = 3.0
    expect(grad is not None, what="P.grad", expected="a gradient", got=None)
    expect_close(grad, expected.to(device), what="P.grad (backward of output.sum())")
