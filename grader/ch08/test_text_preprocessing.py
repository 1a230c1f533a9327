"""Grader for 8.2 文本预处理: tokenize and Vocab."""
import collections
import random

from d2lkit.grading.api import (expect, expect_equal, grades, mistake_if, mistake_on_error,
                                probes_for)

probes = probes_for(__file__)

TOK = "ch8.tokenize"
VOC = "ch8.Vocab"

LINES = ["the  time machine", " by h g wells ", "", "i\tthink  so"]


@grades(TOK, en="word tokens, no empty strings on double spaces",
        zh="按单词拆分，连续空格不产生空字符串")
def test_tokenize_word(student):
    got = student.call("tokenize", LINES, "word")
    mistake_if(isinstance(got, list) and any(isinstance(line, list) and "" in line for line in got),
               "split-single-space", what="tokenize(lines, 'word')", got=got)
    expect_equal(got, [line.split() for line in LINES], what="tokenize(lines, 'word')")


@grades(TOK, en="'word' is the default", zh="默认按单词拆分")
def test_tokenize_default(student):
    got = student.call("tokenize", ["a b  c", "d"])
    expect_equal(got, [["a", "b", "c"], ["d"]], what="tokenize(lines)")


@grades(TOK, en="char tokens keep spaces", zh="按字符拆分时保留空格")
def test_tokenize_char(student):
    got = student.call("tokenize", LINES, token="char")
    expect_equal(got, [list(line) for line in LINES], what="tokenize(lines, 'char')")


@grades(TOK, en="an unknown token type raises ValueError", zh="未知的词元类型抛出 ValueError")
def test_tokenize_unknown(student):
    got = student.probe(probes.probe_unknown_token)
    expect(got == "ValueError", what="tokenize(lines, 'sentence')", expected="ValueError", got=got)


# ------------------------------------------------------------------------------------ Vocab
BOOK_LINES = ["b a c", "c b", "a d <pad> e", "e e"]
BOOK_TOKENS = [line.split() for line in BOOK_LINES]


def expected_vocab(tokens, min_freq=0, reserved=()):
    flat = [t for line in tokens for t in line] if tokens and isinstance(tokens[0], list) else tokens
    freqs = sorted(collections.Counter(flat).items(), key=lambda kv: kv[1], reverse=True)
    itos = ["<unk>"] + list(reserved)
    for tok, f in freqs:
        if f < min_freq:
            break
        if tok not in itos:
            itos.append(tok)
    return itos, freqs


@grades(VOC, en="builds from a 2-D token list (one list per line)",
        zh="可以由二维词元列表（每行一个列表）构建")
def test_vocab_flattens(student):
    with mistake_on_error("no-flattening", match="unhashable"):
        got = student.probe(probes.probe_vocab, BOOK_TOKENS)
    expect(isinstance(got["idx_to_token"], list) and len(got["idx_to_token"]) > 1,
           what="Vocab(tokens).idx_to_token", got=got["idx_to_token"])


@grades(VOC, en="reserved tokens come right after <unk>, once", zh="保留词元紧跟在 <unk> 之后，只出现一次")
def test_vocab_reserved_once(student):
    got = student.probe(probes.probe_vocab, BOOK_TOKENS, reserved=["<pad>"])["idx_to_token"]
    # "<pad>" also occurs in the text: added a second time, and otherwise the right vocabulary
    expected, _ = expected_vocab(BOOK_TOKENS, reserved=["<pad>"])
    mistake_if(len(set(got)) != len(got) and list(dict.fromkeys(got)) == expected,
               "reserved-token-duplicated", what="idx_to_token", got=got)
    expect_equal(got[:2], ["<unk>", "<pad>"], what="idx_to_token[:2]")


@grades(VOC, en="the book's example: frequency order, ties by first appearance",
        zh="书中的例子：按频率排序，频率相同按首次出现的顺序")
def test_vocab_book_order(student):
    got = student.probe(probes.probe_vocab, BOOK_TOKENS, reserved=["<pad>"])["idx_to_token"]
    expected = ["<unk>", "<pad>", "e", "b", "a", "c", "d"]
    flat = [t for line in BOOK_TOKENS for t in line]
    counts = collections.Counter(flat)
    rest = [t for t in counts if t != "<pad>"]
    alphabetical = [
        ["<unk>", "<pad>"] + sorted(rest, key=lambda t: (-counts[t], t)),   # alphabetical ties
        ["<unk>", "<pad>"] + sorted(rest),                                  # alphabetical order
        sorted(set(flat) | {"<unk>"}),                                      # en 1.0 Vocab
    ]
    mistake_if(got != expected and got in alphabetical, "alphabetical-order", what="idx_to_token", got=got,
               expected=expected)
    expect_equal(got, expected, what="idx_to_token")


@grades(VOC, en="min_freq = 2 keeps tokens seen at least twice",
        zh="min_freq = 2 保留至少出现两次的词元")
def test_vocab_min_freq(student):
    got = student.probe(probes.probe_vocab, BOOK_TOKENS, min_freq=2)["idx_to_token"]
    expected = ["<unk>", "e", "b", "a", "c"]
    if got == ["<unk>", "e"]:  # only the token seen 3 times: `freq <= min_freq` drops the rest?
        # proven when min_freq = 1 also drops the tokens seen exactly once
        once = student.probe(probes.probe_vocab, BOOK_TOKENS, min_freq=1)["idx_to_token"]
        mistake_if(once == expected, "min-freq-strict",
                   what="Vocab(tokens, min_freq=2).idx_to_token", got=got, expected=expected)
    expect_equal(got, expected, what="Vocab(tokens, min_freq=2).idx_to_token")


@grades(VOC, en="lookups, to_tokens, len, unk and token_freqs",
        zh="查询索引、to_tokens、len、unk 和 token_freqs")
def test_vocab_lookups(student):
    got = student.probe(probes.probe_vocab, BOOK_TOKENS, reserved=["<pad>"],
                        lookups=[["a", "zzz"], "a", "zzz", ("e", "<pad>"), "<unk>"],
                        indices=[4, [2, 3], (0, 6)])
    expect_equal(got["getitem"][0], [4, 0], what="vocab[['a', 'zzz']]")
    expect_equal(got["getitem"][1:3], [4, 0], what="vocab['a'], vocab['zzz']")
    expect_equal(got["getitem"][3], [2, 1], what="vocab[('e', '<pad>')]")
    expect_equal(got["getitem"][4], 0, what="vocab['<unk>']")
    expect_equal(got["to_tokens"], ["a", ["e", "b"], ["<unk>", "d"]], what="vocab.to_tokens(...)")
    expect_equal(got["len"], 7, what="len(vocab)")
    expect_equal(got["unk"], 0, what="vocab.unk")
    expect_equal(got["token_freqs"],
                 [("e", 3), ("b", 2), ("a", 2), ("c", 2), ("d", 1), ("<pad>", 1)],
                 what="vocab.token_freqs")


@grades(VOC, en="1-D token lists and an empty corpus", zh="一维词元列表和空语料")
def test_vocab_1d_and_empty(student):
    got = student.probe(probes.probe_vocab, list("abracadabra"))["idx_to_token"]
    expect_equal(got, ["<unk>", "a", "b", "r", "c", "d"], what="Vocab(list('abracadabra'))")
    got = student.probe(probes.probe_vocab, [])["idx_to_token"]
    expect_equal(got, ["<unk>"], what="Vocab([]).idx_to_token")
    got = student.probe(probes.probe_vocab, None)["idx_to_token"]  # tokens defaults to None
    expect_equal(got, ["<unk>"], what="Vocab(None).idx_to_token")


@grades(VOC, en="random corpora match the reference", zh="随机语料与参考实现一致")
def test_vocab_random(student, seed):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(12)]
    corpora, min_freqs = [], []
    for _ in range(20):
        lines = [[rng.choice(words[:rng.randint(2, 12)]) for _ in range(rng.randint(0, 8))]
                 for _ in range(rng.randint(1, 6))]
        corpora.append(lines)
        min_freqs.append(rng.randint(0, 3))
    got = student.probe(probes.probe_vocab_many, corpora, min_freqs)
    for tokens, m, g in zip(corpora, min_freqs, got):
        expect_equal(g, expected_vocab(tokens, m)[0], what=f"Vocab({tokens!r}, min_freq={m})")


# ------------------------------------------------------------------------------ vocab_sizes (stretch)
VS = "ch8.vocab_sizes"
VS_LINES = ["the time machine by h g wells", "i think that the time traveller is the time machine",
            "the machine and the time", "a time to think"]
VS_TOKENS = [line.split() for line in VS_LINES]
VS_MIN_FREQS = [0, 1, 2, 3, 4, 5, 6, 7]
VS_EXPECTED = [16, 16, 5, 4, 3, 3, 1, 1]       # 15 distinct words: the/time x5, machine x3, think x2


def _vs_counts(tokens):
    flat = [t for line in tokens for t in line] if tokens and isinstance(tokens[0], list) else tokens
    return collections.Counter(flat).values()


@grades(VS, en="<unk> is counted: min_freq = 0 gives 1 + the number of distinct tokens",
        zh="<unk> 也要计入：min_freq = 0 时为 1 + 不同词元的个数")
def test_vs_unk(student):
    got = student.call("vocab_sizes", VS_TOKENS, [0, 6])
    mistake_if(got == [15, 0], "unk-not-counted", what="vocab_sizes(tokens, [0, 6])", got=got,
               expected=[16, 1])
    expect_equal(got, [16, 1], what="vocab_sizes(tokens, [0, 6])")


@grades(VS, en="a token seen exactly min_freq times is kept",
        zh="恰好出现 min_freq 次的词元要保留")
def test_vs_not_strict(student):
    got = student.call("vocab_sizes", VS_TOKENS, [2, 3, 5])
    mistake_if(got == [4, 3, 1], "min-freq-strict", what="vocab_sizes(tokens, [2, 3, 5])", got=got,
               expected=[5, 4, 3])
    expect_equal(got, [5, 4, 3], what="vocab_sizes(tokens, [2, 3, 5])")


@grades(VS, en="the fixture: sizes for min_freq = 0 … 7", zh="固定语料：min_freq = 0 … 7 时的词表大小")
def test_vs_fixture(student):
    got = student.call("vocab_sizes", VS_TOKENS, VS_MIN_FREQS)
    expect_equal(got, VS_EXPECTED, what=f"vocab_sizes(tokens, {VS_MIN_FREQS})")


@grades(VS, en="an empty corpus, and a corpus of a single line", zh="空语料，以及只有一行的语料")
def test_vs_empty_and_one_line(student):
    expect_equal(student.call("vocab_sizes", [], [0, 1]), [1, 1], what="vocab_sizes([], [0, 1])")
    one_line = [["a", "b", "a"]]
    expect_equal(student.call("vocab_sizes", one_line, [1, 2]), [3, 2],
                 what=f"vocab_sizes({one_line!r}, [1, 2])")


@grades(VS, en="random corpora (1-D and 2-D) match Vocab", zh="随机语料（一维和二维）与 Vocab 一致")
def test_vs_random(student, seed):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(10)]
    for flat in (False, True):
        lines = [[rng.choice(words[:rng.randint(1, 10)]) for _ in range(rng.randint(0, 9))]
                 for _ in range(rng.randint(1, 6))]
        tokens = [t for line in lines for t in line] if flat else lines
        min_freqs = [rng.randint(0, 6) for _ in range(5)]
        got = student.call("vocab_sizes", tokens, min_freqs)
        expected = [len(expected_vocab(tokens, m)[0]) for m in min_freqs]
        expect_equal(got, expected, what=f"vocab_sizes({tokens!r}, {min_freqs})")
