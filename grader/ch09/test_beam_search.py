"""Grader for 9.8: beam_search."""
import itertools
import math

import torch

from d2lkit.grading.api import expect, expect_equal, grades, mistake_if, probes_for, reference

ref = reference(__file__)
probes = probes_for(__file__)

BEAM = "ch9.beam_search"

# The book's 9.8.1 example: A=0, B=1, C=2, eos=3 (entries the text does not state are kit choices).
BOOK_TABLE = [([], [.5, .2, .2, .1]), ([0], [.1, .4, .3, .2]), ([0, 1], [.2, .2, .4, .2]),
              ([0, 1, 2], [.1, .1, .2, .6]), ([0, 2], [.1, .6, .2, .1]), ([0, 2, 1], [.1, .2, .1, .6])]


def _case(table, V, eos, beam_size, max_len, alpha=0.75, default=None):
    return {"table": [[list(k), list(v)] for k, v in table], "V": V, "eos": eos, "beam_size": beam_size,
            "max_len": max_len, "alpha": alpha, "default": default}


def _expected(case):
    return ref.beam_search(probes.make_step_fn(case), case["V"], case["eos"], case["beam_size"], case["max_len"],
                           alpha=case["alpha"])


def _pruned_by_normalised(case):
    """The catalogued mistake: rank (finished and new) hypotheses by the normalised score."""
    step_fn, V, eos, k, alpha = probes.make_step_fn(case), case["V"], case["eos"], case["beam_size"], case["alpha"]
    beams = [([], 0.0)]
    for _ in range(case["max_len"]):
        cands = []
        for seq, lp in beams:
            if seq and seq[-1] == eos:
                cands.append((seq, lp))
                continue
            logp = step_fn(seq).tolist()
            cands += [(seq + [v], lp + logp[v]) for v in range(V)]
        cands.sort(key=lambda c: c[1] / len(c[0]) ** alpha, reverse=True)
        beams = cands[:k]
        if all(s[-1] == eos for s, _ in beams):
            break
    seq, lp = max(beams, key=lambda c: c[1] / len(c[0]) ** alpha)
    return (seq[:-1] if seq[-1] == eos else seq), lp / len(seq) ** alpha


def _brute_force(case):
    """Every sequence ending in eos (length <= max_len) or of length max_len: the exact answer."""
    step_fn, V, eos, alpha = probes.make_step_fn(case), case["V"], case["eos"], case["alpha"]
    best = None
    for L in range(1, case["max_len"] + 1):
        for seq in itertools.product(range(V), repeat=L):
            if eos in seq[:-1] or (seq[-1] != eos and L < case["max_len"]):
                continue
            lp = sum(step_fn(list(seq[:i])).tolist()[seq[i]] for i in range(L))
            score = lp / L ** alpha
            if best is None or score > best[1]:
                best = (list(seq[:-1]) if seq[-1] == eos else list(seq), score)
    return best


def _unpack(got, what):
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what=what, expected="(tokens, score)", got=got)
    tokens, score = got
    if isinstance(tokens, torch.Tensor):
        tokens = tokens.tolist()
    if isinstance(score, torch.Tensor) and score.numel() == 1:
        score = float(score)
    expect(isinstance(tokens, (list, tuple)) and all(isinstance(t, int) for t in tokens), what=what,
           expected="a list of ints", got=tokens)
    expect(isinstance(score, (int, float)) and not isinstance(score, bool), what=f"{what} score",
           expected="a float", got=score)
    return list(tokens), float(score)


def _random_table(gen, V, eos, max_len, eos_boost=0.0):
    table = []
    for L in range(max_len):
        for prefix in itertools.product([t for t in range(V) if t != eos], repeat=L):
            logits = 1.5 * torch.randn(V, generator=gen, dtype=torch.float64)
            logits[eos] += eos_boost
            table.append((list(prefix), torch.softmax(logits, 0).tolist()))
    return table


@grades(BEAM, en="returns the tokens without the trailing eos", zh="返回的词元不包括末尾的 eos")
def test_beam_no_eos(student):
    (got,) = student.probe(probes.probe_beam, [_case(BOOK_TABLE, 4, 3, 2, 5)])
    tokens, score = _unpack(got["result"], "beam_search(book example, beam_size=2)")
    mistake_if(tokens == [0, 2, 1, 3], "eos-in-output", what="beam_search(book example, beam_size=2)",
               got=tokens, expected=[0, 2, 1])
    expect_equal(tokens, [0, 2, 1], what="beam_search(book example, beam_size=2) tokens")


@grades(BEAM, en="finished hypotheses are never expanded", zh="已完成的候选不再扩展")
def test_beam_finished(student):
    table = [([], [.1, .2, .3, .4]), ([2], [.3, .3, .2, .2]), ([1], [.2, .2, .5, .1])]
    cases = [_case(table, 4, 3, 2, 3), _case(BOOK_TABLE, 4, 3, 3, 6)]
    for case, got in zip(cases, student.probe(probes.probe_beam, cases)):
        tokens, _ = _unpack(got["result"], "beam_search(...)")
        # a prefix that contains eos was extended (an eos kept at the very end of the answer is
        # eos-in-output, not this)
        mistake_if(bool(got["after_eos"]) or 3 in tokens[:-1], "expanded-finished",
                   what="prefixes passed to step_fn", got=got["after_eos"] or tokens,
                   expected="no prefix containing eos")


@grades(BEAM, en="long sequences: add log-probabilities (no underflow)",
        zh="长序列：对数概率相加（不会下溢）")
def test_beam_long(student):
    case = _case([], 5, 4, 2, 650, default=[.3, .25, .2, .1499, .0001])
    (got,) = student.probe(probes.probe_beam, [case])
    tokens, score = _unpack(got["result"], "beam_search(max_len=650)")
    exp_tokens, exp_score = _expected(case)
    # a product of 650 probabilities underflows to 0: its log is −inf, or the product itself is
    # returned (a finite wrong score is another bug)
    mistake_if(score == 0.0 or score == -math.inf, "raw-probabilities",
               what="beam_search(max_len=650) score", got=score, expected=exp_score)
    expect_equal(tokens, exp_tokens, what="beam_search(max_len=650) tokens")
    expect(math.isclose(score, exp_score, rel_tol=1e-9), what="beam_search(max_len=650) score",
           expected=exp_score, got=score)


# A=0, B=1, eos=2. eos alone scores log .5; AB (normalised worse than AA at step 2) continues almost
# surely and, being long, wins at max_len. Ranking finished and new hypotheses together by the
# normalised score keeps eos and AA instead and returns [].
PRUNE_TABLE = [([], [.3, .2, .5]), ([0], [.5, .45, .05]), ([0, 1], [.98, .01, .01]),
               ([0, 1, 0], [.98, .01, .01]), ([0, 1, 0, 0], [.98, .01, .01]),
               ([0, 1, 0, 0, 0], [.98, .01, .01])]


@grades(BEAM, en="the search prunes by cumulative log-probability", zh="搜索时按累计对数概率剪枝")
def test_beam_prune(student):
    case = _case(PRUNE_TABLE, 3, 2, 2, 6, default=[.4, .35, .25])
    # a second search where the mistake gives yet another answer ([1, 0] instead of [1, 1, 0]),
    # unlike a shifted start score or a score that multiplies by the length
    other = _case(_random_table(torch.Generator().manual_seed(88), 3, 2, 4), 3, 2, 2, 4)
    got, got_other = student.probe(probes.probe_beam, [case, other])
    tokens, _ = _unpack(got["result"], "beam_search(...)")
    wrong, expected = _pruned_by_normalised(case)[0], _expected(case)[0]
    if tokens == wrong and wrong != expected:
        other_tokens, _ = _unpack(got_other["result"], "beam_search(...)")
        mistake_if(other_tokens == _pruned_by_normalised(other)[0], "pruned-by-normalised-score",
                   what="beam_search(beam_size=2, max_len=6)", got=tokens, expected=expected)
    expect_equal(tokens, expected, what="beam_search(beam_size=2, max_len=6) tokens")


@grades(BEAM, en="the book's example: beam 1 gives ABC (0.048), beam 2 gives ACB (0.054)",
        zh="书中的例子：束宽 1 得到 ABC（0.048），束宽 2 得到 ACB（0.054）")
def test_beam_book(student):
    cases = [_case(BOOK_TABLE, 4, 3, 1, 5), _case(BOOK_TABLE, 4, 3, 2, 5)]
    expected = [([0, 1, 2], -1.0736), ([0, 2, 1], -1.0319)]
    for k, (got, (exp_tokens, exp_score)) in enumerate(zip(student.probe(probes.probe_beam, cases), expected), 1):
        tokens, score = _unpack(got["result"], f"beam_search(book example, beam_size={k})")
        expect_equal(tokens, exp_tokens, what=f"beam_search(book example, beam_size={k}) tokens")
        expect(abs(score - exp_score) < 5e-5, what=f"beam_search(book example, beam_size={k}) score",
               expected=exp_score, got=score)


@grades(BEAM, en="random tables match the reference (beam sizes 1-3, alpha 0 and 0.75)",
        zh="随机概率表与参考实现一致（束宽 1-3，alpha 为 0 和 0.75）")
def test_beam_random(student, gen):
    cases = [_case(_random_table(gen, 4, 3, 4, eos_boost=0.3), 4, 3, k, 4, alpha=a)
             for k in (1, 2, 3) for a in (0.0, 0.75)]
    for case, got in zip(cases, student.probe(probes.probe_beam, cases)):
        what = f"beam_search(beam_size={case['beam_size']}, alpha={case['alpha']})"
        tokens, score = _unpack(got["result"], what)
        exp_tokens, exp_score = _expected(case)
        expect_equal(tokens, exp_tokens, what=f"{what} tokens")
        expect(math.isclose(score, exp_score, rel_tol=1e-9, abs_tol=1e-12), what=f"{what} score",
               expected=exp_score, got=score)


@grades(BEAM, en="a beam of size >= V**max_len finds the exhaustive-search optimum",
        zh="束宽 >= V**max_len 时得到穷举搜索的最优解")
def test_beam_brute_force(student, gen):
    cases = [_case(_random_table(gen, 3, 2, 3), 3, 2, 27, 3, alpha=a) for a in (0.0, 0.75) for _ in range(5)]
    for case, got in zip(cases, student.probe(probes.probe_beam, cases)):
        what = f"beam_search(beam_size=27, max_len=3, alpha={case['alpha']})"
        tokens, score = _unpack(got["result"], what)
        exp_tokens, exp_score = _brute_force(case)
        expect_equal(tokens, exp_tokens, what=f"{what} tokens")
        expect(math.isclose(score, exp_score, rel_tol=1e-9, abs_tol=1e-12), what=f"{what} score",
               expected=exp_score, got=score)


@grades(BEAM, en="a tie between final candidates: the first one wins (finished before alive)",
        zh="最终候选得分相同时取第一个（已结束的在存活的之前）")
def test_beam_tie(student):
    case = _case([], 2, 1, 2, 1)  # uniform: [1] (finished, eos) and [0] (alive) both score log 0.5
    (got,) = student.probe(probes.probe_beam, [case])
    tokens, score = _unpack(got["result"], "beam_search(uniform, V=2, eos=1, beam_size=2, max_len=1)")
    expect_equal(tokens, _expected(case)[0], what="beam_search(...) tokens on a tie")


# ------------------------------------------------------------------------------ exhaustive_search (stretch)
EXH = "ch9.exhaustive_search"


@grades(EXH, en="a tie: the first candidate in depth-first order wins",
        zh="得分相同时取深度优先顺序中的第一个")
def test_exh_tie(student):
    case = _case([], 2, 1, 1, 1)  # uniform: [0] (length max_len) and [1] (eos) both score log 0.5
    (got,) = student.probe(probes.probe_exhaustive, [case])
    tokens, _ = _unpack(got["result"], "exhaustive_search(uniform, V=2, eos=1, max_len=1)")
    expect_equal(tokens, [0], what="exhaustive_search(...) tokens on a tie")


@grades(EXH, en="no sequence continues after eos", zh="eos 之后不再有词元")
def test_exh_after_eos(student):
    cases = [_case(BOOK_TABLE, 4, 3, 1, 4)]
    (got,) = student.probe(probes.probe_exhaustive, cases)
    tokens, _ = _unpack(got["result"], "exhaustive_search(book example, max_len=4)")
    # a prefix that contains eos was extended (an eos kept at the very end is another bug)
    mistake_if(bool(got["after_eos"]) or 3 in tokens[:-1], "tokens-after-eos",
               what="prefixes passed to step_fn", got=got["after_eos"] or tokens,
               expected="no prefix containing eos")


@grades(EXH, en="the book's example: the exact optimum", zh="书中的例子：精确的最优解")
def test_exh_book(student):
    cases = [_case(BOOK_TABLE, 4, 3, 1, L, alpha=a) for L in (3, 4) for a in (0.5, 0.75)]
    for case, got in zip(cases, student.probe(probes.probe_exhaustive, cases)):
        what = f"exhaustive_search(book example, max_len={case['max_len']}, alpha={case['alpha']})"
        tokens, score = _unpack(got["result"], what)
        exp_tokens, exp_score = _brute_force(case)
        expect_equal(tokens, exp_tokens, what=f"{what} tokens")
        expect(math.isclose(score, exp_score, rel_tol=1e-9, abs_tol=1e-12), what=f"{what} score",
               expected=exp_score, got=score)


@grades(EXH, en="random tables: equals brute force and beam search with a huge beam",
        zh="随机概率表：与暴力枚举以及超大束宽的束搜索一致")
def test_exh_random(student, gen):
    cases = [_case(_random_table(gen, 3, 2, 3), 3, 2, 27, 3, alpha=a) for a in (0.0, 0.75) for _ in range(4)]
    cases += [_case(_random_table(gen, 4, 0, 3, eos_boost=0.5), 4, 0, 64, 3)]
    for case, got in zip(cases, student.probe(probes.probe_exhaustive, cases)):
        what = f"exhaustive_search(V={case['V']}, max_len={case['max_len']}, alpha={case['alpha']})"
        tokens, score = _unpack(got["result"], what)
        exp_tokens, exp_score = _expected(case)
        expect_equal(tokens, exp_tokens, what=f"{what} tokens")
        expect(math.isclose(score, exp_score, rel_tol=1e-9, abs_tol=1e-12), what=f"{what} score",
               expected=exp_score, got=score)


# ------------------------------------------------------------------------------ predict_beam (stretch)
PB = "ch9.predict_beam"

# Fixed tables keyed by the WHOLE context (prefix + generated); V = 3, prefix [0].
# Beam beats greedy: greedy takes 1 (0.5) then 0 (0.4): 0.20; the beam finds 2 (0.4) then 0 (0.9): 0.36.
PB_BEATS_GREEDY = [([0], [.1, .5, .4]), ([0, 1], [.4, .3, .3]), ([0, 2], [.9, .05, .05])]
# Ranking by the last token alone picks 2 then 0 (0.45 > 0.4), but 1 then 2 is more likely (0.20 > 0.18).
PB_CUMULATIVE = [([0], [.1, .5, .4]), ([0, 1], [.3, .3, .4]), ([0, 2], [.45, .45, .1])]
# Prefix [1]. Cumulative: 1 then 2 (0.45); by the last token alone: 0 (tied with 2, first) then 1.
PB_LAST_TOKEN = [([1], [.05, .9, .05]), ([1, 0], [.15, .7, .15]), ([1, 1], [.3, .2, .5]),
                 ([1, 2], [.8, .05, .15])]


def _pb_case(table, V, prefix, num_preds, beam_size):
    return {"table": [[list(k), list(v)] for k, v in table], "V": V, "default": None,
            "prefix": list(prefix), "num_preds": num_preds, "beam_size": beam_size}


def _pb_logp(case, seq):
    step_fn, prefix = probes.make_step_fn(case), case["prefix"]
    return sum(step_fn(prefix + list(seq[:i])).tolist()[seq[i]] for i in range(len(seq)))


def _pb_brute(case):
    seqs = itertools.product(range(case["V"]), repeat=case["num_preds"])
    best = max(seqs, key=lambda s: _pb_logp(case, s))
    return case["prefix"] + list(best)


def _pb_random_table(gen, V, prefix, num_preds):
    table = []
    for L in range(num_preds):
        for seq in itertools.product(range(V), repeat=L):
            table.append((list(prefix) + list(seq), torch.softmax(1.5 * torch.randn(V, generator=gen, dtype=torch.float64), 0).tolist()))
    return table


def _pb_tokens(got, what):
    tokens = got["result"]
    expect(isinstance(tokens, (list, tuple)) and all(isinstance(t, int) for t in tokens), what=what,
           expected="a list of ints", got=tokens)
    return list(tokens)


@grades(PB, en="step_fn always sees the prefix followed by the generated tokens",
        zh="step_fn 看到的上下文总是前缀加上已生成的词元")
def test_pb_context(student):
    (got,) = student.probe(probes.probe_predict_beam, [_pb_case(PB_BEATS_GREEDY, 3, [0], 2, 2)])
    bad = [c for c in got["contexts"] if c[:1] != [0]]
    mistake_if(bool(bad), "prefix-not-in-context", what="contexts passed to step_fn", got=bad[:3],
               expected="[0, ...] (the prefix first)")
    expect_equal(_pb_tokens(got, "predict_beam([0], 2, ..., beam_size=2)"), [0, 2, 0],
                 what="predict_beam([0], 2, ..., beam_size=2)")


@grades(PB, en="hypotheses are ranked by cumulative log-probability", zh="按累计对数概率给候选排序")
def test_pb_cumulative(student):
    got, got_last = student.probe(probes.probe_predict_beam, [_pb_case(PB_CUMULATIVE, 3, [0], 2, 2),
                                                             _pb_case(PB_LAST_TOKEN, 3, [1], 2, 2)])
    tokens = _pb_tokens(got, "predict_beam([0], 2, ..., beam_size=2)")
    # ranked by the last token: [0, 2, 0] here and [1, 0, 1] on PB_LAST_TOKEN (the second-best
    # answer, [0, 2, 0] here too, is [1, 1, 0] there)
    mistake_if(tokens == [0, 2, 0] and got_last["result"] == [1, 0, 1], "not-cumulative",
               what="predict_beam([0], 2, ..., beam_size=2)", got=tokens, expected=[0, 1, 2])
    expect_equal(tokens, [0, 1, 2], what="predict_beam([0], 2, ..., beam_size=2)")


@grades(PB, en="beam_size = 1 is greedy decoding; the prefix is kept", zh="beam_size = 1 即贪心解码；保留前缀")
def test_pb_greedy(student):
    cases = [_pb_case(PB_BEATS_GREEDY, 3, [0], 2, 1), _pb_case(PB_BEATS_GREEDY, 3, [0], 3, 1)]
    expected = [[0, 1, 0], [0, 1, 0, 0]]     # unseen contexts are uniform: smallest token on ties
    for case, got, exp in zip(cases, student.probe(probes.probe_predict_beam, cases), expected):
        what = f"predict_beam([0], {case['num_preds']}, ..., beam_size=1)"
        expect_equal(_pb_tokens(got, what), exp, what=what)


@grades(PB, en="random models: a beam of size V**(num_preds-1) equals brute force",
        zh="随机模型：束宽 V**(num_preds-1) 时与暴力枚举一致")
def test_pb_brute_force(student, gen):
    cases = []
    for prefix in ([1], [2, 0], [0, 1, 1]):
        cases.append(_pb_case(_pb_random_table(gen, 3, prefix, 3), 3, prefix, 3, 9))
    for case, got in zip(cases, student.probe(probes.probe_predict_beam, cases)):
        what = f"predict_beam({case['prefix']}, 3, ..., beam_size=9)"
        expect_equal(_pb_tokens(got, what), _pb_brute(case), what=what)


@grades(PB, en="random models and beam sizes match the reference", zh="随机模型和束宽与参考实现一致")
def test_pb_random(student, gen):
    cases = [_pb_case(_pb_random_table(gen, 4, [3, 1], 4), 4, [3, 1], 4, k) for k in (1, 2, 3, 5)]
    for case, got in zip(cases, student.probe(probes.probe_predict_beam, cases)):
        what = f"predict_beam([3, 1], 4, ..., beam_size={case['beam_size']})"
        exp = ref.predict_beam(case["prefix"], case["num_preds"], probes.make_step_fn(case), case["V"], case["beam_size"])
        expect_equal(_pb_tokens(got, what), exp, what=what)
