"""Machine translation and the dataset (9.5): preprocessing, truncation and padding.
机器翻译与数据集：预处理、截断和填充。"""
import collections

import torch
from torch import Tensor


class Vocab:
    """The vocabulary of 8.2.3, given (not an exercise here).

    Frequency-ordered: ``idx_to_token = ['<unk>'] + reserved_tokens + tokens by descending
    frequency`` (ties by first appearance), ``vocab[token]`` gives the index (0 for an unknown
    token), ``vocab[list]`` a list of indices, ``vocab.to_tokens(indices)`` the tokens back.
    ``tokens`` may be a 1-D or 2-D (one list per line) list.

    8.2.3 节的词表（已给出，不是本节的练习）。按词频排序：``idx_to_token = ['<unk>'] +
    reserved_tokens + 按频率从高到低排列的词元``（频率相同按首次出现的先后），``vocab[token]``
    返回索引（未知词元为 0），``vocab[列表]`` 返回索引列表，``vocab.to_tokens(indices)`` 把索引
    变回词元。``tokens`` 可以是一维或二维（每行一个列表）的列表。
    """

    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        tokens = [] if tokens is None else tokens
        reserved_tokens = [] if reserved_tokens is None else reserved_tokens
        if len(tokens) > 0 and isinstance(tokens[0], (list, tuple)):
            tokens = [tok for line in tokens for tok in line]
        counter = collections.Counter(tokens)
        self._token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token = ['<unk>'] + list(reserved_tokens)
        self.token_to_idx = {tok: idx for idx, tok in enumerate(self.idx_to_token)}
        for tok, freq in self._token_freqs:
            if freq < min_freq:
                break
            if tok not in self.token_to_idx:
                self.idx_to_token.append(tok)
                self.token_to_idx[tok] = len(self.idx_to_token) - 1

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self.__getitem__(tok) for tok in tokens]

    def to_tokens(self, indices):
        if not isinstance(indices, (list, tuple)):
            return self.idx_to_token[indices]
        return [self.idx_to_token[i] for i in indices]

    @property
    def unk(self):
        return 0

    @property
    def token_freqs(self):
        return self._token_freqs


def preprocess_nmt(text: str) -> str:
    """Preprocess the English–French raw text (9.5.1).

    Replace the narrow no-break space ``'\\u202f'`` and the no-break space ``'\\xa0'`` with an
    ordinary space ``' '``, lowercase everything, then insert a space before every punctuation
    mark ``,`` ``.`` ``!`` ``?`` whose previous character is not the ordinary space ``' '``
    (exactly ``' '``: a tab or a newline before the mark DOES get a space inserted), except for a
    mark at index 0. Return the new string.

    预处理“英语－法语”原始文本（9.5.1）。把窄不换行空格 ``'\\u202f'`` 和不换行空格 ``'\\xa0'``
    替换为普通空格 ``' '``，全部转成小写，然后在每个前一个字符不是普通空格 ``' '`` 的标点
    ``,`` ``.`` ``!`` ``?`` 之前插入一个空格（只认 ``' '``：前面是制表符或换行符的标点也要插入空格），
    位于索引 0 的标点除外。返回新字符串。
    """
    raise NotImplementedError


def truncate_pad(line: list[int], num_steps: int, padding_token: int) -> list[int]:
    """Truncate or pad a sequence of token indices to exactly ``num_steps`` (9.5.4).

    If ``line`` is longer than ``num_steps`` keep its first ``num_steps`` tokens; otherwise append
    ``padding_token`` until it has ``num_steps`` tokens. Return a new list; do not change ``line``.

    把词元索引序列截断或填充到恰好 ``num_steps`` 个（9.5.4）。如果 ``line`` 比 ``num_steps`` 长，
    保留前 ``num_steps`` 个词元；否则在末尾追加 ``padding_token``，直到长度为 ``num_steps``。
    返回一个新列表，不要修改 ``line``。
    """
    raise NotImplementedError


def build_array_nmt(lines: list[list[str]], vocab: Vocab, num_steps: int) -> tuple[Tensor, Tensor]:
    """Turn tokenized sentences into a padded minibatch array (9.5.4).

    ``lines`` is a list of token lists, ``vocab`` a ``Vocab`` with the reserved tokens ``'<pad>'``
    and ``'<eos>'``. Map each line to indices with ``vocab``, append ``vocab['<eos>']`` FIRST, and
    only then truncate or pad to ``num_steps`` with ``truncate_pad`` (padding with
    ``vocab['<pad>']``), so a long line loses its ``<eos>``. Return ``(array, valid_len)``: an int64
    tensor of shape (len(lines), num_steps), and an int64 tensor of shape (len(lines),) counting the
    tokens of each row that are not ``<pad>`` (unknown tokens, index 0, do count).

    把分好词的句子变成填充好的小批量数组（9.5.4）。``lines`` 是词元列表的列表，``vocab`` 是带有
    保留词元 ``'<pad>'`` 和 ``'<eos>'`` 的 ``Vocab``。用 ``vocab`` 把每一行映射成索引，**先**追加
    ``vocab['<eos>']``，然后才用 ``truncate_pad`` 截断或填充到 ``num_steps``（用 ``vocab['<pad>']``
    填充），因此过长的句子会丢掉它的 ``<eos>``。返回 ``(array, valid_len)``：形状为
    (len(lines), num_steps) 的 int64 张量，以及形状为 (len(lines),) 的 int64 张量，统计每行中
    不是 ``<pad>`` 的词元个数（未知词元，即索引 0，也要计入）。
    """
    raise NotImplementedError
