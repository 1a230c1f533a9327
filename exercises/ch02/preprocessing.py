"""Data preprocessing (2.2): missing values and conversion to tensors.

数据预处理（2.2）：处理缺失值并转换为张量格式。
"""
import pandas as pd
import torch
from torch import Tensor


def impute_and_one_hot(data: "pd.DataFrame", target: str) -> tuple[Tensor, Tensor]:
    """Turn a raw table into a float64 design matrix ``X`` and target vector ``y``.

    The inputs are every column of ``data`` except ``target``, in their original order.
    Missing values (NaN) in numeric input columns become that column's mean. Non-numeric
    columns are one-hot encoded with ``pd.get_dummies(..., dummy_na=True)``, so a missing
    category gets its own ``<col>_nan`` column; keep pandas' column order (numeric columns
    first, then the dummy columns). Return ``(X, y)``: ``X`` float64 of shape (n, d), ``y``
    float64 of shape (n,) holding the ``target`` column. Do not modify ``data``.
    Note: the book's code was written for pandas 1. On pandas >= 2, ``DataFrame.mean()``
    refuses string columns and ``get_dummies`` returns bool columns.

    把原始表格转换成 float64 的特征矩阵 ``X`` 和标签向量 ``y``。输入是 ``data`` 中除
    ``target`` 以外的所有列，保持原来的顺序。数值列中的缺失值（NaN）用该列的均值填充。
    非数值列用 ``pd.get_dummies(..., dummy_na=True)`` 做独热编码，因此缺失的类别有自己的
    ``<列名>_nan`` 列；保持 pandas 给出的列顺序（先数值列，后独热列）。返回 ``(X, y)``：
    ``X`` 是形状为 (n, d) 的 float64 张量，``y`` 是形状为 (n,) 的 float64 张量，即
    ``target`` 列。不要修改 ``data``。注意：书中的代码是为 pandas 1 编写的。在 pandas >= 2
    中，``DataFrame.mean()`` 不接受字符串列，``get_dummies`` 返回的是 bool 列。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        sklearn
    """
    raise NotImplementedError
