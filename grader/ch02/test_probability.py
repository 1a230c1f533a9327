"""Grader for 2.6 概率 (Probability): inverse_cdf_sample, posterior_positive.

inverse_cdf_sample is deterministic given u, so it is compared exactly with
torch.searchsorted(cumsum(p), u, right=True).clamp(max=k-1), computed here in the supervisor, and
then checked statistically: uniform u must give category frequencies close to p.
"""
import math
import random

import pytest
import torch

from d2lkit.grading.api import FLOATS, as_list, expect, expect_equal, grades, mistake_if, reference

ref = reference(__file__)

# ============================================================================ inverse_cdf_sample


def expected_samples(probs, u):
    cdf = torch.cumsum(probs / probs.sum(), dim=0)
    return torch.searchsorted(cdf, u, right=True).clamp(max=probs.shape[0] - 1)


@grades("ch2.inverse_cdf_sample", en="u exactly on a cdf value belongs to the next bucket",
        zh="u 恰好等于某个 cdf 值时属于下一个类别")
def test_boundaries(student):
    p = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)  # cdf = [0.1, 0.3, 0.6, 1.0]
    u = torch.cat([torch.tensor([0.0], dtype=torch.float64), torch.cumsum(p, 0)[:3]])
    got = student.call("inverse_cdf_sample", p, u)
    mistake_if(as_list(got) == [0, 0, 1, 2], "wrong-side-interval", got=as_list(got),
               expected=[0, 1, 2, 3], what="inverse_cdf_sample(p, [0.0, *cdf[:3]])")
    expect_equal(got, torch.tensor([0, 1, 2, 3]), what="inverse_cdf_sample(p, u) at the cdf values")


@grades("ch2.inverse_cdf_sample", en="unnormalized counts are normalized first",
        zh="未归一化的计数要先归一化")
def test_counts(student):
    counts = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    u = torch.tensor([0.05, 0.25, 0.5, 0.95], dtype=torch.float64)
    got = student.call("inverse_cdf_sample", counts, u)
    mistake_if(as_list(got) == [0, 0, 0, 0], "not-normalized", got=as_list(got),
               expected=[0, 1, 2, 3], what="inverse_cdf_sample([1., 2., 3., 4.], u)")
    expect_equal(got, torch.tensor([0, 1, 2, 3]), what="inverse_cdf_sample([1., 2., 3., 4.], u)")


@grades("ch2.inverse_cdf_sample", en="u above a last cdf value that rounded below 1",
        zh="最后一个 cdf 值因舍入略小于 1 而 u 比它更大")
def test_clamp(student):
    probs = torch.full((5,), 0.3, dtype=torch.float64)  # cumsum(p / p.sum())[-1] = 1 - 2⁻⁵³
    one = torch.tensor(1.0, dtype=torch.float64)
    u = torch.nextafter(one, torch.zeros_like(one)).reshape(1)  # the largest float64 below 1
    got = student.call("inverse_cdf_sample", probs, u)
    mistake_if(as_list(got) == [5], "no-clamp", got=as_list(got), expected=[4],
               what="inverse_cdf_sample(p, [1 - 2⁻⁵³])")
    expect_equal(got, torch.tensor([4]), what="inverse_cdf_sample(p, [1 - 2⁻⁵³])")


@grades("ch2.inverse_cdf_sample", en="random p and u, as torch.searchsorted(right=True)",
        zh="随机的 p 和 u，与 torch.searchsorted(right=True) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_inverse_cdf_random(student, gen, dtype, device):
    probs = (torch.rand(6, generator=gen, dtype=dtype) + 0.05).to(device)
    u = torch.rand(3, 40, generator=gen, dtype=dtype).to(device)  # any shape of u
    expect_equal(student.call("inverse_cdf_sample", probs, u), expected_samples(probs, u),
                 what="inverse_cdf_sample(probs, u)")


@grades("ch2.inverse_cdf_sample", en="frequencies match the probabilities (statistics)",
        zh="抽样频率与概率一致（统计检验）")
def test_frequencies(student, gen):
    probs = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    n = 20_000
    u = torch.rand(n, generator=gen, dtype=torch.float64)
    got = student.call("inverse_cdf_sample", probs, u)
    expect(isinstance(got, torch.Tensor) and got.dtype == torch.int64 and got.shape == (n,),
           what="an int64 tensor of u's shape", got=got)
    freq = torch.bincount(got.cpu().clamp(0, 4), minlength=5)[:4].double() / n
    se = (probs * (1 - probs) / n).sqrt()
    worst = float(((freq - probs).abs() / se).max())
    expect(worst < 5, what="max |freq - p| / standard error", expected="< 5", got=round(worst, 2))


# ============================================================================ posterior_positive


def marginal_version(prior, ph, pn):
    """The mistake: P(D1, D2) taken as P(D1) P(D2)."""
    num = math.prod(ph) * prior
    return num / math.prod(a * prior + b * (1 - prior) for a, b in zip(ph, pn))


def call_posterior(student, prior, ph, pn):
    got = student.call("posterior_positive", prior, ph, pn)
    expect(isinstance(got, float), what="posterior_positive(...) returns a Python float", got=got)
    return got


@grades("ch2.posterior_positive", en="the prior (base rate) counts", zh="先验（基础概率）不能忽略")
def test_base_rate(student):
    prior, ph, pn = 0.0015, [0.98], [0.03]
    got = call_posterior(student, prior, ph, pn)
    expected = ref.posterior_positive(prior, ph, pn)
    what = "posterior_positive(0.0015, [0.98], [0.03])"
    mistake_if(abs(got - 0.98) < 1e-9, "base-rate-fallacy", got=got, expected=expected, what=what)
    mistake_if(abs(got - 1.0) < 1e-9, "missing-false-positive", got=got, expected=expected,
               what=what)
    expect(math.isclose(got, expected, rel_tol=1e-9), what=what, expected=expected, got=got)


@grades("ch2.posterior_positive", en="the book's first test: 0.1306", zh="书中的第一次检测：0.1306")
def test_book_one_test(student):
    got = call_posterior(student, 0.0015, [1.0], [0.01])
    mistake_if(abs(got - 1.0) < 1e-9, "missing-false-positive", got=got, expected=0.1306,
               what="posterior_positive(0.0015, [1.0], [0.01])")
    expect(abs(got - 0.1306) < 5e-5 and math.isclose(got, 0.0015 / (0.0015 + 0.01 * 0.9985),
                                                   rel_tol=1e-9),
           what="posterior_positive(0.0015, [1.0], [0.01])", expected=0.1306, got=got)


@grades("ch2.posterior_positive", en="the book's two tests: 0.8307", zh="书中的两次检测：0.8307")
def test_book_two_tests(student):
    args = (0.0015, [1.0, 0.98], [0.01, 0.03])
    got = call_posterior(student, *args)
    what = "posterior_positive(0.0015, [1.0, 0.98], [0.01, 0.03])"
    mistake_if(math.isclose(got, marginal_version(*args), rel_tol=1e-6), "marginal-independence",
               got=got, expected=0.8307, what=what)
    expect(abs(got - 0.8307) < 5e-5
           and math.isclose(got, ref.posterior_positive(*args), rel_tol=1e-9),
           what=what, expected=0.8307, got=got)


@grades("ch2.posterior_positive", en="random priors and one to four tests", zh="随机先验与一到四次检测")
def test_posterior_random(student, seed):
    rng = random.Random(seed)
    for _ in range(4):
        k = rng.randint(1, 4)
        prior = rng.uniform(0.001, 0.5)
        ph = [rng.uniform(0.5, 1.0) for _ in range(k)]
        pn = [rng.uniform(0.001, 0.3) for _ in range(k)]
        expected = ref.posterior_positive(prior, ph, pn)
        got = call_posterior(student, prior, ph, pn)
        expect(math.isclose(got, expected, rel_tol=1e-9),
               what=f"posterior_positive({prior:.4g}, {[round(p, 3) for p in ph]}, "
                    f"{[round(p, 3) for p in pn]})", expected=expected, got=got)
