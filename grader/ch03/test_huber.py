"""Grader for 3.3 练习 2: huber_loss (the book's scaling, i.e. F.smooth_l1_loss with beta=σ)."""
import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import FLOATS, expect_close, expect_tensor, grades, is_close, mistake_if

NEAR = {"rtol": 1e-5, "atol": 1e-7}  # how close a wrong answer must come to a mistake's to name it


def quadratic_no_sigma(y_hat, sigma):
    """The loss with d²/2 instead of d²/(2σ) in the quadratic branch (y = 0)."""
    abs_d = y_hat.abs()
    return torch.where(abs_d > sigma, abs_d - sigma / 2, y_hat ** 2 / 2)


def book_huber(y_hat, y, sigma):
    return F.smooth_l1_loss(y_hat, y.reshape(y_hat.shape), beta=sigma, reduction="none")


@grades("ch3.huber_loss", en="σ = 1: quadratic near 0, linear beyond 1",
        zh="σ = 1：0 附近是二次的，超过 1 之后是线性的")
def test_huber_sigma_one(student, device):
    d = torch.tensor([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0], dtype=torch.float64)
    y_hat, y = d.reshape(-1, 1).to(device), torch.zeros(7, dtype=torch.float64, device=device)
    expected = torch.tensor([2.5, 0.5, 0.125, 0.0, 0.125, 0.5, 2.5], dtype=torch.float64)
    expected = expected.reshape(-1, 1).to(device)
    expect_close(student.call("huber_loss", y_hat, y, 1.0), expected, what="huber_loss(y_hat, y, 1.0)")


@grades("ch3.huber_loss", en="σ ≠ 1: both branches scale with σ as in the book",
        zh="σ ≠ 1：两个分支都按书中的方式随 σ 缩放")
@pytest.mark.parametrize("sigma", [2.0, 0.5], ids=["sigma=2", "sigma=0.5"])
def test_huber_sigma(student, sigma, device):
    d = torch.tensor([-4.0, -2.0, -1.0, -0.25, 0.0, 0.3, 0.5, 1.5, 2.0, 3.0], dtype=torch.float64)
    y_hat, y = d.reshape(-1, 1).to(device), torch.zeros(10, dtype=torch.float64, device=device)
    expected = book_huber(y_hat, y, sigma)
    got = expect_tensor(student.call("huber_loss", y_hat, y, sigma), f"huber_loss(y_hat, y, {sigma})")
    pytorch_huber = F.huber_loss(y_hat, y.reshape(-1, 1), delta=sigma, reduction="none")
    mistake_if(is_close(got, pytorch_huber, **NEAR),
               "pytorch-huber-scaling", what=f"huber_loss(y_hat, y, {sigma}) / expected", got=sigma,
               expected=1.0)
    if is_close(got, quadratic_no_sigma(y_hat, sigma), **NEAR):
        # d²/2 at one σ could be d²/(kσ) with k = 2/σ: proven when σ = 3 gives d²/2 as well
        other = student.call("huber_loss", y_hat, y, 3.0)
        mistake_if(is_close(other, quadratic_no_sigma(y_hat, 3.0), **NEAR), "quadratic-missing-sigma",
                   what=f"huber_loss(y_hat, y, {sigma})", got=got.reshape(-1).tolist(),
                   expected=expected.reshape(-1).tolist())
    expect_close(got, expected, what=f"huber_loss(y_hat, y, {sigma})")


@grades("ch3.huber_loss", en="matches F.smooth_l1_loss(beta=σ, reduction='none') on random inputs",
        zh="在随机输入上与 F.smooth_l1_loss(beta=σ, reduction='none') 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_huber_random(student, gen, dtype, device):
    y_hat = (2 * torch.randn(12, 1, generator=gen, dtype=dtype)).to(device)
    y = (2 * torch.randn(12, generator=gen, dtype=dtype)).to(device)
    expect_close(student.call("huber_loss", y_hat, y, 1.5), book_huber(y_hat, y, 1.5),
                 what="huber_loss(y_hat, y, 1.5)")
