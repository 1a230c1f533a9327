"""Probability (2.6): sampling from a categorical distribution and Bayes' theorem.

概率（2.6）：从分类分布中抽样与贝叶斯定理。
"""
import math
from typing import Sequence

import torch
from torch import Tensor


def inverse_cdf_sample(probs: Tensor, u: Tensor) -> Tensor:
    """Turn uniform numbers ``u`` into category indices drawn from ``probs`` (inverse CDF).

    ``probs`` has shape (k,) and is nonnegative; normalize it by its sum first. ``u`` has any
    shape, with values in [0, 1). With ``cdf = cumsum(probs / probs.sum())``, category ``i``
    owns the half-open interval ``[cdf[i-1], cdf[i])`` (``cdf[-1]`` taken as 0), so return the
    ``i`` with ``cdf[i-1] <= u < cdf[i]``; clamp the result to ``k - 1``, because rounding can
    leave the last cdf entry slightly below 1. Return an int64 tensor of ``u``'s shape. This is
    what ``multinomial.Multinomial(1, p).sample()`` does in 2.6.1. Do not use
    ``torch.multinomial``, ``torch.distributions``, ``torch.searchsorted``, ``torch.bucketize``.

    用逆累积分布函数法把均匀随机数 ``u`` 变成服从 ``probs`` 的类别下标。``probs`` 的形状为
    (k,)，元素非负；先用它的和进行归一化。``u`` 可以是任意形状，取值在 [0, 1) 中。令
    ``cdf = cumsum(probs / probs.sum())``，类别 ``i`` 对应左闭右开区间 ``[cdf[i-1], cdf[i])``
    （约定 ``cdf[-1]`` 为 0），因此返回满足 ``cdf[i-1] <= u < cdf[i]`` 的 ``i``；由于舍入误差
    可能使最后一个 cdf 值略小于 1，结果要截断到 ``k - 1``。返回形状与 ``u`` 相同的 int64
    张量。这正是 2.6.1 节中 ``multinomial.Multinomial(1, p).sample()`` 所做的事。不要使用
    ``torch.multinomial``、``torch.distributions``、``torch.searchsorted``、``torch.bucketize``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.multinomial, torch.Tensor.multinomial, torch.distributions, torch.searchsorted,
        torch.bucketize, numpy.random.choice, numpy.searchsorted, random.choices
    """
    raise NotImplementedError


def posterior_positive(prior: float, p_pos_given_h: Sequence[float],
                       p_pos_given_not_h: Sequence[float]) -> float:
    """P(H = 1 | every test positive), by Bayes' theorem (the book's HIV-test example).

    ``prior`` is P(H = 1). Test ``j`` is positive with probability ``p_pos_given_h[j]`` when
    H = 1 and ``p_pos_given_not_h[j]`` when H = 0; the tests are independent *conditionally on
    H* (not marginally). Return a Python float. The book's values: one test,
    ``(0.0015, [1.0], [0.01])`` gives 0.1306; two tests, ``(0.0015, [1.0, 0.98], [0.01, 0.03])``
    gives 0.8307.

    用贝叶斯定理计算 P(H = 1 | 所有检测均为阳性)（书中的 HIV 检测例子）。``prior`` 是
    P(H = 1)。第 ``j`` 次检测在 H = 1 时呈阳性的概率为 ``p_pos_given_h[j]``，在 H = 0 时为
    ``p_pos_given_not_h[j]``；各次检测*在给定 H 的条件下*相互独立（而不是边缘独立）。
    返回 Python 的 float。书中的数值：一次检测 ``(0.0015, [1.0], [0.01])`` 得 0.1306；
    两次检测 ``(0.0015, [1.0, 0.98], [0.01, 0.03])`` 得 0.8307。
    """
    raise NotImplementedError
