"""Grader for 10.3 attention scoring functions: masked_softmax, AdditiveAttention,
dot_product_attention / DotProductAttention."""
import math

import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import (expect, expect_close, expect_equal, expect_tensors, FLOATS, grades,
                                is_close, mistake_if, module_on_cpu, on_cpu_call, record_heatmap,
                                reference)

ref = reference(__file__)


def _expect_dropout_on_weights(out, w, v, p: float, what: str):
    """Dropout with 0 < p < 1 in training mode acts on the attention weights: each output row is
    (1 / (1 - p)) · Σ_{k in S} w[k] v[k] for some subset S of the keys that were kept. Dropout on
    the output instead zeroes single entries of a row, which no subset gives (p = 1 cannot tell
    the two apart: both give zeros)."""
    import itertools

    out, w, v = out.cpu(), w.cpu(), v.cpu()
    K = w.shape[-1]
    subsets = [list(s) for r in range(K + 1) for s in itertools.combinations(range(K), r)]
    rows_ok = True
    for b in range(out.shape[0]):
        for q in range(out.shape[1]):
            kept = [(w[b, q, s, None] * v[b, s]).sum(0) / (1 - p) for s in subsets]
            rows_ok &= any(is_close(out[b, q], c, rtol=1e-6, atol=1e-9) for c in kept)
    single_zeros = bool(((out == 0).any(-1) & (out != 0).any(-1)).any())
    mistake_if(not rows_ok and single_zeros, "dropout-on-output", what=what)
    expect(rows_ok, what=what, expected="each row = Σ over the kept keys of w·v / (1 − p)",
           got="rows that no choice of kept keys gives")
NEAR = {"rtol": 1e-6, "atol": 1e-8}  # how close a wrong answer must come to a mistake's to name it
WEIGHTED_NEAR = {"rtol": 1e-4, "atol": 1e-5}  # after a float32 softmax and matmul




def _keep(valid_lens, B, Q, K):
    """Boolean keep-mask (B, Q, K) for valid_lens None, (B,) or (B, Q)."""
    if valid_lens is None:
        return torch.ones(B, Q, K, dtype=torch.bool)
    lens = valid_lens[:, None, None] if valid_lens.dim() == 1 else valid_lens[:, :, None]
    return torch.arange(K)[None, None, :] < lens


def _masked(X, valid_lens, value=-1e6):
    return torch.softmax(X.masked_fill(~_keep(valid_lens, *X.shape), value), dim=-1)


# ------------------------------------------------------------------------------ masked_softmax
MS = "ch10.masked_softmax"


def _diagnose_ms(got, X, valid_lens):
    """Name the catalogued mistake whose output `got` reproduces, if any."""
    if valid_lens is not None:
        right = is_close(got, _masked(X, valid_lens), **NEAR)
        mistake_if(is_close(got, _masked(X, valid_lens, 0.0), **NEAR) and not right, "fill-zero")
        if valid_lens.dim() == 1:
            wrong = valid_lens.repeat(X.shape[1]).reshape(X.shape[0], X.shape[1])
            mistake_if(is_close(got, _masked(X, wrong), **NEAR) and not right, "repeat-not-interleave")


@grades(MS, en="the book's example: valid_lens [2, 3]", zh="书中的例子：valid_lens 为 [2, 3]")
def test_ms_book_example(student, gen):
    X = torch.rand(2, 2, 4, generator=gen, dtype=torch.float64)
    vl = torch.tensor([2, 3])
    got = on_cpu_call(student, "masked_softmax", X.clone(), vl, mutates="warn")
    if isinstance(got, torch.Tensor) and got.dim() == 3:  # the picture: one row per (b, q)
        record_heatmap(student, got.reshape(-1, got.shape[-1]), _masked(X, vl).reshape(-1, 4))
    _diagnose_ms(got, X, vl)
    expect_close(got, _masked(X, vl), what="masked_softmax(X, [2, 3])")


@grades(MS, en="(B,) lengths apply to every query of their batch item", zh="形状 (B,) 的长度作用于该样本的所有查询")
def test_ms_per_batch_lengths(student, gen):
    X = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    vl = torch.tensor([1, 3])
    got = on_cpu_call(student, "masked_softmax", X.clone(), vl, mutates="warn")
    _diagnose_ms(got, X, vl)
    expect_close(got, _masked(X, vl), what="masked_softmax(X, [1, 3])")


@grades(MS, en="valid_len 0 gives uniform weights 1/K (the book's -1e6)", zh="valid_len 为 0 时权重均匀为 1/K（书中的 -1e6）")
def test_ms_zero_length(student, gen):
    X = torch.randn(2, 3, 5, generator=gen, dtype=torch.float64)
    vl = torch.tensor([0, 2])
    got = on_cpu_call(student, "masked_softmax", X.clone(), vl, mutates="warn")
    expect(isinstance(got, torch.Tensor), what="masked_softmax(X, [0, 2])", expected="Tensor", got=type(got).__name__)
    mistake_if(bool(torch.isnan(got).any()), "fill-neg-inf")
    _diagnose_ms(got, X, vl)
    expect_close(got[0], torch.full((3, 5), 0.2, dtype=torch.float64), what="masked_softmax(X, [0, 2])[0]")
    expect_close(got, _masked(X, vl), what="masked_softmax(X, [0, 2])")


@grades(MS, en="(B, Q) lengths, one per query", zh="形状 (B, Q) 的长度：每个查询一个")
def test_ms_per_query_lengths(student, gen):
    X = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    vl = torch.tensor([[1, 3, 4], [2, 4, 1]])
    got = on_cpu_call(student, "masked_softmax", X.clone(), vl, mutates="warn")
    _diagnose_ms(got, X, vl)
    expect_close(got, _masked(X, vl), what="masked_softmax(X, valid_lens (B, Q))")


@grades(MS, en="valid_lens None is a plain softmax", zh="valid_lens 为 None 时就是普通的 softmax")
def test_ms_none(student, gen):
    X = torch.randn(3, 2, 5, generator=gen, dtype=torch.float64)
    got = on_cpu_call(student, "masked_softmax", X.clone(), None, mutates="warn")
    expect_close(got, torch.softmax(X, dim=-1), what="masked_softmax(X, None)")


@grades(MS, en="matches softmax(X.masked_fill(~mask, -1e6)) on random inputs", zh="随机输入上与 softmax(X.masked_fill(~mask, -1e6)) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_ms_random(student, gen, dtype, device):
    B, Q, K = 3, 4, 6
    X = torch.randn(B, Q, K, generator=gen, dtype=dtype) * 3
    for vl in (torch.randint(1, K + 1, (B,), generator=gen), torch.randint(1, K + 1, (B, Q), generator=gen)):
        got = student.call("masked_softmax", X.clone().to(device), vl.to(device), mutates="warn")
        _diagnose_ms(got.cpu() if isinstance(got, torch.Tensor) else got, X, vl)
        expect_close(got, _masked(X, vl).to(device), what="masked_softmax(X, valid_lens)")
        expect_close(got, _masked(X, vl, float("-inf")).to(device), what="masked_softmax(X, valid_lens) vs -inf mask")


# ------------------------------------------------------------------------------ AdditiveAttention
AA = "ch10.AdditiveAttention"


def _additive_ref(sd, queries, keys, values, valid_lens, tanh=True, swapped=False):
    q = queries @ sd["W_q.weight"].T
    k = keys @ sd["W_k.weight"].T
    feats = q.unsqueeze(1) + k.unsqueeze(2) if swapped else q.unsqueeze(2) + k.unsqueeze(1)
    if tanh:
        feats = torch.tanh(feats)
    scores = (feats @ sd["w_v.weight"].T).squeeze(-1)
    weights = _masked(scores, valid_lens)
    return weights @ values, weights


def _ref_additive_sd(gen, key_size, query_size, h, dtype=torch.float64):
    """Random weights in the layout of the reference module's state_dict."""
    shapes = {name: tuple(t.shape) for name, t in ref.AdditiveAttention(key_size, query_size, h, 0.0).state_dict().items()}
    return {name: torch.randn(shape, generator=gen, dtype=dtype) / math.sqrt(shape[-1]) * 2
            for name, shape in shapes.items()}


def _diagnose_aa(out, sd, q, k, v, vl):
    o_bad, _ = _additive_ref(sd, q, k, v, vl, tanh=False)
    mistake_if(is_close(out, o_bad, **NEAR), "missing-tanh")


@grades(AA, en="attributes W_k, W_q, w_v and dropout", zh="属性 W_k、W_q、w_v 和 dropout")
def test_aa_attributes(student, gen, device):
    q = torch.randn(2, 4, 5, generator=gen, dtype=torch.float64)
    k = torch.randn(2, 4, 6, generator=gen, dtype=torch.float64)
    v = torch.randn(2, 4, 3, generator=gen, dtype=torch.float64)
    res = module_on_cpu(student, device, "AdditiveAttention", 6, 5, 7, 0.0, inputs=(q, k, v, None), train=False)
    expect_equal(sorted(res["state_dict_keys"]), ["W_k.weight", "W_q.weight", "w_v.weight"], what="state_dict keys")
    shapes = {name: tuple(t.shape) for name, t in res["state_dict"].items()}
    expect_equal(shapes, {"W_k.weight": (7, 6), "W_q.weight": (7, 5), "w_v.weight": (1, 7)}, what="parameter shapes")
    expect(any(n == "dropout" and c == "Dropout" for n, c in res["children"]), what="self.dropout",
           expected="nn.Dropout", got=dict(res["children"]).get("dropout"))


@grades(AA, en="attention weights are (B, Q, K), queries along rows", zh="注意力权重形状为 (B, Q, K)，查询在行上")
def test_aa_axes(student, gen, device):
    # Q == K so that the swapped-unsqueeze version runs and can be recognised
    sd = _ref_additive_sd(gen, 3, 4, 6)
    q = torch.randn(2, 5, 4, generator=gen, dtype=torch.float64)
    k = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    v = torch.randn(2, 5, 2, generator=gen, dtype=torch.float64)
    res = module_on_cpu(student, device, "AdditiveAttention", 3, 4, 6, 0.0, state_dict=sd, inputs=(q, k, v, None), train=False)
    w = res["attrs"].get("attention_weights")
    expect(w is not None, what="self.attention_weights", expected="a (B, Q, K) tensor", got=None)
    _, w_bad = _additive_ref(sd, q, k, v, None, swapped=True)
    o_ref, w_ref = _additive_ref(sd, q, k, v, None)
    record_heatmap(student, w, w_ref)  # the first batch item's (Q, K) weights
    mistake_if(is_close(w, w_bad, **NEAR), "unsqueeze-swapped")
    _diagnose_aa(res["output"], sd, q, k, v, None)
    expect_close(w, w_ref, rtol=1e-6, what="self.attention_weights")
    expect_close(res["output"], o_ref, rtol=1e-6, what="output")


@grades(AA, en="the book's example gives [[2,3,4,5]], [[10,11,12,13]]", zh="书中的例子得到 [[2,3,4,5]]、[[10,11,12,13]]")
def test_aa_book_example(student, gen, device):
    queries = torch.randn(2, 1, 20, generator=gen, dtype=torch.float64)
    keys = torch.ones(2, 10, 2, dtype=torch.float64)
    values = torch.arange(40, dtype=torch.float64).reshape(1, 10, 4).repeat(2, 1, 1)
    res = module_on_cpu(student, device, "AdditiveAttention", 2, 20, 8, 0.1,
                         inputs=(queries, keys, values, torch.tensor([2, 6])), train=False)
    expected = torch.tensor([[[2.0, 3.0, 4.0, 5.0]], [[10.0, 11.0, 12.0, 13.0]]], dtype=torch.float64)
    expect_close(res["output"], expected, rtol=1e-6, what="attention(queries, keys, values, [2, 6])")
    w = res["attrs"].get("attention_weights")
    expect(w is not None and tuple(w.shape) == (2, 1, 10), what="attention_weights.shape",
           expected=(2, 1, 10), got=None if w is None else tuple(w.shape))


@grades(AA, en="the score uses tanh", zh="评分函数中使用 tanh")
def test_aa_tanh(student, gen, device):
    sd = _ref_additive_sd(gen, 3, 4, 6)
    q = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64) * 2
    k = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64) * 2
    v = torch.randn(2, 5, 2, generator=gen, dtype=torch.float64)
    vl = torch.tensor([3, 5])
    res = module_on_cpu(student, device, "AdditiveAttention", 3, 4, 6, 0.0, state_dict=sd, inputs=(q, k, v, vl), train=False)
    _diagnose_aa(res["output"], sd, q, k, v, vl)
    expect_close(res["output"], _additive_ref(sd, q, k, v, vl)[0], rtol=1e-6, what="output")


@grades(AA, en="matches the reference with loaded weights (Q ≠ K)", zh="加载参考权重后与参考实现一致（Q ≠ K）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_aa_random(student, gen, dtype, device):
    sd = _ref_additive_sd(gen, 6, 5, 8, dtype)
    B, Q, K = 3, 4, 7
    q = torch.randn(B, Q, 5, generator=gen, dtype=dtype)
    k = torch.randn(B, K, 6, generator=gen, dtype=dtype)
    v = torch.randn(B, K, 3, generator=gen, dtype=dtype)
    for vl in (torch.tensor([2, 7, 4]), torch.randint(1, K + 1, (B, Q), generator=gen)):
        res = student.module("AdditiveAttention", 6, 5, 8, 0.3, state_dict=sd, dtype=dtype,
                             inputs=(q.to(device), k.to(device), v.to(device), vl.to(device)), train=False)
        o_ref, w_ref = _additive_ref(sd, q, k, v, vl)
        expect_close(res["output"], o_ref.to(device), rtol=1e-6 if dtype == torch.float64 else None, what="output")
        expect_close(res["attrs"]["attention_weights"], w_ref.to(device),
                     rtol=1e-6 if dtype == torch.float64 else None, what="self.attention_weights")


@grades(AA, en="dropout acts on the attention weights (p = 1 in training gives 0)", zh="暂退法作用于注意力权重（训练模式下 p = 1 时输出为 0）")
def test_aa_dropout(student, gen, device):
    q = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    k = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    v = torch.randn(2, 5, 2, generator=gen, dtype=torch.float64)
    res = module_on_cpu(student, device, "AdditiveAttention", 3, 4, 6, 1.0, inputs=(q, k, v, torch.tensor([2, 4])), train=True)
    expect_close(res["output"], torch.zeros(2, 3, 2, dtype=torch.float64), what="output with dropout=1.0")


@grades(AA, en="dropout p = 0.5 in training: each output row is the kept weights' values, scaled by 2",
        zh="训练模式下暂退概率 p = 0.5：每个输出行是保留下来的权重对值的加权和，再乘以 2")
def test_aa_dropout_half(student, gen, device):
    q = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    k = torch.randn(2, 4, 3, generator=gen, dtype=torch.float64)
    v = torch.randn(2, 4, 5, generator=gen, dtype=torch.float64)
    res = module_on_cpu(student, device, "AdditiveAttention", 3, 4, 6, 0.5, inputs=(q, k, v, None),
                        train=True)
    w = res["attrs"].get("attention_weights")
    expect(isinstance(w, torch.Tensor), what="self.attention_weights", expected="a (B, Q, K) tensor",
           got=w)
    _expect_dropout_on_weights(res["output"], w, v, 0.5, "AdditiveAttention output with dropout=0.5")


# ------------------------------------------------------------------------------ dot product
DP = "ch10.dot_product_attention"


def _dot_ref(q, k, v, vl, scale=None, keys_T=False):
    d = q.shape[-1]
    kt = k.permute(2, 1, 0) if keys_T else k.transpose(1, 2)
    scores = torch.bmm(q, kt) / (math.sqrt(d) if scale is None else scale)
    w = _masked(scores, vl)
    return torch.bmm(w, v), w


def _sdpa(q, k, v, vl):
    mask = None if vl is None else _keep(vl, q.shape[0], q.shape[1], k.shape[1]).to(q.device)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def _diagnose_dp(out, q, k, v, vl, suspects=("divide-by-d", "sqrt-value-dim", "keys-transposed")):
    """Name the catalogued mistake (among `suspects`, those the check is about) whose output `out`
    reproduces, if any."""
    if not isinstance(out, torch.Tensor):
        return
    q, k, v, out = q.cpu(), k.cpu(), v.cpu(), out.cpu()
    right = _dot_ref(q, k, v, vl)[0]
    if is_close(out, right, **WEIGHTED_NEAR):
        return
    d, dv = q.shape[-1], v.shape[-1]
    if "divide-by-d" in suspects:
        mistake_if(is_close(out, _dot_ref(q, k, v, vl, scale=d)[0], **WEIGHTED_NEAR), "divide-by-d")
    if dv != d and "sqrt-value-dim" in suspects:
        mistake_if(is_close(out, _dot_ref(q, k, v, vl, scale=math.sqrt(dv))[0], **WEIGHTED_NEAR),
                   "sqrt-value-dim")
    if k.shape[0] == k.shape[1] == k.shape[2] and "keys-transposed" in suspects:
        mistake_if(is_close(out, _dot_ref(q, k, v, vl, keys_T=True)[0], **WEIGHTED_NEAR), "keys-transposed")


def _dp_inputs(gen, dtype, B, Q, K, d, dv):
    return (torch.randn(B, Q, d, generator=gen, dtype=dtype), torch.randn(B, K, d, generator=gen, dtype=dtype),
            torch.randn(B, K, dv, generator=gen, dtype=dtype))


@grades(DP, en="B = K = d, where keys.T also runs: the output matches SDPA (keys transposed per batch)",
        zh="B = K = d 时 keys.T 也能运行：输出与 SDPA 一致（键要按批量转置）")
def test_dp_keys_transposed(student, gen):
    # with B == K == d, keys.T (which reverses all three axes) runs and can be recognised
    q, k, v = _dp_inputs(gen, torch.float64, 4, 3, 4, 4, 2)
    got = on_cpu_call(student, "dot_product_attention", q, k, v, None)
    out, w = expect_tensors(got, 2, "dot_product_attention(...)")
    record_heatmap(student, w, _dot_ref(q, k, v, None)[1])  # the first batch item's (Q, K)
    _diagnose_dp(out, q, k, v, None, suspects=("keys-transposed",))
    expect_close(out, _sdpa(q, k, v, None), what="output")


@grades(DP, en="scores are scaled by √d (d = query size)", zh="分数按 √d 缩放（d 为查询的维度）")
def test_dp_scale(student, gen):
    q, k, v = _dp_inputs(gen, torch.float64, 2, 3, 5, 4, 6)
    q = q * 2
    vl = torch.tensor([2, 5])
    got = on_cpu_call(student, "dot_product_attention", q, k, v, vl)
    out, w = expect_tensors(got, 2, "dot_product_attention(...)")
    _diagnose_dp(out, q, k, v, vl, suspects=("divide-by-d", "sqrt-value-dim"))
    expect_close(out, _sdpa(q, k, v, vl), what="output")
    expect_close(w, _dot_ref(q, k, v, vl)[1], what="weights")


@grades(DP, en="valid_len 0 gives the mean of the values (not SDPA's zeros)", zh="valid_len 为 0 时输出值的平均（而不是 SDPA 的 0）")
def test_dp_zero_length(student, gen):
    q, k, v = _dp_inputs(gen, torch.float64, 2, 3, 5, 4, 6)
    got = on_cpu_call(student, "dot_product_attention", q, k, v, torch.tensor([0, 3]))
    out, w = expect_tensors(got, 2, "dot_product_attention(...)")
    expect_close(out[0], v[0].mean(0, keepdim=True).expand(3, 6), what="output[0]")
    expect_close(out, _dot_ref(q, k, v, torch.tensor([0, 3]))[0], what="output")


@grades(DP, en="matches F.scaled_dot_product_attention (valid_lens (B,) and (B, Q))", zh="与 F.scaled_dot_product_attention 一致（valid_lens 形状为 (B,) 和 (B, Q)）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_dp_random(student, gen, dtype, device):
    B, Q, K, d, dv = 3, 4, 6, 5, 7
    q, k, v = _dp_inputs(gen, dtype, B, Q, K, d, dv)
    for vl in (torch.tensor([1, 6, 3]), torch.randint(1, K + 1, (B, Q), generator=gen)):
        dvl = vl.to(device)
        got = student.call("dot_product_attention", q.to(device), k.to(device), v.to(device), dvl)
        out, w = expect_tensors(got, 2, "dot_product_attention(...)")
        _diagnose_dp(out, q, k, v, vl)
        expect_close(out, _sdpa(q, k, v, vl).to(device), rtol=1e-6 if dtype == torch.float64 else None, what="output")
        expect_close(w, _dot_ref(q, k, v, vl)[1].to(device), rtol=1e-6 if dtype == torch.float64 else None, what="weights")


@grades(DP, en="DotProductAttention module in eval mode matches SDPA", zh="DotProductAttention 模块在评估模式下与 SDPA 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_dp_module(student, gen, dtype, device):
    B, Q, K, d, dv = 2, 3, 5, 4, 6
    q, k, v = _dp_inputs(gen, dtype, B, Q, K, d, dv)
    vl = torch.tensor([2, 5])
    res = student.module("DotProductAttention", 0.5, dtype=dtype, train=False,
                         inputs=(q.to(device), k.to(device), v.to(device), vl.to(device)))
    _diagnose_dp(res["output"], q, k, v, vl)
    tol = 1e-6 if dtype == torch.float64 else None
    expect_close(res["output"], _sdpa(q, k, v, vl).to(device), rtol=tol, what="output")
    w = res["attrs"].get("attention_weights")
    expect(w is not None, what="self.attention_weights", expected="a (B, Q, K) tensor", got=None)
    expect_close(w, _dot_ref(q, k, v, vl)[1].to(device), rtol=tol, what="self.attention_weights")


@grades(DP, en="DotProductAttention: dropout acts on the weights (p = 1 in training gives 0)", zh="DotProductAttention：暂退法作用于权重（训练模式下 p = 1 时输出为 0）")
def test_dp_module_dropout(student, gen, device):
    q, k, v = _dp_inputs(gen, torch.float64, 2, 3, 5, 4, 6)
    res = module_on_cpu(student, device, "DotProductAttention", 1.0, train=True, inputs=(q, k, v, None))
    expect_close(res["output"], torch.zeros(2, 3, 6, dtype=torch.float64), what="output with dropout=1.0")


@grades(DP, en="DotProductAttention: dropout p = 0.5 in training acts on the weights: each output row "
                "is the kept weights' values, scaled by 2",
        zh="DotProductAttention：训练模式下暂退概率 p = 0.5 作用于权重：每个输出行是保留下来的权重对值的"
           "加权和，再乘以 2")
def test_dp_module_dropout_half(student, gen, device):
    q, k, v = _dp_inputs(gen, torch.float64, 2, 3, 4, 5, 6)
    res = module_on_cpu(student, device, "DotProductAttention", 0.5, train=True, inputs=(q, k, v, None))
    _expect_dropout_on_weights(res["output"], _dot_ref(q, k, v, None)[1], v, 0.5,
                               "DotProductAttention output with dropout=0.5")


# ------------------------------------------------------------------------------ stretch: bilinear
BL = "ch10.bilinear_attention"


def _bilinear_ref(q, k, v, W, vl):
    scores = torch.einsum("bqi,ij,bkj->bqk", q, W, k)
    w = _masked(scores, vl)
    return w @ v, w


@grades(BL, en="q^T W k with query size ≠ key size and Q ≠ K", zh="查询与键的维度不同、Q ≠ K 时的 q^T W k")
@pytest.mark.parametrize("dtype", FLOATS)
def test_bl_random(student, gen, dtype, device):
    B, Q, K, dq, dk, dv = 2, 3, 5, 4, 6, 7
    q = torch.randn(B, Q, dq, generator=gen, dtype=dtype)
    k = torch.randn(B, K, dk, generator=gen, dtype=dtype)
    v = torch.randn(B, K, dv, generator=gen, dtype=dtype)
    W = torch.randn(dq, dk, generator=gen, dtype=dtype) / 2
    vl = torch.tensor([2, 5])
    got = student.call("bilinear_attention", q.to(device), k.to(device), v.to(device), W.to(device),
                       vl.to(device))
    out, w = expect_tensors(got, 2, "bilinear_attention(...)")
    o_ref, w_ref = _bilinear_ref(q, k, v, W, vl)
    tol = 1e-6 if dtype == torch.float64 else None
    expect_close(w, w_ref.to(device), rtol=tol, what="weights")
    expect_close(out, o_ref.to(device), rtol=tol, what="output")


@grades(BL, en="W = I / √d is scaled dot-product attention", zh="W = I / √d 时就是缩放点积注意力")
def test_bl_identity(student, gen):
    q, k, v = _dp_inputs(gen, torch.float64, 2, 3, 4, 5, 6)
    W = torch.eye(5, dtype=torch.float64) / math.sqrt(5)
    got = on_cpu_call(student, "bilinear_attention", q, k, v, W, None)
    out, w = expect_tensors(got, 2, "bilinear_attention(...)")
    expect_close(out, _sdpa(q, k, v, None), rtol=1e-6, what="bilinear_attention(q, k, v, I/√d)")
