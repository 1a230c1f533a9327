"""Grader for 10.1 attention cues (stretch): random_attention_weights."""
import torch

from d2lkit.grading.api import (Gen, expect, expect_close, expect_equal, grades, mistake_if,
                                record_heatmap, reference)

ref = reference(__file__)

RAW = "ch10.random_attention_weights"


def _weights(student, n, seed):
    got = student.call("random_attention_weights", n, Gen(seed))
    expect(isinstance(got, torch.Tensor) and tuple(got.shape) == (n, n),
           what=f"random_attention_weights({n}, generator).shape", expected=(n, n), got=got)
    return got


@grades(RAW, en="the book's 10 x 10 case: every row sums to 1", zh="书中的 10 x 10 情形：每一行之和为 1")
def test_raw_rows_sum_to_one(student, seed, device):
    got = _weights(student, 10, seed)
    # the book's show_heatmaps picture: the learner's 10 x 10 next to the reference's, same seed
    record_heatmap(student, got, ref.random_attention_weights(10, torch.Generator().manual_seed(seed)))
    ones = torch.ones(10, dtype=got.dtype, device=got.device)
    rows_ok = bool(torch.allclose(got.sum(dim=1), ones, rtol=1e-5, atol=1e-6))
    cols_ok = bool(torch.allclose(got.sum(dim=0), ones, rtol=1e-5, atol=1e-6))
    mistake_if(cols_ok and not rows_ok, "softmax-over-columns", what="random_attention_weights(10).sum(dim=1)",
               got=got.sum(dim=1), expected="all ones")
    expect_close(got.sum(dim=1), torch.ones(10, device=device), rtol=1e-5, atol=1e-6,
                 what="random_attention_weights(10).sum(dim=1)")


@grades(RAW, en="float32, positive entries, on the generator's device",
        zh="float32、元素为正、位于 generator 所在的设备上")
def test_raw_dtype_positive(student, seed, device):
    got = _weights(student, 7, seed)
    expect(got.dtype == torch.float32, what="random_attention_weights(7).dtype", expected=torch.float32,
           got=got.dtype)
    expect(got.device.type == device.type, what="random_attention_weights(7).device", expected=device,
           got=got.device)
    expect(bool((got > 0).all()) and bool((got < 1).all()), what="0 < weights < 1", expected="all in (0, 1)",
           got=got)


@grades(RAW, en="the same seed gives the same weights, another seed others",
        zh="相同的种子得到相同的权重，不同的种子得到不同的权重")
def test_raw_seeded(student, seed):
    a = _weights(student, 10, seed)
    b = _weights(student, 10, seed)
    c = _weights(student, 10, seed + 1)
    expect_equal(a, b, what="random_attention_weights(10, Gen(seed)) twice")
    expect(not torch.equal(a, c), what="random_attention_weights(10, Gen(seed + 1))",
           expected="different weights", got="the same weights")


@grades(RAW, en="the scores are standard normal: log-weights centred per row have variance ~1",
        zh="评分服从标准正态分布：每行中心化后的对数权重方差约为 1")
def test_raw_statistics(student, seed):
    n = 300
    got = _weights(student, n, seed).double().cpu()
    logw = got.log()
    centred = logw - logw.mean(dim=1, keepdim=True)      # = scores minus their row mean
    var = float(centred.pow(2).sum() / (n * (n - 1)))     # unbiased: expected 1 for N(0, 1) scores
    mistake_if(abs(var - 1 / 12) < 0.02, "uniform-scores", what="variance of the row-centred log-weights",
               got=var, expected=1.0)
    expect(0.95 < var < 1.05, what="variance of the row-centred log-weights", expected="about 1.0", got=var)


@grades(RAW, en="without a generator: an (n, n) float32 matrix on the CPU whose rows sum to 1",
        zh="不给 generator 时：位于 CPU 上的 (n, n) float32 矩阵，每一行之和为 1")
def test_raw_without_generator(student):
    got = student.call("random_attention_weights", 6)
    expect(isinstance(got, torch.Tensor) and tuple(got.shape) == (6, 6),
           what="random_attention_weights(6).shape", expected=(6, 6), got=got)
    expect(got.dtype == torch.float32 and got.device.type == "cpu",
           what="random_attention_weights(6): dtype and device", expected="float32 on the CPU",
           got=f"{got.dtype} on {got.device}")
    expect_close(got.sum(dim=1), torch.ones(6), rtol=1e-5, atol=1e-6,
                 what="random_attention_weights(6).sum(dim=1)")
