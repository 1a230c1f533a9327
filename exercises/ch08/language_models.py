"""Language models and the dataset (8.3): n-gram statistics and minibatch sampling.
语言模型和数据集：n 元语法统计与小批量采样。"""
import collections
import math
import random

import torch
from torch import Tensor


def ngram_freqs(tokens: list[str], n: int) -> list[tuple[tuple[str, ...], int]]:
    """Count the overlapping n-grams of a token list (8.3.3).

    The n-grams are ``(tokens[i], ..., tokens[i + n - 1])`` for every ``i`` from 0 to
    ``len(tokens) - n`` (windows overlap; e.g. ``zip(tokens, tokens[1:])`` for n = 2), always as
    tuples of length n, even for n = 1. Return ``(ngram, count)`` pairs sorted like
    ``Vocab.token_freqs``: by descending count, ties by first appearance. Fewer than n tokens
    give an empty list.

    统计词元列表中相互重叠的 n 元语法（8.3.3）。n 元语法是 ``(tokens[i], ..., tokens[i + n - 1])``，
    ``i`` 取 0 到 ``len(tokens) - n``（窗口相互重叠，例如 n = 2 时为 ``zip(tokens, tokens[1:])``），
    一律用长度为 n 的元组表示，n = 1 时也一样。返回 ``(n元语法, 次数)`` 对，排序方式与
    ``Vocab.token_freqs`` 相同：按次数从高到低，次数相同时按首次出现的先后。词元少于 n 个时返回空列表。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        nltk
    """
    raise NotImplementedError


def seq_data_iter_random(corpus, batch_size: int, num_steps: int,
                         rng: random.Random | None = None):
    """Random sampling of minibatches of subsequences (8.3.4.1); a generator.

    Drop a random prefix of ``offset = rng.randint(0, num_steps - 1)`` tokens, cut the rest into
    ``(len(corpus) - offset - 1) // num_steps`` non-overlapping subsequences of ``num_steps``
    tokens (the ``- 1`` leaves room for the label shifted by one), shuffle their start
    positions with ``rng.shuffle``, and yield ``num_subseqs // batch_size`` pairs ``(X, Y)`` of
    int64 tensors of shape (batch_size, num_steps), where ``Y`` is ``X`` shifted one token to the
    right in the corpus. Draw all randomness from ``rng`` (the ``random`` module when it is None),
    so that the same seed gives the same batches.

    随机采样生成小批量子序列（8.3.4.1），写成生成器。先丢弃随机长度
    ``offset = rng.randint(0, num_steps - 1)`` 的前缀，再把剩下的部分切成
    ``(len(corpus) - offset - 1) // num_steps`` 个互不重叠、长度为 ``num_steps`` 的子序列
    （``- 1`` 是为了给右移一位的标签留出位置），用 ``rng.shuffle`` 打乱它们的起始位置，
    然后产生 ``num_subseqs // batch_size`` 对形状为 (batch_size, num_steps) 的 int64 张量
    ``(X, Y)``，其中 ``Y`` 是 ``X`` 在语料中向右移动一个词元的结果。所有随机性都来自 ``rng``
    （为 None 时使用 ``random`` 模块），这样相同的种子得到相同的小批量。
    """
    raise NotImplementedError


def seq_data_iter_sequential(corpus, batch_size: int, num_steps: int,
                             offset: int | None = None, rng: random.Random | None = None):
    """Sequential partitioning of the corpus into minibatches (8.3.4.2); a generator.

    When ``offset`` is None draw it as ``rng.randint(0, num_steps)`` (the ``random`` module when
    ``rng`` is None). Keep ``num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size``
    tokens from ``offset`` as ``Xs`` and the same span shifted by one as ``Ys``, reshape both to
    (batch_size, -1), and yield the consecutive column blocks of width ``num_steps`` as pairs
    ``(X, Y)`` of int64 tensors of shape (batch_size, num_steps) (a last block narrower than
    num_steps is dropped). Row r of each batch continues row r of the previous batch, so that the
    hidden state can be carried across batches.

    顺序分区生成小批量（8.3.4.2），写成生成器。``offset`` 为 None 时取
    ``rng.randint(0, num_steps)``（``rng`` 为 None 时使用 ``random`` 模块）。从 ``offset``
    开始保留 ``num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size`` 个词元作为
    ``Xs``，同一段右移一位作为 ``Ys``，两者都变形为 (batch_size, -1)，然后依次产生宽度为
    ``num_steps`` 的列块，得到形状为 (batch_size, num_steps) 的 int64 张量对 ``(X, Y)``
    （最后不足 num_steps 的列块丢弃）。每个小批量的第 r 行紧接着上一个小批量的第 r 行，
    这样隐状态才能在小批量之间传递。
    """
    raise NotImplementedError


def zipf_exponent(freqs) -> float:
    """Estimate the exponent of Zipf's law from token frequencies (8.3, exercise 3; stretch).

    ``freqs`` holds the counts of the tokens (a list of numbers or a 1-D tensor), in any order.
    Sort them in descending order, give the most frequent one rank 1, and fit the straight line
    ``log f = -alpha * log r + c`` by least squares on the log–log points (every count must be
    positive). Return ``alpha`` (positive for decaying frequencies) as a Python float.

    由词元频率估计齐普夫定律的指数（8.3 练习 3；拓展题）。``freqs`` 是各词元的出现次数
    （数字列表或一维张量），顺序任意。先按从大到小排序，最常见的词元排名为 1，再用最小二乘法在
    双对数坐标上拟合直线 ``log f = -alpha * log r + c``（所有次数都必须为正）。以 Python
    浮点数返回 ``alpha``（频率递减时为正数）。
    """
    raise NotImplementedError
