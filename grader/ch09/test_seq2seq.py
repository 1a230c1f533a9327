"""Grader for 9.7: sequence_mask, masked_softmax_ce_loss, teacher_forcing_input, bleu."""
import math

import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import (FLOATS, as_number, expect, expect_close, expect_equal, grades,
                                is_close, mistake_if, mistake_on_error, reference)

ref = reference(__file__)

MASK = "ch9.sequence_mask"
LOSS = "ch9.masked_softmax_ce_loss"
TF = "ch9.teacher_forcing_input"
BLEU = "ch9.bleu"
NEAR = {"rtol": 1e-6, "atol": 1e-8}  # how close a wrong answer must come to a mistake's to name it


def _mask_expected(X, valid_len, value=0, dim=1):
    T = X.shape[dim]
    keep = torch.arange(T, device=X.device)[None, :] < valid_len.to(X.device)[:, None]
    shape = [X.shape[0]] + [1] * (X.dim() - 1)
    shape[dim] = T
    return torch.where(keep.reshape(shape), X, torch.as_tensor(value, dtype=X.dtype, device=X.device))


# ------------------------------------------------------------------------------ sequence_mask
@grades(MASK, en="the book's 2-D example; positions t < valid_len are kept",
        zh="书中的二维例子；保留位置 t < valid_len")
def test_mask_book_2d(student, device):
    X = torch.tensor([[1, 2, 3], [4, 5, 6]], device=device)
    got = student.call("sequence_mask", X, torch.tensor([1, 2], device=device), mutates=True)
    mistake_if(isinstance(got, torch.Tensor) and got.tolist() == [[1, 2, 0], [4, 5, 6]], "mask-le",
               what="sequence_mask(X, [1, 2])", got=got, expected=[[1, 0, 0], [4, 5, 0]])
    expect_equal(got, torch.tensor([[1, 0, 0], [4, 5, 0]], device=device), what="sequence_mask(X, [1, 2])")


@grades(MASK, en="the book's 3-D example: masking along dim 1 with value=-1",
        zh="书中的三维例子：沿 dim 1 掩蔽，value=-1")
def test_mask_book_3d(student, device):
    X = torch.ones(2, 3, 4, device=device)
    valid_len = torch.tensor([1, 2], device=device)
    with mistake_on_error("masked-last-dim", match="shape of the mask"):
        got = student.call("sequence_mask", X, valid_len, value=-1, mutates=True)
    mistake_if(isinstance(got, torch.Tensor) and got.shape == X.shape
               and torch.equal(got, _mask_expected(X, valid_len, -1, dim=2)), "masked-last-dim",
               what="sequence_mask(ones(2, 3, 4), [1, 2], value=-1)")
    expect_equal(got, _mask_expected(X, valid_len, -1), what="sequence_mask(ones(2, 3, 4), [1, 2], value=-1)")


@grades(MASK, en="random 2-D, 3-D and 4-D inputs", zh="随机的二维、三维和四维输入")
@pytest.mark.parametrize("dtype", FLOATS)
def test_mask_random(student, gen, dtype, device):
    for shape in ((4, 7), (4, 7, 5), (3, 6, 2, 5)):
        X = torch.randn(*shape, generator=gen, dtype=dtype).to(device)
        valid_len = torch.randint(0, shape[1] + 1, (shape[0],), generator=gen).to(device)
        value = -1e6
        got = student.call("sequence_mask", X, valid_len, value=value, mutates=True)
        expect_equal(got, _mask_expected(X, valid_len, value), what=f"sequence_mask(X of shape {shape}, ...)")


# ------------------------------------------------------------------------------ masked_softmax_ce_loss
def _losses(pred, label):
    return F.cross_entropy(pred.permute(0, 2, 1), label, reduction="none")


def _keep(label, valid_len):
    return (torch.arange(label.shape[1], device=label.device)[None, :] < valid_len[:, None])


def _loss_expected(pred, label, valid_len):
    return (_losses(pred, label) * _keep(label, valid_len).to(pred.dtype)).mean(dim=1)


@grades(LOSS, en="the book's example: ones(3, 4, 10), valid_len [4, 2, 0]",
        zh="书中的例子：ones(3, 4, 10)，valid_len 为 [4, 2, 0]")
def test_loss_book(student, device):
    pred = torch.ones(3, 4, 10, device=device)
    label = torch.ones(3, 4, dtype=torch.long, device=device)
    valid_len = torch.tensor([4, 2, 0], device=device)
    with mistake_on_error("pred-not-permuted", match="Expected target size"):
        got = student.call("masked_softmax_ce_loss", pred, label, valid_len)
    ln10 = math.log(10)
    mistake_if(is_close(got, torch.tensor([ln10, ln10, float("nan")]), **NEAR), "divided-by-valid-len",
               what="masked_softmax_ce_loss(...)", got=got, expected=[2.3026, 1.1513, 0.0])
    mistake_if(is_close(got, torch.tensor([ln10, ln10, ln10]), **NEAR), "masked-logits",
               what="masked_softmax_ce_loss(...)", got=got, expected=[2.3026, 1.1513, 0.0])
    expect_close(got, torch.tensor([ln10, ln10 / 2, 0.0], device=device), what="masked_softmax_ce_loss(...)")


@grades(LOSS, en="the per-token losses are masked, not the logits, and averaged over T",
        zh="掩蔽的是逐词元的损失而不是 logits，并对 T 取平均")
def test_loss_targeted(student, gen):
    B, T, V = 4, 5, 6
    pred = torch.randn(B, T, V, generator=gen, dtype=torch.float64)
    label = torch.randint(0, V, (B, T), generator=gen)
    valid_len = torch.tensor([5, 3, 1, 2])
    with mistake_on_error("pred-not-permuted", match="Expected target size"):
        got = student.call("masked_softmax_ce_loss", pred, label, valid_len)
    keep = _keep(label, valid_len).to(pred.dtype)
    masked_sum = (_losses(pred, label) * keep).sum(dim=1)
    mistake_if(is_close(got, masked_sum / valid_len, **NEAR), "divided-by-valid-len",
               what="masked_softmax_ce_loss(...)")
    wrong = _losses(pred * keep[..., None], label).mean(dim=1)
    mistake_if(is_close(got, wrong, **NEAR), "masked-logits", what="masked_softmax_ce_loss(...)")


@grades(LOSS, en="matches masked F.cross_entropy on random inputs", zh="随机输入上与掩蔽后的 F.cross_entropy 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_loss_random(student, gen, dtype, device):
    B, T, V = 3, 7, 5
    pred = (2 * torch.randn(B, T, V, generator=gen, dtype=dtype)).to(device)
    label = torch.randint(0, V, (B, T), generator=gen).to(device)
    valid_len = torch.tensor([7, 0, 4]).to(device)
    got = student.call("masked_softmax_ce_loss", pred, label, valid_len)
    expect_close(got, _loss_expected(pred, label, valid_len), what="masked_softmax_ce_loss(...)")


# ------------------------------------------------------------------------------ teacher_forcing_input
@grades(TF, en="<bos> in front, the last token dropped", zh="<bos> 放在最前面，去掉最后一个词元")
def test_tf_fixed(student, device):
    Y = torch.tensor([[5, 6, 7, 3], [8, 9, 3, 1]], device=device)
    got = student.call("teacher_forcing_input", Y, 2)
    expected = torch.tensor([[2, 5, 6, 7], [2, 8, 9, 3]], device=device)
    if isinstance(got, torch.Tensor) and got.shape == Y.shape:
        mistake_if(got.tolist() == [[2, 6, 7, 3], [2, 9, 3, 1]], "dropped-first-token",
                   what="teacher_forcing_input(Y, 2)", got=got, expected=expected)
        mistake_if(bool((got[:, -1] == 2).all()) and not bool((got[:, 0] == 2).all()), "bos-at-end",
                   what="teacher_forcing_input(Y, 2)", got=got, expected=expected)
    expect_equal(got, expected, what="teacher_forcing_input(Y, 2)")


@grades(TF, en="random targets: shape, dtype and values", zh="随机目标序列：形状、数据类型和值")
def test_tf_random(student, gen, device):
    for B, T in ((3, 7), (1, 1), (5, 2)):
        Y = torch.randint(4, 20, (B, T), generator=gen).to(device)
        got = student.call("teacher_forcing_input", Y, 1)
        expected = torch.cat([torch.full((B, 1), 1, device=device), Y[:, :-1]], dim=1)
        expect_equal(got, expected, what=f"teacher_forcing_input(Y of shape {(B, T)}, 1)")


# ------------------------------------------------------------------------------ bleu
def _bleu_variant(pred_seq, label_seq, k, clip=True, uniform=False, inverted=False, glued=False):
    """The book's BLEU with one mistake: no clipping, 1/k weights, the brevity penalty inverted,
    or n-grams glued into strings (''.join), so that ('ab', 'c') and ('a', 'bc') collide."""
    p, l = pred_seq.split(" "), label_seq.split(" ")
    key = "".join if glued else tuple
    ratio = len(p) / len(l) if inverted else len(l) / len(p)
    score = math.exp(min(0.0, 1 - ratio))
    for n in range(1, k + 1):
        counts = {}
        for i in range(len(l) - n + 1):
            counts[key(l[i:i + n])] = counts.get(key(l[i:i + n]), 0) + 1
        matches = 0
        for i in range(len(p) - n + 1):
            g = key(p[i:i + n])
            if counts.get(g, 0) > 0:
                matches += 1
                if clip:
                    counts[g] -= 1
        score *= (matches / (len(p) - n + 1)) ** (1 / k if uniform else 0.5 ** n)
    return score


def _bleu_call(student, pred, label, k):
    got = student.call("bleu", pred, label, k)
    value = as_number(got)
    expect(value is not None, what=f"bleu({pred!r}, {label!r}, {k})", expected="a float", got=got)
    return value


def _same(a, b):
    return a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _check_bleu(student, cases, mistake, **variant):
    """bleu on several (pred, label, k): the catalogued mistake is named when every answer is the
    mistake's (one matching answer can be a coincidence), then each answer must be right."""
    got = [_bleu_call(student, pred, label, k) for pred, label, k in cases]
    mistake_if(all(_same(g, _bleu_variant(*c, **variant)) for g, c in zip(got, cases)), mistake,
               what="; ".join(f"bleu({p!r}, {l!r}, {k})" for p, l, k in cases), got=got,
               expected=[_bleu_variant(*c) for c in cases])
    for g, (pred, label, k) in zip(got, cases):
        expect(_same(g, _bleu_variant(pred, label, k)), what=f"bleu({pred!r}, {label!r}, {k})",
               expected=_bleu_variant(pred, label, k), got=g)


@grades(BLEU, en="matches are clipped", zh="匹配次数要截断")
def test_bleu_clipping(student):
    _check_bleu(student, [("perdu perdu perdu", "j'ai perdu .", 1), ("a b a b a b", "a b c a b", 2)],
                "no-clipping", clip=False)


@grades(BLEU, en="the book's weights 1 / 2**n", zh="书中的权重 1 / 2**n")
def test_bleu_weights(student):
    _check_bleu(student, [("je suis calme .", "il est calme .", 2), ("a b c d", "a b d c", 2)],
                "uniform-weights", uniform=True)


@grades(BLEU, en="the brevity penalty punishes short predictions", zh="短句惩罚针对比标签短的预测")
def test_bleu_brevity(student):
    _check_bleu(student, [("a b c", "a b c d e", 2), ("a b c d e x", "a b c d", 2)],
                "brevity-inverted", inverted=True)


@grades(BLEU, en="the book's examples", zh="书中的例子")
def test_bleu_book(student):
    cases = (("va !", "va !", 2, 1.0), ("je suis calme .", "il est calme .", 2, 0.5373),
             ("j'ai perdu perdu .", "j'ai perdu .", 2, 0.7825),
             ("the the the the", "the cat is on the mat", 2, 0.0),
             ("perdu perdu perdu", "j'ai perdu .", 1, 0.5774))
    for pred, label, k, value in cases:
        got = _bleu_call(student, pred, label, k)
        expect(math.isclose(got, value, abs_tol=5e-5), what=f"bleu({pred!r}, {label!r}, {k})",
               expected=value, got=got)


@grades(BLEU, en="random sentences match the reference", zh="随机句子与参考实现一致")
def test_bleu_random(student, gen):
    words = "a b c d e".split()
    for _ in range(8):
        lp, ll = (int(x) for x in torch.randint(2, 9, (2,), generator=gen))
        pred = " ".join(words[int(i)] for i in torch.randint(0, 5, (lp,), generator=gen))
        label = " ".join(words[int(i)] for i in torch.randint(0, 5, (ll,), generator=gen))
        k = int(torch.randint(1, min(lp, 4) + 1, (1,), generator=gen))
        got = _bleu_call(student, pred, label, k)
        expected = ref.bleu(pred, label, k)
        expect(math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), what=f"bleu({pred!r}, {label!r}, {k})",
               expected=expected, got=got)


@grades(BLEU, en="a label n-gram seen twice can be matched twice, each match using one up",
        zh="标签中出现两次的 n 元组可以被匹配两次，每次匹配用掉一次")
def test_bleu_repeated_ngrams(student):
    for pred, label, k in (("a a a", "a a b", 1), ("a b a b a", "a b a b c", 2)):
        got = _bleu_call(student, pred, label, k)
        expected = ref.bleu(pred, label, k)
        expect(_same(got, expected), what=f"bleu({pred!r}, {label!r}, {k})", expected=expected,
               got=got)


@grades(BLEU, en="an n-gram is a sequence of tokens: ('x', 'ab', 'c') has the 2-gram ('ab', 'c'), "
                 "which ('x', 'a', 'bc') does not, though both glue to 'abc'",
        zh="n 元语法是词元的序列：('x', 'ab', 'c') 含有 2 元语法 ('ab', 'c')，('x', 'a', 'bc') 没有，"
           "尽管两者拼起来都是 'abc'")
def test_bleu_ngrams_are_token_sequences(student):
    for pred, label in (("x ab c", "x a bc"), ("x ab c ab c", "x a bc a bc")):
        got = _bleu_call(student, pred, label, 2)
        expected = ref.bleu(pred, label, 2)
        glued = _bleu_variant(pred, label, 2, glued=True)
        mistake_if(_same(got, glued) and not _same(glued, expected), "ngrams-glued",
                   what=f"bleu({pred!r}, {label!r}, 2)", got=got, expected=expected)
        expect(_same(got, expected), what=f"bleu({pred!r}, {label!r}, 2)", expected=expected,
               got=got)


# ------------------------------------------------------------------------------ unmasked_ce_loss (stretch)
UNM = "ch9.unmasked_ce_loss"


@grades(UNM, en="one loss per sequence, shape (B,)", zh="每个序列一个损失，形状为 (B,)")
def test_unm_shape(student, gen, device):
    pred = torch.randn(3, 4, 6, generator=gen, dtype=torch.float64).to(device)
    label = torch.randint(0, 6, (3, 4), generator=gen).to(device)
    with mistake_on_error("pred-not-permuted", match="Expected target size"):
        got = student.call("unmasked_ce_loss", pred, label)
    mistake_if(isinstance(got, torch.Tensor) and got.dim() == 0, "reduced-to-scalar",
               what="unmasked_ce_loss(pred, label).shape", got=got, expected="(3,)")
    expect(isinstance(got, torch.Tensor) and tuple(got.shape) == (3,), what="unmasked_ce_loss(pred, label).shape",
           expected=(3,), got=got)


@grades(UNM, en="classes on the last axis, even when T == V", zh="类别在最后一个轴上，T == V 时也是如此")
def test_unm_permuted(student, gen, device):
    B, T, V = 3, 5, 5
    pred = torch.randn(B, T, V, generator=gen, dtype=torch.float64).to(device)
    label = torch.randint(0, V, (B, T), generator=gen).to(device)
    got = student.call("unmasked_ce_loss", pred, label)
    wrong = F.cross_entropy(pred, label, reduction="none").mean(dim=1)
    mistake_if(is_close(got, wrong, **NEAR), "pred-not-permuted",
               what="unmasked_ce_loss(pred, label) with T == V")
    expect_close(got, _losses(pred, label).mean(dim=1), what="unmasked_ce_loss(pred, label) with T == V")


@grades(UNM, en="the book's example: ln 10 for every row, unlike the masked [ln 10, ln 10 / 2, 0]",
        zh="书中的例子：每行都是 ln 10，不同于掩蔽后的 [ln 10, ln 10 / 2, 0]")
def test_unm_book(student, device):
    pred = torch.ones(3, 4, 10, device=device)
    label = torch.ones(3, 4, dtype=torch.long, device=device)
    got = student.call("unmasked_ce_loss", pred, label)
    expect_close(got, torch.full((3,), math.log(10), device=device), what="unmasked_ce_loss(ones(3, 4, 10), ones)")


@grades(UNM, en="differs from masked_softmax_ce_loss exactly where valid_len < T",
        zh="恰好在 valid_len < T 的行上与 masked_softmax_ce_loss 不同")
def test_unm_vs_masked(student, gen, device):
    B, T, V = 4, 6, 5
    pred = torch.randn(B, T, V, generator=gen, dtype=torch.float64).to(device)
    label = torch.randint(0, V, (B, T), generator=gen).to(device)
    valid_len = torch.tensor([6, 3, 0, 5]).to(device)
    got = student.call("unmasked_ce_loss", pred, label)
    masked = ref.masked_softmax_ce_loss(pred, label, valid_len)
    expect(isinstance(got, torch.Tensor) and tuple(got.shape) == (B,), what="unmasked_ce_loss(pred, label).shape",
           expected=(B,), got=got)
    expect_close(got[0], masked[0], what="row 0 (valid_len == T): unmasked vs masked")
    for b in (1, 2, 3):
        expect(bool(got[b] > masked[b] + 1e-9), what=f"row {b} (valid_len < T): unmasked > masked",
               expected=f"> {float(masked[b]):.6f}", got=float(got[b]))


@grades(UNM, en="matches F.cross_entropy on random inputs", zh="随机输入上与 F.cross_entropy 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_unm_random(student, gen, dtype, device):
    B, T, V = 3, 7, 5
    pred = (2 * torch.randn(B, T, V, generator=gen, dtype=dtype)).to(device)
    label = torch.randint(0, V, (B, T), generator=gen).to(device)
    got = student.call("unmasked_ce_loss", pred, label)
    expect_close(got, _losses(pred, label).mean(dim=1), what="unmasked_ce_loss(pred, label)")


# ------------------------------------------------------------------------------ project_state (stretch)
PROJ = "ch9.project_state"


@grades(PROJ, en="W has shape (h_enc, h_dec): the state is multiplied as state @ W",
        zh="W 的形状为 (h_enc, h_dec)：按 state @ W 相乘")
def test_proj_not_transposed(student, gen, device):
    state = torch.randn(2, 4, 3, generator=gen, dtype=torch.float64).to(device)
    W = torch.randn(3, 3, generator=gen, dtype=torch.float64).to(device)      # square: W.T also runs
    got = student.call("project_state", state, W)
    mistake_if(is_close(got, state @ W.T, **NEAR), "weight-transposed", what="project_state(state, W)")
    expect_close(got, state @ W, what="project_state(state, W) with h_enc == h_dec")


@grades(PROJ, en="a GRU state (L, B, h_enc) becomes (L, B, h_dec)", zh="GRU 的状态 (L, B, h_enc) 变为 (L, B, h_dec)")
def test_proj_tensor(student, gen, device):
    L, B, h_enc, h_dec = 2, 4, 5, 3
    state = torch.randn(L, B, h_enc, generator=gen, dtype=torch.float64).to(device)
    W = torch.randn(h_enc, h_dec, generator=gen, dtype=torch.float64).to(device)
    with mistake_on_error("weight-transposed", match="cannot be multiplied"):
        got = student.call("project_state", state, W)
    expect(isinstance(got, torch.Tensor) and tuple(got.shape) == (L, B, h_dec), what="project_state(state, W).shape",
           expected=(L, B, h_dec), got=got)
    expect_close(got, state @ W, what="project_state(state, W)")


@grades(PROJ, en="an LSTM state (H, C): both are projected", zh="LSTM 的状态 (H, C)：两者都要投影")
def test_proj_lstm(student, gen, device):
    L, B, h_enc, h_dec = 2, 4, 5, 3
    H = torch.randn(L, B, h_enc, generator=gen, dtype=torch.float64).to(device)
    C = torch.randn(L, B, h_enc, generator=gen, dtype=torch.float64).to(device)
    W = torch.randn(h_enc, h_dec, generator=gen, dtype=torch.float64).to(device)
    with mistake_on_error("weight-transposed", match="cannot be multiplied"):
        got = student.call("project_state", (H, C), W)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what="project_state((H, C), W)",
           expected="a tuple (H', C')", got=type(got).__name__)
    mistake_if(isinstance(got[1], torch.Tensor) and is_close(got[1], C, **NEAR), "cell-not-projected",
               what="project_state((H, C), W)[1]", got="C unchanged", expected="C @ W")
    expect_close(got[0], H @ W, what="project_state((H, C), W)[0]")
    expect_close(got[1], C @ W, what="project_state((H, C), W)[1]")


@grades(PROJ, en="random states and sizes", zh="随机的状态和大小")
@pytest.mark.parametrize("dtype", FLOATS)
def test_proj_random(student, gen, dtype, device):
    for L, B, h_enc, h_dec in ((1, 3, 6, 4), (3, 2, 4, 7)):
        state = torch.randn(L, B, h_enc, generator=gen, dtype=dtype).to(device)
        W = torch.randn(h_enc, h_dec, generator=gen, dtype=dtype).to(device)
        got = student.call("project_state", state, W)
        expect_close(got, state @ W, what=f"project_state(state {tuple(state.shape)}, W {tuple(W.shape)})")
        got = student.call("project_state", (state, 2 * state), W)
        expect(isinstance(got, (tuple, list)) and len(got) == 2, what="project_state((H, C), W)",
               expected="a tuple (H', C')", got=type(got).__name__)
        expect_close(got[1], (2 * state) @ W, what="project_state((H, C), W)[1]")
