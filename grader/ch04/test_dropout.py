"""Grader for 4.6 dropout_layer (+ stretch dropconnect_linear): statistics and seeded
determinism."""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, Gen, LearnerError, Mistake, expect, expect_close,
                                expect_equal, expect_tensor, grades, mistake_if, mistake_on_error,
                                probes_for)

probes = probes_for(__file__)


def _drop(student, *args):
    """student.call("dropout_layer", ...); on CUDA a mask drawn on the CPU (or with a CUDA
    generator on the CPU) fails with a device error, which names the mistake."""
    with mistake_on_error("mask-wrong-device", match="device"):
        return student.call("dropout_layer", *args)


# ------------------------------------------------------------------------------------- dropout
@grades("ch4.dropout_layer", en="p = 0.2 on ones(1000, 1000): keep 80%, kept values 1.25",
        zh="对 ones(1000, 1000) 用 p = 0.2：保留 80%，保留值为 1.25")
def test_statistics(student, seed, device):
    X = torch.ones(1000, 1000, device=device)
    got = _drop(student, X, 0.2, Gen(seed))
    expect_tensor(got, "dropout_layer(X, 0.2)")
    expect(tuple(got.shape) == (1000, 1000) and got.dtype == X.dtype, what="shape and dtype",
           expected="(1000, 1000) float32", got=f"{tuple(got.shape)} {got.dtype}")
    expect(not bool(torch.isnan(got).any()), what="dropout_layer(X, 0.2)", expected="no nan",
           got="nan")
    kept = got != 0
    zero_rows = float((~kept).all(dim=1).float().mean())
    # one draw per row: every row is dropped or kept whole, about p of them dropped (a mask that
    # drops everything, or whole columns, is another mistake)
    whole_rows = bool(((~kept).all(dim=1) | kept.all(dim=1)).all())
    mistake_if(whole_rows and 0.1 < zero_rows < 0.3, "per-row-mask", what="mask",
               got=f"{zero_rows:.0%} of the rows all zero",
               expected="independent elements")
    frac = float(kept.float().mean())
    mistake_if(abs(frac - 0.2) < 0.02, "keep-with-p", what="fraction of kept elements",
               got=f"keep fraction {frac:.4f}",
               expected="0.8000")
    mistake_if(bool(kept.any()) and bool((got[kept] == 1).all()), "no-rescale",
               what="mean of dropout_layer(ones, 0.2)",
               got=f"mean {float(got.mean()):.4f}", expected="mean 1.0000")
    expect(abs(frac - 0.8) <= 0.005, what="fraction of kept elements", expected="0.8 ± 0.005",
           got=round(frac, 5))
    values = got[kept]
    expect(bool(torch.allclose(values, torch.full_like(values, 1.25))), what="kept values",
           expected=1.25, got=sorted(set(values.unique()[:5].tolist())))
    mean = float(got.double().mean())
    expect(abs(mean - 1.0) <= 0.01, what="mean", expected="1 ± 0.01", got=round(mean, 5))


@grades("ch4.dropout_layer", en="p = 1 gives zeros (no nan)", zh="p = 1 时得到全零（不能是 nan）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_p_one(student, gen, dtype, device):
    X = torch.randn(4, 5, generator=gen, dtype=dtype).to(device)
    got = _drop(student, X, 1.0, Gen(7))
    expect_tensor(got, "dropout_layer(X, 1.0)")
    mistake_if(bool(torch.isnan(got).any()), "p-one-nan", what="dropout_layer(X, p)", got="nan",
               expected="zeros")
    expect_equal(got, torch.zeros_like(X), what="dropout_layer(X, 1.0)")


@grades("ch4.dropout_layer", en="the mask is made on X's device", zh="掩码在 X 所在的设备上生成")
def test_mask_device(student, device):
    try:
        if device.type == "cpu":
            got = student.probe(probes.probe_other_default_device, "cuda")
            expect(got == "cpu", what="device of the output", expected="cpu", got=got)
        else:
            X = torch.ones(8, 9, device=device)
            got = _drop(student, X, 0.5)
            expect(got.device == X.device, what="device of the output", expected=str(X.device),
                   got=str(got.device))
    except LearnerError as err:
        text = f"{err.type} {err.message}".lower()
        if "device" in text or "cuda" in text:
            raise Mistake("mask-wrong-device", what="dropout_layer(X, 0.5)", got=err.message[:200],
                          expected="the mask on X's device") from None
        raise


@grades("ch4.dropout_layer", en="p = 0 gives X", zh="p = 0 时得到 X")
@pytest.mark.parametrize("dtype", FLOATS)
def test_p_zero(student, gen, dtype, device):
    X = torch.randn(6, 7, generator=gen, dtype=dtype).to(device)
    expect_close(_drop(student, X, 0.0, Gen(3)), X, what="dropout_layer(X, 0.0)")


@grades("ch4.dropout_layer", en="the same seed gives the same mask, another seed another",
        zh="相同的种子给出相同的掩码，不同的种子给出不同的掩码")
def test_seeded(student, seed, device):
    X = torch.ones(40, 50, dtype=torch.float64, device=device)
    a = _drop(student, X, 0.5, Gen(seed))
    b = _drop(student, X, 0.5, Gen(seed))
    c = _drop(student, X, 0.5, Gen(seed + 1))
    expect_tensor(a, "dropout_layer(X, 0.5, generator)")
    expect_equal(a, b, what="two calls with the same seed")
    expect(not torch.equal(a, c), what="two calls with different seeds", expected="different masks",
           got="the same mask")


@grades("ch4.dropout_layer", en="values {0, X/(1−p)} as nn.Dropout, on random X",
        zh="与 nn.Dropout 一样取值为 {0, X/(1−p)}（随机 X）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_value_set(student, gen, seed, dtype, device):
    X = (torch.rand(50, 60, generator=gen, dtype=dtype) + 0.5).to(device)
    got = _drop(student, X, 0.5, Gen(seed))
    expect_tensor(got, "dropout_layer(X, 0.5)")
    expect(got.dtype == X.dtype and got.device == X.device and got.shape == X.shape,
           what="shape, dtype and device", expected=f"{tuple(X.shape)} {X.dtype} {X.device}",
           got=f"{tuple(got.shape)} {got.dtype} {got.device}")
    kept = got != 0
    expect_close(got[kept], X[kept] * 2.0, what="kept values")
    frac = float(kept.float().mean())
    expect(0.4 <= frac <= 0.6, what="fraction of kept elements", expected="about 0.5", got=frac)


@grades("ch4.dropout_layer", en="a dropout outside [0, 1] raises", zh="dropout 不在 [0, 1] 内时抛出异常")
@pytest.mark.parametrize("p", [1.5, -0.1])
def test_bad_p(student, p):
    X = torch.ones(3, 3)
    try:
        student.call("dropout_layer", X, p)
    except LearnerError:
        return  # any exception will do (the book asserts 0 <= p <= 1)
    expect(False, what=f"dropout_layer(X, {p})", expected="an exception", got="a result")


# ------------------------------------------------------------------------------------- DropConnect
@grades("ch4.dropconnect_linear", en="p = 0 and p = 1", zh="p = 0 和 p = 1")
@pytest.mark.parametrize("dtype", FLOATS)
def test_dropconnect_edges(student, gen, dtype, device):
    X = torch.randn(5, 4, generator=gen, dtype=dtype).to(device)
    W = torch.randn(4, 3, generator=gen, dtype=dtype).to(device)
    b = torch.randn(3, generator=gen, dtype=dtype).to(device)
    expect_close(student.call("dropconnect_linear", X, W, b, 0.0, Gen(1)), X @ W + b, what="p = 0")
    expect_close(student.call("dropconnect_linear", X, W, b, 1.0, Gen(1)), b.expand(5, 3).clone(),
                 what="p = 1")


@grades("ch4.dropconnect_linear", en="one mask for the batch, unbiased", zh="整个小批量共用一个掩码，且无偏")
def test_dropconnect_statistics(student, gen, seed, device):
    d, q, p = 200, 250, 0.2
    W = torch.rand(d, q, generator=gen, dtype=torch.float64) + 0.5
    b = torch.randn(q, generator=gen, dtype=torch.float64)
    X = torch.cat([torch.eye(d, dtype=torch.float64)] * 2)
    X, W, b = X.to(device), W.to(device), b.to(device)
    got = student.call("dropconnect_linear", X, W, b, p, Gen(seed))
    expect_tensor(got, "dropconnect_linear")
    expect(tuple(got.shape) == (2 * d, q), what="shape", expected=(2 * d, q), got=tuple(got.shape))
    expect_close(got[:d], got[d:], what="two copies of the same input")
    ratio = (got[:d] - b) / W
    kept = ratio.abs() > 1e-9
    frac = float(kept.double().mean())
    expect(abs(frac - (1 - p)) <= 0.01, what="fraction of kept weights", expected=1 - p, got=frac)
    expect_close(ratio[kept], torch.full_like(ratio[kept], 1 / (1 - p)), rtol=1e-6,
                 what="kept weights, scaled")
    mean = float(ratio.mean())
    expect(abs(mean - 1) <= 0.02, what="E[mask / (1-p)]", expected=1.0, got=mean)
    again = student.call("dropconnect_linear", X, W, b, p, Gen(seed))
    expect_equal(got, again, what="the same seed twice")
