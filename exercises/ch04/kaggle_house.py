"""Kaggle: predicting house prices (4.10). 实战Kaggle比赛：预测房价。"""
import math

import torch
from torch import Tensor


def log_rmse(preds: Tensor, labels: Tensor) -> float:
    """The competition's error: RMSE between the logarithms of prices (4.10.5).

    sqrt(mean((log(clamp(preds, min=1)) - log(labels))**2)), returned as a Python float.
    Predictions below 1 are clamped to 1 first so that the log stays finite (as the book does).

    比赛使用的误差：价格取对数后的均方根误差（4.10.5 节）。
    sqrt(mean((log(clamp(preds, min=1)) - log(labels))**2))，以 Python 浮点数返回。
    先把小于 1 的预测值截断为 1，保证取对数后是有限值（与书中一样）。
    """
    raise NotImplementedError


def get_k_fold_data(k: int, i: int, X: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The i-th split of K-fold cross-validation, as the book's `get_k_fold_data` (4.10.6).

    With fold_size = n // k, fold j holds rows [j * fold_size, (j + 1) * fold_size). The
    validation data is fold i; the training data is the other folds concatenated along dim 0 in
    their order j = 0, ..., k - 1. The last n - k * fold_size rows are not used at all (book
    behaviour). y has shape (n,) or (n, 1) and must be split along dim 0 like X, either way.
    Requires k > 1 (assert). Returns (X_train, y_train, X_valid, y_valid).

    K 折交叉验证的第 i 折划分，对应书中的 `get_k_fold_data`（4.10.6 节）。
    记 fold_size = n // k，第 j 折是第 [j * fold_size, (j + 1) * fold_size) 行。
    验证数据是第 i 折；训练数据是其余各折按 j = 0, ..., k - 1 的顺序沿第 0 维拼接起来。
    最后 n - k * fold_size 行完全不用（与书中一致）。y 的形状为 (n,) 或 (n, 1)，
    两种情况下都必须和 X 一样沿第 0 维划分。要求 k > 1（assert）。返回 (X_train, y_train, X_valid, y_valid)。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        sklearn
    """
    raise NotImplementedError


def standardize_with_nan(X: Tensor) -> Tensor:
    """Standardize each column the way the book preprocesses the Kaggle features (4.10.4).

    X (n, m) float with NaN for missing values. For each column: subtract the mean and divide by
    the standard deviation, both computed over the non-NaN entries only, with ddof = 1 (pandas'
    `std()`); then replace the NaNs by 0 (the new mean). Matches
    `df.apply(lambda x: (x - x.mean()) / x.std()).fillna(0)`. Returns a new tensor of X's dtype.

    按书中处理 Kaggle 特征的方式（4.10.4 节）逐列标准化。
    X 是形状为 (n, m) 的浮点张量，缺失值为 NaN。对每一列：减去均值、除以标准差，二者都只在
    非 NaN 的元素上计算，标准差的 ddof = 1（与 pandas 的 `std()` 相同）；然后把 NaN 替换为 0
    （即新的均值）。结果与 `df.apply(lambda x: (x - x.mean()) / x.std()).fillna(0)` 一致。
    返回数据类型与 X 相同的新张量。
    """
    raise NotImplementedError
