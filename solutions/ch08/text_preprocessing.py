"""Text preprocessing (8.2): tokenization and the vocabulary. 文本预处理：词元化与词表。"""
import collections


def tokenize(lines: list[str], token: str = 'word') -> list[list[str]]:
    """Split each text line into tokens (8.2.2).

    ``token='word'`` splits on runs of whitespace (``line.split()``, so double spaces give no
    empty tokens); ``token='char'`` splits into single characters, spaces included. Any other
    ``token`` raises ``ValueError`` (the book prints an error and returns None; the kit raises).
    Return one list of tokens per line, in order; an empty line gives an empty list.

    把每一行文本拆分成词元（8.2.2）。``token='word'`` 按连续空白拆分（``line.split()``，
    连续两个空格不会产生空词元）；``token='char'`` 拆成单个字符，空格也算一个词元。
    其他 ``token`` 值抛出 ``ValueError``（书中打印错误信息并返回 None，本套件改为抛出异常）。
    每行返回一个词元列表，顺序不变；空行得到空列表。
    """
    ### BEGIN SOLUTION
    if token == 'word':
        return [line.split() for line in lines]
    if token == 'char':
        return [list(line) for line in lines]
    raise ValueError(f'unknown token type: {token!r}')
    ### END SOLUTION


class Vocab:
    """A vocabulary mapping tokens to indices (8.2.3), the book's frequency-ordered version.

    ``tokens`` is a 1-D list of tokens or a 2-D list (one list per line), which you flatten.
    ``idx_to_token`` is ``['<unk>'] + reserved_tokens`` followed by every token whose frequency
    is at least ``min_freq``, in descending order of frequency, ties broken by first appearance
    in the corpus (a stable sort of the counter's insertion order), skipping tokens that are
    already in the list (e.g. a reserved token that also occurs in the text).
    ``token_to_idx`` is the inverse dict. ``token_freqs`` holds all ``(token, count)`` pairs of
    the corpus in that same order (before the min_freq cut); store them in ``self._token_freqs``,
    which the given ``token_freqs`` property returns. ``vocab[token]`` gives the index, or
    0 (``<unk>``) for an unknown token; ``vocab[list_or_tuple]`` gives a list of indices.
    ``to_tokens(int)`` gives a token, ``to_tokens(list_or_tuple)`` a list of tokens.
    ``len(vocab)`` is the number of tokens in ``idx_to_token``. Note: the English edition (d2l 1.0)
    sorts alphabetically; this kit follows the Chinese edition.

    词表：把词元映射到索引（8.2.3），按书中（中文版）的词频顺序。
    ``tokens`` 可以是一维词元列表，也可以是二维列表（每行一个列表），需要先展平。
    ``idx_to_token`` 为 ``['<unk>'] + reserved_tokens``，再接上所有频率不小于 ``min_freq``
    的词元，按频率从高到低排序，频率相同时按在语料中首次出现的先后（对计数器的插入顺序做稳定排序），
    已经在列表里的词元（例如文本中也出现的保留词元）不再重复加入。``token_to_idx`` 是反向的字典。
    ``token_freqs`` 按同样的顺序保存语料中全部 ``(词元, 次数)`` 对（不受 min_freq 截断影响）；
    请把它们存入 ``self._token_freqs``，已给出的 ``token_freqs`` 属性会返回它。
    ``vocab[token]`` 返回索引，未知词元返回 0（``<unk>``）；``vocab[列表或元组]`` 返回索引列表。
    ``to_tokens(int)`` 返回一个词元，``to_tokens(列表或元组)`` 返回词元列表。
    ``len(vocab)`` 是 ``idx_to_token`` 的长度。注意：英文版（d2l 1.0）按字母顺序排序，本套件采用中文版的做法。
    """

    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        ### BEGIN SOLUTION
        if tokens is None:
            tokens = []
        if reserved_tokens is None:
            reserved_tokens = []
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
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.idx_to_token)
        ### END SOLUTION

    def __getitem__(self, tokens):
        ### BEGIN SOLUTION
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self.__getitem__(tok) for tok in tokens]
        ### END SOLUTION

    def to_tokens(self, indices):
        ### BEGIN SOLUTION
        if isinstance(indices, (list, tuple)):
            return [self.idx_to_token[int(i)] for i in indices]
        return self.idx_to_token[int(indices)]
        ### END SOLUTION

    @property
    def unk(self):  # the index of the unknown token / 未知词元的索引
        return 0

    @property
    def token_freqs(self):
        return self._token_freqs


def vocab_sizes(tokens, min_freqs: list[int]) -> list[int]:
    """Vocabulary size as a function of ``min_freq`` (8.2 exercise 2, stretch).

    ``tokens`` is a 1-D list of tokens or a 2-D list (one list per line), as for ``Vocab``.
    For each ``m`` in ``min_freqs`` (in the given order) return the size of the vocabulary that
    ``Vocab(tokens, min_freq=m)`` would build with no reserved tokens: 1 for ``<unk>`` plus the
    number of distinct tokens that occur **at least** ``m`` times. Return a list of Python ints,
    one per entry of ``min_freqs``; it never increases as ``min_freq`` grows. Using your ``Vocab``
    is allowed.

    词表大小随 ``min_freq`` 的变化（8.2 节练习 2，拓展题）。``tokens`` 是一维词元列表或二维列表
    （每行一个列表），与 ``Vocab`` 相同。对 ``min_freqs`` 中的每个 ``m``（按给定顺序），返回
    ``Vocab(tokens, min_freq=m)``（没有保留词元）构建的词表的大小：``<unk>`` 算 1 个，再加上出现
    **至少** ``m`` 次的不同词元的个数。返回 Python 整数列表，与 ``min_freqs`` 一一对应；
    ``min_freq`` 越大，词表越小（或不变）。可以使用你自己的 ``Vocab``。
    """
    ### BEGIN SOLUTION
    if len(tokens) > 0 and isinstance(tokens[0], (list, tuple)):
        tokens = [tok for line in tokens for tok in line]
    counts = collections.Counter(tokens).values()
    return [1 + sum(1 for c in counts if c >= m) for m in min_freqs]
    ### END SOLUTION
