"""Grader for 4.10: log_rmse, get_k_fold_data (+ stretch standardize_with_nan)."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from d2lkit.grading.api import (FLOATS, LearnerError, expect, expect_close, expect_equal, grades,
                                mistake_if)


# ------------------------------------------------------------------------------------- log_rmse
def _log_rmse(preds, labels):
    p, l_ = preds.double().cpu(), labels.double().cpu()
    return math.sqrt(float(((torch.log(p.clamp(min=1)) - torch.log(l_)) ** 2).mean()))


def _check_log_rmse(got, preds, labels, rel):
    expected = _log_rmse(preds, labels)
    expect(isinstance(got, (int, float)) and not isinstance(got, bool),
           what="log_rmse(preds, labels)",
           expected="a Python float", got=got)
    got = float(got)
    if not math.isclose(got, expected, rel_tol=rel, abs_tol=1e-9):
        mistake_if(math.isnan(got), "no-clamp", what="log_rmse(preds, labels)", got=got,
                   expected=expected)
        p, l_ = preds.double().cpu().clamp(min=1), labels.double().cpu()
        rmse = math.sqrt(float(((p - l_) ** 2).mean()))
        mistake_if(math.isclose(got, math.log(rmse), rel_tol=1e-4), "log-of-rmse",
                   what="log_rmse(preds, labels)", got=got,
                   expected=expected)
        mistake_if(math.isclose(got, expected ** 2, rel_tol=1e-4), "missing-sqrt",
                   what="log_rmse(preds, labels)", got=got,
                   expected=expected)
    expect(math.isclose(got, expected, rel_tol=rel, abs_tol=1e-9), what="log_rmse(preds, labels)",
           expected=expected, got=got)


@grades("ch4.log_rmse", en="a negative prediction is clamped to 1: ≈ 1.33495",
        zh="负的预测值被截断为 1：约为 1.33495")
def test_log_rmse_fixture(student, device):
    preds = torch.tensor([[100.0], [-5.0], [2000.0]]).to(device)
    labels = torch.tensor([[120.0], [10.0], [1800.0]]).to(device)
    _check_log_rmse(student.call("log_rmse", preds, labels), preds, labels, 1e-5)


@grades("ch4.log_rmse", en="random house prices", zh="随机房价")
@pytest.mark.parametrize("dtype", FLOATS)
def test_log_rmse_random(student, gen, dtype, device):
    labels = torch.exp(torch.randn(40, 1, generator=gen, dtype=dtype) * 0.5 + 12).to(device)
    preds = labels * torch.exp(torch.randn(40, 1, generator=gen, dtype=dtype) * 0.2).to(device)
    rel = 1e-7 if dtype == torch.float64 else 1e-4
    _check_log_rmse(student.call("log_rmse", preds, labels), preds, labels, rel)


@grades("ch4.log_rmse", en="perfect predictions give 0", zh="完全正确的预测给出 0")
def test_log_rmse_zero(student, gen):
    labels = torch.rand(10, 1, generator=gen, dtype=torch.float64) * 1000 + 50
    got = student.call("log_rmse", labels.clone(), labels)
    expect(isinstance(got, float) and abs(got) < 1e-12, what="log_rmse(y, y)", expected=0.0,
           got=got)


# ------------------------------------------------------------------------------------- K-fold
def _k_fold(k, i, X, y):
    fs = X.shape[0] // k
    folds = [(X[j * fs:(j + 1) * fs], y[j * fs:(j + 1) * fs]) for j in range(k)]
    train = [f for j, f in enumerate(folds) if j != i]
    return (torch.cat([f[0] for f in train]), torch.cat([f[1] for f in train]),
            folds[i][0], folds[i][1])


def _check_k_fold(got, k, i, X, y):
    expected = _k_fold(k, i, X, y)
    expect(isinstance(got, (tuple, list)) and len(got) == 4
           and all(isinstance(t, torch.Tensor) for t in got),
           what=f"get_k_fold_data({k}, {i}, X, y)", expected="(X_train, y_train, X_valid, y_valid)",
           got=got)
    X_train, y_train, X_valid, y_valid = got
    n, fs = X.shape[0], X.shape[0] // k
    mistake_if(y.dim() == 2 and tuple(y_train.shape) == (fs, (k - 1) * y.shape[1])
               and tuple(y_train.shape) != tuple(expected[1].shape),
               "y-cat-dim1", what="y_train.shape",
               got=tuple(y_train.shape), expected=tuple(expected[1].shape))
    # the last n % k rows used: all rows but fold i for training, or, for i = k − 1, fold i
    # running to the end
    start, stop = i * fs, (i + 1) * fs
    kept = torch.equal(X_train, torch.cat([X[:start], X[stop:]])) or (
        i == k - 1 and torch.equal(X_valid, X[start:]))
    mistake_if(bool(n % k) and kept, "remainder-kept", what="X_train rows",
               got=f"{X_train.shape[0]} training rows", expected=f"{(k - 1) * fs} training rows")
    if X_train.shape == expected[0].shape and not torch.equal(X_train, expected[0]):
        same_rows = torch.equal(torch.sort(X_train[:, 0]).values, torch.sort(expected[0][:,
                                                                                         0]).values)
        mistake_if(same_rows, "valid-fold-moved-to-end", what="X_train",
                   got="the right rows in another order",
                   expected="folds in the order 0…k−1")
    for name, a, b in zip(("X_train", "y_train", "X_valid", "y_valid"), got, expected):
        expect_equal(a, b, what=name)


@grades("ch4.get_k_fold_data", en="n = 23, k = 5, i = 1: 16 training rows, rows 20–22 unused",
        zh="n = 23，k = 5，i = 1：训练集 16 行，第 20–22 行不用")
def test_k_fold_book(student, device):
    X = torch.arange(23 * 3, dtype=torch.float64).reshape(23, 3).to(device)
    y = (torch.arange(23, dtype=torch.float64).reshape(23, 1) * 10).to(device)
    _check_k_fold(student.call("get_k_fold_data", 5, 1, X, y), 5, 1, X, y)


@grades("ch4.get_k_fold_data", en="every fold i, 1-D labels", zh="每一折 i，一维标签")
@pytest.mark.parametrize("dtype", FLOATS)
def test_k_fold_all_folds(student, gen, dtype, device):
    X = torch.randn(31, 4, generator=gen, dtype=dtype).to(device)
    y = torch.randn(31, generator=gen, dtype=dtype).to(device)
    for i in range(4):
        _check_k_fold(student.call("get_k_fold_data", 4, i, X, y), 4, i, X, y)


@grades("ch4.get_k_fold_data", en="k = 1 is refused", zh="k = 1 时拒绝执行")
def test_k_fold_needs_two(student):
    X = torch.ones(6, 2)
    y = torch.ones(6, 1)
    try:
        student.call("get_k_fold_data", 1, 0, X, y)
    except LearnerError:
        return  # the book asserts k > 1; any exception will do
    expect(False, what="get_k_fold_data(1, 0, X, y)", expected="AssertionError (assert k > 1)",
           got="a result")


# ------------------------------------------------------------------------------------- standardize
def _pandas_standardize(X):
    df = pd.DataFrame(X.double().cpu().numpy())
    out = df.apply(lambda col: (col - col.mean()) / col.std()).fillna(0)
    return torch.from_numpy(np.ascontiguousarray(out.values)).to(dtype=X.dtype, device=X.device)


@grades("ch4.standardize_with_nan", en="matches pandas (ddof = 1, NaN → 0)",
        zh="与 pandas 一致（ddof = 1，NaN → 0）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_standardize(student, gen, dtype, device):
    X = (torch.randn(12, 5, generator=gen, dtype=dtype) * 3 + 7)
    drop = torch.rand(12, 5, generator=gen) < 0.25
    drop[0] = False
    drop[1] = False
    X[drop] = float("nan")
    X = X.to(device)
    got = student.call("standardize_with_nan", X)
    expect_close(got, _pandas_standardize(X), what="standardize_with_nan(X)")
    expect(not bool(torch.isnan(got).any()), what="NaN in the result", expected="none", got="NaN")
