"""Grader for 8.3 语言模型和数据集: ngram_freqs, seq_data_iter_random, seq_data_iter_sequential."""
import collections
import random

import torch

from d2lkit.grading.api import expect, expect_equal, grades, mistake_if, probes_for, reference

ref = reference(__file__)
probes = probes_for(__file__)

NG = "ch8.ngram_freqs"
RND = "ch8.seq_data_iter_random"
SEQ = "ch8.seq_data_iter_sequential"


def expected_ngrams(tokens, n):
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return sorted(collections.Counter(grams).items(), key=lambda kv: kv[1], reverse=True)


TOKENS = "the time machine by h g wells the time traveller for so it will be convenient".split()
TOKENS = TOKENS + "the time traveller the time machine".split()


@grades(NG, en="bigrams of a short text: overlapping windows, full tuples",
        zh="短文本的二元语法：窗口相互重叠，元组长度完整")
def test_bigrams(student):
    got = student.call("ngram_freqs", TOKENS, 2)
    grams = [g for g, _ in got] if isinstance(got, list) else []
    mistake_if(any(isinstance(g, tuple) and len(g) < 2 for g in grams), "short-tuples-at-end", what="n-grams shorter than n",
               got=[g for g in grams if len(g) < 2])
    total = sum(c for _, c in got) if isinstance(got, list) else None
    mistake_if(isinstance(total, int) and total <= len(TOKENS) // 2, "stepping-by-n", what="total count of bigrams",
               got=total, expected=len(TOKENS) - 1)
    expect_equal(got, expected_ngrams(TOKENS, 2), what="ngram_freqs(tokens, 2)")


@grades(NG, en="trigrams, ties by first appearance", zh="三元语法，次数相同按首次出现排序")
def test_trigrams(student):
    tokens = list("abcabcabdab")
    got = student.call("ngram_freqs", tokens, 3)
    expect_equal(got, expected_ngrams(tokens, 3), what="ngram_freqs(list('abcabcabdab'), 3)")


@grades(NG, en="unigrams are 1-tuples; fewer than n tokens give []",
        zh="一元语法也是元组；词元少于 n 个时返回 []")
def test_unigrams_and_short(student):
    got = student.call("ngram_freqs", ["x", "y", "x"], 1)
    expect_equal(got, [(("x",), 2), (("y",), 1)], what="ngram_freqs(['x', 'y', 'x'], 1)")
    got = student.call("ngram_freqs", ["x", "y"], 3)
    expect_equal(got, [], what="ngram_freqs(['x', 'y'], 3)")


@grades(NG, en="random token lists match the reference", zh="随机词元列表与参考实现一致")
def test_ngrams_random(student, seed):
    rng = random.Random(seed)
    for n in (1, 2, 3, 4):
        tokens = [rng.choice("abcd") for _ in range(rng.randint(n, 40))]
        got = student.call("ngram_freqs", tokens, n)
        expect_equal(got, expected_ngrams(tokens, n), what=f"ngram_freqs({''.join(tokens)!r}, {n})")


# ------------------------------------------------------------------------- minibatch iterators
def _is_int_batch(t, shape):
    return isinstance(t, torch.Tensor) and t.dtype == torch.int64 and tuple(t.shape) == shape


@grades(RND, en="labels never run past the end of the corpus", zh="标签不会超出语料末尾")
def test_random_end(student, seed):
    N, bs, T = 21, 1, 2      # every subsequence is used, and half of the offsets hit the end
    seeds = [seed * 7 + i for i in range(24)]
    runs = student.probe(probes.probe_random_each, list(range(N)), bs, T, seeds)

    def broken(run):  # rows of unequal length, or labels that are not inside the corpus
        return isinstance(run, dict) or any(
            not _is_int_batch(Y, (bs, T)) or int(Y.max()) >= N for X, Y in run)

    failed = [broken(run) for run in runs]
    if any(failed):
        # proven when exactly the offsets that leave a multiple of T tokens fail (one
        # subsequence too many, whose label runs past the end), and the other runs are right
        at_end = [(N - random.Random(s).randint(0, T - 1)) % T == 0 for s in seeds]
        sound = all(_is_int_batch(X, (bs, T)) and torch.equal(Y, X + 1)
                    for run, bad in zip(runs, failed) if not bad for X, Y in run)
        bad_run = runs[failed.index(True)]
        shown = bad_run["error"] if isinstance(bad_run, dict) else [Y for _, Y in bad_run]
        mistake_if(failed == at_end and sound, "y-past-end", what="Y", got=shown)
        expect(False, what="Y", expected=f"int64 ({bs}, {T}) labels inside the corpus", got=shown)


@grades(RND, en="windows do not overlap", zh="子序列互不重叠")
def test_random_no_overlap(student, seed):
    N, bs, T = 53, 2, 5
    runs = student.probe(probes.probe_random_runs, list(range(N)), bs, T, [seed + i for i in range(8)])
    for run in runs:
        starts = [int(s) for X, _ in run for s in X[:, 0].tolist()]
        same_phase = len({s % T for s in starts}) <= 1
        far_apart = all(abs(a - b) >= T for i, a in enumerate(starts) for b in starts[i + 1:])
        mistake_if(not (same_phase and far_apart), "overlapping-windows", what="row starts", got=sorted(starts))


@grades(RND, en="rows are contiguous slices, Y = X + 1, every start used once",
        zh="每行都是连续片段，Y = X + 1，每个起点只用一次")
def test_random_properties(student, seed):
    for N, bs, T in ((53, 2, 5), (100, 3, 7), (35, 4, 3)):
        corpus = list(range(N))
        seeds = [seed + 11 * i for i in range(5)]
        runs = student.probe(probes.probe_random_runs, corpus, bs, T, seeds)
        for run in runs:
            expect(len(run) > 0, what="number of minibatches", got=0)
            X0 = run[0][0]
            expect(_is_int_batch(X0, (bs, T)), what="X", expected=f"int64 ({bs}, {T})",
                   got=f"{getattr(X0, 'dtype', type(X0).__name__)} {tuple(getattr(X0, 'shape', ()))}")
            offset = int(X0[0, 0]) % T
            starts = []
            for X, Y in run:
                expect(_is_int_batch(X, (bs, T)) and _is_int_batch(Y, (bs, T)),
                       what="X, Y", expected=f"int64 ({bs}, {T})", got=(X, Y))
                for row in X:
                    s = int(row[0])
                    expect_equal(row, torch.arange(s, s + T), what="X row")
                    expect((s - offset) % T == 0, what="row start", expected=f"offset + m*{T}",
                           got=s)
                    starts.append(s)
                expect_equal(Y, X + 1, what="Y")
            expect(len(set(starts)) == len(starts), what="row starts", expected="distinct",
                   got=sorted(starts))
            expect_equal(len(run), ((N - offset - 1) // T) // bs,
                         what=f"number of minibatches (offset {offset})")


@grades(RND, en="same seed, same batches; offsets and order vary with the seed",
        zh="相同的种子得到相同的小批量；偏移和顺序随种子变化")
def test_random_seeding(student, seed):
    N, bs, T = 64, 3, 4
    seeds = [seed + i for i in range(60)]
    a = student.probe(probes.probe_random_runs, list(range(N)), bs, T, seeds)
    b = student.probe(probes.probe_random_runs, list(range(N)), bs, T, seeds[:3])
    expect(all(len(run) > 0 for run in a), what="number of minibatches", got=0)
    for ra, rb in zip(a, b):
        expect(len(ra) == len(rb) and all(torch.equal(x, y) for (x, _), (y, _) in zip(ra, rb)),
               what="two runs with the same seed", expected="identical minibatches",
               got="different minibatches")
    offsets = {int(run[0][0][0, 0]) % T for run in a}
    expect(offsets == set(range(T)), what=f"offsets over {len(seeds)} seeds",
           expected=sorted(range(T)), got=sorted(offsets))
    shuffled = sum(1 for run in a
                   if [int(s) for X, _ in run for s in X[:, 0]] != sorted(int(s) for X, _ in run for s in X[:, 0]))
    expect(shuffled >= len(seeds) // 2, what="subsequence order", expected="shuffled",
           got=f"sorted in {len(seeds) - shuffled} of {len(seeds)} runs")


def _same_runs(got, expected, what):
    expect_equal(len(got), len(expected), what=f"number of minibatches, {what}")
    for i, ((X, Y), (eX, eY)) in enumerate(zip(got, expected)):
        expect_equal(X, eX, what=f"X of batch {i + 1}, {what}")
        expect_equal(Y, eY, what=f"Y of batch {i + 1}, {what}")


@grades(RND, en="the draws are rng.randint(0, num_steps - 1), then rng.shuffle; rng=None uses "
        "the random module", zh="随机数依次为 rng.randint(0, num_steps - 1) 和 rng.shuffle；"
        "rng=None 时使用 random 模块")
def test_random_draws_from_rng(student, seed):
    N, bs, T = 47, 2, 4
    seeds = [seed + i for i in range(5)]
    runs = student.probe(probes.probe_random_runs, list(range(N)), bs, T, seeds)
    for s, run in zip(seeds, runs):
        _same_runs(run, list(ref.seq_data_iter_random(list(range(N)), bs, T, rng=random.Random(s))),
                   f"rng=random.Random({s})")
    [run] = student.probe(probes.probe_random_runs, list(range(N)), bs, T, [None])
    expect(len(run) > 0 and all(_is_int_batch(X, (bs, T)) for X, _ in run),
           what="seq_data_iter_random(corpus, 2, 4) without rng", expected="int64 (2, 4) batches",
           got=run[:1])


BOOK_X1 = torch.tensor([[3, 4, 5, 6, 7], [18, 19, 20, 21, 22]])
BOOK_X2 = torch.tensor([[8, 9, 10, 11, 12], [23, 24, 25, 26, 27]])


@grades(SEQ, en="labels are the inputs shifted by one", zh="标签是输入右移一位")
def test_seq_shifted(student):
    got = student.probe(probes.probe_sequential, list(range(35)), 2, 5, 3)
    expect(len(got) > 0, what="number of minibatches", got=0)
    mistake_if(all(isinstance(X, torch.Tensor) and torch.equal(X, Y) for X, Y in got),
               "y-not-shifted", what="Y of batch 1", got=got[0][1], expected=got[0][0] + 1)


@grades(SEQ, en="row r of each batch continues row r of the previous one",
        zh="每个小批量的第 r 行接着上一个小批量的第 r 行")
def test_seq_contiguous(student):
    got = student.probe(probes.probe_sequential, list(range(35)), 2, 5, 3)
    for (X1, _), (X2, _) in zip(got, got[1:]):
        mistake_if(not torch.equal(X2[:, 0], X1[:, -1] + 1), "rows-not-contiguous", what="X of the next batch",
                   got=X2, expected=X1[:, -1:] + 1 + torch.arange(X2.shape[1]))


@grades(SEQ, en="the book's example: range(35), batch_size 2, num_steps 5, offset 3",
        zh="书中的例子：range(35)，batch_size 为 2，num_steps 为 5，offset 为 3")
def test_seq_book(student):
    got = student.probe(probes.probe_sequential, list(range(35)), 2, 5, 3)
    expect_equal(len(got), 3, what="number of minibatches")
    expect_equal(got[0][0], BOOK_X1, what="X of batch 1")
    expect_equal(got[0][1], BOOK_X1 + 1, what="Y of batch 1")
    expect_equal(got[1][0], BOOK_X2, what="X of batch 2")
    expect_equal(got[2][1], BOOK_X2 + 6, what="Y of batch 3")


@grades(SEQ, en="other corpora, batch sizes and offsets match the reference",
        zh="其他语料、批量大小和偏移与参考实现一致")
def test_seq_random(student, seed):
    rng = random.Random(seed)
    for _ in range(4):
        N, bs, T = rng.randint(20, 80), rng.randint(1, 4), rng.randint(2, 6)
        offset = rng.randint(0, T)
        corpus = [rng.randrange(30) for _ in range(N)]
        got = student.probe(probes.probe_sequential, corpus, bs, T, offset)
        expected = list(ref.seq_data_iter_sequential(corpus, bs, T, offset=offset))
        expect_equal(len(got), len(expected),
                     what=f"number of minibatches (len {N}, batch_size {bs}, num_steps {T}, offset {offset})")
        for (X, Y), (eX, eY) in zip(got, expected):
            expect_equal(X, eX, what="X")
            expect_equal(Y, eY, what="Y")


@grades(SEQ, en="offset=None draws the offset from rng, in [0, num_steps]",
        zh="offset=None 时从 rng 中抽取偏移，范围为 [0, num_steps]")
def test_seq_rng(student, seed):
    N, bs, T = 40, 2, 3
    seeds = [seed + i for i in range(40)]
    a = student.probe(probes.probe_sequential_seeds, list(range(N)), bs, T, seeds)
    b = student.probe(probes.probe_sequential_seeds, list(range(N)), bs, T, seeds[:3])
    expect(all(len(run) > 0 for run in a), what="number of minibatches", got=0)
    for ra, rb in zip(a, b):
        expect(len(ra) == len(rb) and all(torch.equal(x, y) for (x, _), (y, _) in zip(ra, rb)),
               what="two runs with the same seed", expected="identical minibatches",
               got="different minibatches")
    offsets = {int(run[0][0][0, 0]) for run in a}
    expect(offsets <= set(range(T + 1)) and len(offsets) >= 3, what=f"offsets over {len(seeds)} seeds",
           expected=list(range(T + 1)), got=sorted(offsets))
    for s, run in zip(seeds[:5], a):  # the offset is rng.randint(0, num_steps), as the spec says
        _same_runs(run, list(ref.seq_data_iter_sequential(list(range(N)), bs, T,
                                                          rng=random.Random(s))),
                   f"offset=None, rng=random.Random({s})")


# ------------------------------------------------------------------------------ zipf (stretch)
ZIPF = "ch8.zipf_exponent"


def _loglog_fit(freqs):
    import numpy as np
    f = np.sort(np.asarray(freqs, dtype=np.float64))[::-1]
    slope, _ = np.polyfit(np.log(np.arange(1, len(f) + 1)), np.log(f), 1)
    return float(-slope)


@grades(ZIPF, en="exact Zipf data (shuffled) gives alpha back", zh="精确的齐普夫数据（已打乱）给出原来的 alpha")
def test_zipf_exact(student, seed):
    rng = random.Random(seed)
    alpha = 1.1
    freqs = [1e6 / r ** alpha for r in range(1, 201)]
    rng.shuffle(freqs)
    got = student.call("zipf_exponent", freqs)
    mistake_if(isinstance(got, float) and abs(got + alpha) < 1e-6, "returned-slope",
               what="zipf_exponent(freqs)", got=got, expected=alpha)
    expect(isinstance(got, float), what="zipf_exponent(freqs)", expected="a float", got=got)
    expect(abs(got - alpha) < 1e-6, what="zipf_exponent(freqs)", expected=alpha, got=got)


@grades(ZIPF, en="sampled counts match a log-log least-squares fit",
        zh="抽样得到的次数与双对数最小二乘拟合一致")
def test_zipf_sampled(student, gen):
    V = 300
    weights = 1.0 / torch.arange(1, V + 1, dtype=torch.float64) ** 0.9
    draws = torch.multinomial(weights, 20000, replacement=True, generator=gen)
    counts = torch.bincount(draws, minlength=V)
    counts = counts[counts > 0]
    got = student.call("zipf_exponent", counts)
    expected = _loglog_fit(counts.tolist())
    expect(isinstance(got, float) and abs(got - expected) < 1e-8, what="zipf_exponent(counts)",
           expected=expected, got=got)
