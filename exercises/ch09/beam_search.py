"""Beam search (9.8). 束搜索。"""
from typing import Callable

import torch
from torch import Tensor


def beam_search(step_fn: Callable[[list[int]], Tensor], vocab_size: int, eos: int, beam_size: int,
                max_len: int, alpha: float = 0.75) -> tuple[list[int], float]:
    """Beam search over a language model given by ``step_fn`` (9.8.3; the book has no code).

    ``step_fn(prefix)`` takes the tokens generated so far (a list of ints, without ``<bos>``;
    ``[]`` at the start) and returns the log-probabilities of the next token, a tensor (V,) with
    ``V = vocab_size``. The search keeps a list of alive hypotheses (initially only ``[]`` with
    log-prob 0). At each of at most ``max_len`` steps: expand every alive hypothesis by all V tokens
    (candidate log-prob = parent's cumulative log-prob + the token's log-prob), and select the top
    ``beam_size`` candidates by **cumulative log-probability** (a stable sort: on ties, earlier
    beam first, then smaller token). A selected candidate that ends in ``eos`` is finished: it is
    set aside and never expanded again; the others are the alive hypotheses of the next step. Stop
    early when nothing is alive. The final candidates are the finished hypotheses plus the alive
    ones left after ``max_len`` steps; return the one with the highest length-normalised score
    ``(1 / L ** alpha) * log P`` (L counts the ``eos`` token; the first one on ties), as
    ``(tokens without the trailing eos, score as a Python float)``. Add log-probabilities; never
    multiply raw probabilities (they underflow on long sequences). Kit deviation: the book's text
    counts every prefix as a candidate; here only finished hypotheses and those of length
    ``max_len`` are.

    用 ``step_fn`` 给出的语言模型做束搜索（9.8.3；书中没有代码）。``step_fn(prefix)`` 接收目前已生成
    的词元（整数列表，不含 ``<bos>``；开始时为 ``[]``），返回下一个词元的对数概率，即形状为 (V,)
    的张量，``V = vocab_size``。搜索维护一组“存活”的候选（开始时只有对数概率为 0 的 ``[]``）。在最多
    ``max_len`` 个时间步中的每一步：把每个存活候选扩展为 V 个（候选的对数概率 = 父候选的累计对数概率 +
    该词元的对数概率），按**累计对数概率**选出前 ``beam_size`` 个（稳定排序：相同时先按束的先后，再按
    词元从小到大）。被选中且以 ``eos`` 结尾的候选已完成：把它放到一边，不再扩展；其余的是下一步的存活
    候选。没有存活候选时提前停止。最终候选是所有已完成的候选加上 ``max_len`` 步之后仍存活的候选；返回
    长度规范化得分 ``(1 / L ** alpha) * log P`` 最高的那个（L 计入 ``eos`` 词元；相同时取第一个），
    形式为 ``(去掉末尾 eos 的词元列表, Python 浮点数形式的得分)``。要把对数概率相加，不要把原始概率相乘
    （长序列会下溢）。与书的差别：书中正文把每个前缀都算作候选；本套件只把已完成的候选和长度为
    ``max_len`` 的候选算作最终候选。
    """
    raise NotImplementedError


def exhaustive_search(step_fn: Callable[[list[int]], Tensor], vocab_size: int, eos: int,
                      max_len: int, alpha: float = 0.75) -> tuple[list[int], float]:
    """Exhaustive search (9.8.2; 9.8 exercise 1, stretch): the exact optimum that beam search
    approximates.

    Same ``step_fn`` and return value as ``beam_search``. The candidates are every sequence that
    ends in ``eos`` with length at most ``max_len`` (``eos`` appears only as its last token) and
    every sequence of exactly ``max_len`` tokens without ``eos``. Score each by
    ``log P / L ** alpha`` (L counts the eos) and return the best one (the first in depth-first
    order, smaller tokens first, on ties), without the trailing eos, with its score as a float.
    Never call ``step_fn`` on a prefix that contains ``eos``. ``beam_search`` itself is not allowed
    here; beam search with ``beam_size >= vocab_size ** max_len`` must give the same answer.

    穷举搜索（9.8.2；9.8 节练习 1，拓展题）：束搜索所近似的精确最优解。``step_fn`` 和返回值与
    ``beam_search`` 相同。候选是所有以 ``eos`` 结尾、长度不超过 ``max_len`` 的序列（``eos`` 只出现在
    最后），以及所有恰好 ``max_len`` 个词元且不含 ``eos`` 的序列。用 ``log P / L ** alpha``（L 计入
    eos）给每个候选打分，返回最好的那个（得分相同时取深度优先顺序中、词元较小者在前的第一个），
    去掉末尾的 eos，并附上浮点数形式的得分。不要对含有 ``eos`` 的前缀调用 ``step_fn``。这里不允许
    调用 ``beam_search``；束宽 ``beam_size >= vocab_size ** max_len`` 的束搜索必须给出相同的答案。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        beam_search
    """
    raise NotImplementedError


def predict_beam(prefix: list[int], num_preds: int, step_fn: Callable[[list[int]], Tensor],
                 vocab_size: int, beam_size: int) -> list[int]:
    """``predict_ch8`` with beam search instead of greedy decoding (9.8 exercise 3, stretch).

    ``prefix`` is a non-empty list of token indices (the user's text); ``step_fn(context)`` takes
    the whole context so far, ``prefix + generated`` (a list of ints), and returns the
    log-probabilities of the next token, a tensor (V,) with ``V = vocab_size`` (it plays the role of
    the RNN warmed up on the prefix). Generate exactly ``num_preds`` tokens (there is no eos): keep
    a beam of hypotheses, initially only the empty continuation with log-prob 0; at each of the
    ``num_preds`` steps expand every hypothesis by all V tokens (cumulative log-prob = parent's +
    the token's), sort the candidates by **cumulative** log-probability, highest first (a stable
    sort: on ties, earlier hypothesis first, then smaller token), and keep the first
    ``beam_size``. Return ``prefix + best continuation`` (the first of the final beam), a list of
    ``len(prefix) + num_preds`` Python ints. ``beam_size = 1`` is greedy decoding, as in
    ``predict_ch8``; ``beam_size >= V ** (num_preds - 1)`` finds the most likely continuation
    exactly.

    用束搜索代替贪心解码的 ``predict_ch8``（9.8 节练习 3，拓展题）。``prefix`` 是非空的词元索引列表
    （用户给出的文本）；``step_fn(context)`` 接收目前的完整上下文 ``prefix + 已生成的词元``（整数列表），
    返回下一个词元的对数概率，即形状为 (V,) 的张量，``V = vocab_size``（它相当于用前缀预热过的 RNN）。
    恰好生成 ``num_preds`` 个词元（没有 eos）：维护一束候选，开始时只有对数概率为 0 的空续写；在
    ``num_preds`` 步中的每一步，把每个候选用全部 V 个词元扩展（累计对数概率 = 父候选的 + 该词元的），
    按**累计**对数概率从高到低排序（稳定排序：相同时先按候选的先后，再按词元从小到大），保留前
    ``beam_size`` 个。返回 ``prefix + 最佳续写``（最后一束中的第一个），即长度为
    ``len(prefix) + num_preds`` 的 Python 整数列表。``beam_size = 1`` 就是 ``predict_ch8`` 的贪心解码；
    ``beam_size >= V ** (num_preds - 1)`` 时能精确找到最可能的续写。
    """
    raise NotImplementedError
