"""Grader for 8.1 序列模型: autoregressive_features."""
import pytest
import torch

from d2lkit.grading.api import FLOATS, expect_close, expect_equal, grades, mistake_if

EX = "ch8.autoregressive_features"


@grades(EX, en="x = arange(T): features[t] = x[t:t+tau], labels[t] = x[t+tau]",
        zh="x = arange(T)：features[t] = x[t:t+tau]，labels[t] = x[t+tau]")
def test_arange(student):
    T, tau = 10, 4
    x = torch.arange(T, dtype=torch.float64)
    features, labels = student.call("autoregressive_features", x, tau)
    mistake_if(isinstance(labels, torch.Tensor) and labels.shape == (T - tau, 1)
               and torch.equal(labels, x[tau - 1:T - 1].reshape(-1, 1)), "label-off-by-one", what="labels",
               got=labels.flatten().tolist(), expected=x[tau:].tolist())
    expect_equal(features, torch.stack([x[t:t + tau] for t in range(T - tau)]), what="features")
    expect_equal(labels, x[tau:].reshape(-1, 1), what="labels")


@grades(EX, en="random series (T = 37, tau = 5): features and labels, in x's dtype",
        zh="随机序列（T = 37，tau = 5）：特征和标签，数据类型与 x 相同")
@pytest.mark.parametrize("dtype", FLOATS)
def test_random(student, gen, dtype, device):
    T, tau = 37, 5
    x = torch.randn(T, generator=gen, dtype=dtype).to(device)
    features, labels = student.call("autoregressive_features", x, tau)
    expect_close(features, x.unfold(0, tau, 1)[:T - tau], what="features")
    expect_close(labels, x[tau:].reshape(-1, 1), what="labels")


@grades(EX, en="tau = 1", zh="tau = 1")
def test_tau_one(student, gen):
    x = torch.randn(6, generator=gen, dtype=torch.float64)
    features, labels = student.call("autoregressive_features", x, 1)
    expect_close(features, x[:-1].reshape(-1, 1), what="features")
    expect_close(labels, x[1:].reshape(-1, 1), what="labels")
