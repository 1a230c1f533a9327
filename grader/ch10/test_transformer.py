"""Grader for 10.7 Transformer: PositionWiseFFN, layer_norm, AddNorm, EncoderBlock, causal_valid_lens."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.grading.api import (expect, expect_close, expect_equal, FLOATS, grades, is_close,
                                mistake_if, module_on_cpu, on_cpu_call, probes_for, reference)

ref = reference(__file__)
probes = probes_for(__file__)
NEAR = {"rtol": 1e-5, "atol": 1e-6}  # how close a wrong answer must come to a mistake's to name it
LOOSE_NEAR = {"rtol": 1e-4, "atol": 1e-5}


def _random_like(gen, module, dtype=torch.float64):
    """A random state_dict with the layout of a reference module (LayerNorm weights near 1)."""
    sd = {}
    for name, t in module.state_dict().items():
        fan_in = t.shape[-1] if t.dim() > 1 else 1
        x = torch.randn(t.shape, generator=gen, dtype=dtype) / math.sqrt(fan_in)
        if ".ln.weight" in name or name == "ln.weight":
            x = 1.0 + 0.2 * x
        sd[name] = x
    return sd


# ------------------------------------------------------------------------------ PositionWiseFFN
FF = "ch10.PositionWiseFFN"


def _ffn(sd, X):
    H = torch.relu(X @ sd["dense1.weight"].T + sd["dense1.bias"])
    return H @ sd["dense2.weight"].T + sd["dense2.bias"]


@grades(FF, en="the book's example: PositionWiseFFN(4, 4, 8) on ones(2, 3, 4)", zh="书中的例子：PositionWiseFFN(4, 4, 8) 作用于 ones(2, 3, 4)")
def test_ffn_book(student, device):
    X = torch.ones(2, 3, 4, dtype=torch.float64)
    res = module_on_cpu(student, device, "PositionWiseFFN", 4, 4, 8, inputs=(X,), train=False)
    out = res["output"]
    expect(isinstance(out, torch.Tensor) and tuple(out.shape) == (2, 3, 8), what="output.shape",
           expected=(2, 3, 8), got=tuple(out.shape) if isinstance(out, torch.Tensor) else out)
    expect_close(out, out[0, 0].expand(2, 3, 8), what="output rows (every position the same)")
    expect_equal(sorted(res["state_dict_keys"]), ["dense1.bias", "dense1.weight", "dense2.bias", "dense2.weight"],
                 what="state_dict keys")
    expect_equal(res["num_params"], 4 * 4 + 4 + 4 * 8 + 8, what="num_params")


@grades(FF, en="matches the reference with loaded weights", zh="加载参考权重后与参考实现一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_ffn_random(student, gen, dtype, device):
    sd = _random_like(gen, ref.PositionWiseFFN(5, 9, 6), dtype)
    X = torch.randn(3, 7, 5, generator=gen, dtype=dtype)
    res = student.module("PositionWiseFFN", 5, 9, 6, state_dict=sd, dtype=dtype, inputs=(X.to(device),), train=False)
    expect_close(res["output"], _ffn(sd, X).to(device), rtol=1e-6 if dtype == torch.float64 else None, what="output")


# ------------------------------------------------------------------------------ layer_norm
LN = "ch10.layer_norm"


def _diagnose_ln(got, X, shape, eps=1e-5):
    if not isinstance(got, torch.Tensor) or got.shape != X.shape:
        return
    dims = tuple(range(X.dim() - len(shape), X.dim()))
    if is_close(got, F.layer_norm(X, shape, eps=eps), **NEAR):
        return
    n = math.prod(X.shape[d] for d in dims)
    # with 2 entries normalised, the unbiased variance is the sum of squares: told apart from n ≥ 3
    if n > 2:
        unbiased = (X - X.mean(dims, keepdim=True)) / torch.sqrt(X.var(dims, keepdim=True, unbiased=True) + eps)
        mistake_if(is_close(got, unbiased, **NEAR), "unbiased-var")
    # with as many rows as entries normalised, per-row statistics without keepdim broadcast like
    # per-column ones: told apart only when the sizes differ
    if X.shape[0] != n:
        batch = (X - X.mean(0, keepdim=True)) / torch.sqrt(X.var(0, keepdim=True, unbiased=False) + eps)
        mistake_if(is_close(got, batch, **NEAR), "normalize-over-batch")


@grades(LN, en="the book's example: [[1, 2], [2, 3]] is normalised per row", zh="书中的例子：[[1, 2], [2, 3]] 按行规范化")
def test_ln_book(student):
    X = torch.tensor([[1.0, 2.0], [2.0, 3.0]], dtype=torch.float64)
    got = on_cpu_call(student, "layer_norm", X, [2])
    _diagnose_ln(got, X, [2])
    v = 0.5 / math.sqrt(0.25 + 1e-5)
    expect_close(got, torch.tensor([[-v, v], [-v, v]], dtype=torch.float64), what="layer_norm(X, [2])")


@grades(LN, en="biased variance (d = 4)", zh="有偏方差（d = 4）")
def test_ln_biased(student, gen):
    X = torch.randn(3, 4, generator=gen, dtype=torch.float64) * 2 + 1
    got = on_cpu_call(student, "layer_norm", X, [4])
    _diagnose_ln(got, X, [4])
    expect_close(got, F.layer_norm(X, [4]), what="layer_norm(X, [4])")


@grades(LN, en="matches F.layer_norm for shapes [4] and [3, 4], with weight and bias", zh="与 F.layer_norm 一致：形状 [4] 和 [3, 4]，带 weight 和 bias")
@pytest.mark.parametrize("dtype", FLOATS)
def test_ln_random(student, gen, dtype, device):
    X = torch.randn(2, 3, 4, generator=gen, dtype=dtype) * 3 + 0.5
    got = student.call("layer_norm", X.to(device), [4])
    _diagnose_ln(got.cpu() if isinstance(got, torch.Tensor) else got, X, [4])
    expect_close(got, F.layer_norm(X, [4]).to(device), what="layer_norm(X, [4])")
    w = torch.randn(3, 4, generator=gen, dtype=dtype)
    b = torch.randn(3, 4, generator=gen, dtype=dtype)
    got = student.call("layer_norm", X.to(device), [3, 4], w.to(device), b.to(device), eps=1e-3)
    expect_close(got, F.layer_norm(X, [3, 4], w, b, eps=1e-3).to(device),
                 what="layer_norm(X, [3, 4], weight, bias, eps=1e-3)")


# ------------------------------------------------------------------------------ AddNorm
AN = "ch10.AddNorm"


@grades(AN, en="the LayerNorm is an attribute ln (state_dict ln.weight, ln.bias)", zh="LayerNorm 是属性 ln（state_dict 中有 ln.weight、ln.bias）")
def test_an_attributes(student, gen, device):
    X = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    res = module_on_cpu(student, device, "AddNorm", [3, 4], 0.5, inputs=(X, X), train=False)
    mistake_if(res["num_params"] == 0, "ln-in-forward")
    expect_equal(sorted(res["state_dict_keys"]), ["ln.bias", "ln.weight"], what="state_dict keys")
    expect_equal(res["num_params"], 24, what="num_params")


@grades(AN, en="ln(dropout(Y) + X) in eval mode", zh="评估模式下等于 ln(dropout(Y) + X)")
@pytest.mark.parametrize("dtype", FLOATS)
def test_an_eval(student, gen, dtype, device):
    sd = _random_like(gen, ref.AddNorm(4, 0.5), dtype)
    X = torch.randn(2, 3, 4, generator=gen, dtype=dtype)
    Y = torch.randn(2, 3, 4, generator=gen, dtype=dtype)
    res = student.module("AddNorm", 4, 0.5, state_dict=sd, dtype=dtype, inputs=(X.to(device), Y.to(device)),
                         train=False)
    w, b = sd["ln.weight"], sd["ln.bias"]
    mistake_if(is_close(res["output"], F.layer_norm(X, [4], w, b) + Y, **LOOSE_NEAR), "norm-then-add")
    expect_close(res["output"], F.layer_norm(X + Y, [4], w, b).to(device), what="output")


@grades(AN, en="dropout acts on Y only: AddNorm(shape, 1.0) in training gives LayerNorm(X)", zh="暂退法只作用于 Y：训练模式下 AddNorm(shape, 1.0) 的结果等于 LayerNorm(X)")
def test_an_dropout_trick(student, gen, device):
    sd = _random_like(gen, ref.AddNorm([3, 4], 1.0))
    X = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    Y = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    res = module_on_cpu(student, device, "AddNorm", [3, 4], 1.0, state_dict=sd, inputs=(X, Y), train=True)
    w, b = sd["ln.weight"], sd["ln.bias"]
    mistake_if(is_close(res["output"], b.expand(2, 3, 4), **NEAR), "dropout-on-sum")
    mistake_if(is_close(res["output"], F.layer_norm(Y, [3, 4], w, b), **NEAR), "norm-then-add")
    expect_close(res["output"], F.layer_norm(X, [3, 4], w, b), what="AddNorm(shape, 1.0).train()(X, Y)")


# ------------------------------------------------------------------------------ EncoderBlock
EB = "ch10.EncoderBlock"
BOOK_KEYS = sorted(["attention.W_q.weight", "attention.W_k.weight", "attention.W_v.weight", "attention.W_o.weight",
                    "addnorm1.ln.weight", "addnorm1.ln.bias", "ffn.dense1.weight", "ffn.dense1.bias",
                    "ffn.dense2.weight", "ffn.dense2.bias", "addnorm2.ln.weight", "addnorm2.ln.bias"])


def _ref_block(sd, d, ffn_h, H, dtype):
    blk = ref.EncoderBlock(d, d, d, d, [d], d, ffn_h, H, 0.0).to(dtype).eval()
    blk.load_state_dict(sd)
    return blk


def _tel(sd, d, ffn_h, H, X, valid_lens):
    """nn.TransformerEncoderLayer with the book's weights copied in (post-norm, ReLU, no dropout)."""
    layer = nn.TransformerEncoderLayer(d, H, dim_feedforward=ffn_h, dropout=0.0, activation="relu",
                                       batch_first=True, norm_first=False).to(X.dtype).eval()
    with torch.no_grad():
        sa = layer.self_attn
        sa.in_proj_weight.copy_(torch.cat([sd["attention.W_q.weight"], sd["attention.W_k.weight"],
                                           sd["attention.W_v.weight"]]))
        sa.in_proj_bias.zero_()
        sa.out_proj.weight.copy_(sd["attention.W_o.weight"])
        sa.out_proj.bias.zero_()
        layer.linear1.weight.copy_(sd["ffn.dense1.weight"])
        layer.linear1.bias.copy_(sd["ffn.dense1.bias"])
        layer.linear2.weight.copy_(sd["ffn.dense2.weight"])
        layer.linear2.bias.copy_(sd["ffn.dense2.bias"])
        for i in (1, 2):
            getattr(layer, f"norm{i}").weight.copy_(sd[f"addnorm{i}.ln.weight"])
            getattr(layer, f"norm{i}").bias.copy_(sd[f"addnorm{i}.ln.bias"])
        # src_key_padding_mask as a per-head src_mask (B*H, T, T): the key-padding path makes torch
        # import sympy on first use (over a second)
        pad = torch.arange(X.shape[1])[None] >= valid_lens[:, None]
        mask = pad[:, None, :].expand(-1, X.shape[1], -1).repeat_interleave(H, dim=0)
        return layer(X, src_mask=mask)


@grades(EB, en="the book's EncoderBlock: shape (2, 100, 24), 14,280 parameters, state_dict keys", zh="书中的 EncoderBlock：形状 (2, 100, 24)，14,280 个参数，state_dict 的键")
def test_eb_book(student, device):
    X = torch.ones(2, 100, 24, dtype=torch.float64)
    res = module_on_cpu(student, device, "EncoderBlock", 24, 24, 24, 24, [100, 24], 24, 48, 8, 0.5,
                         inputs=(X, torch.tensor([3, 2])), train=False)
    keys = res["state_dict_keys"]
    mistake_if(not any(k.startswith("addnorm2.") for k in keys) and res["num_params"] == 14280 - 4800,
               "addnorm-reused", got=res["num_params"], expected=14280)
    expect_equal(sorted(keys), BOOK_KEYS, what="state_dict keys")
    expect_equal(res["num_params"], 14280, what="num_params")
    out = res["output"]
    expect(isinstance(out, torch.Tensor) and tuple(out.shape) == (2, 100, 24), what="output.shape",
           expected=(2, 100, 24), got=tuple(out.shape) if isinstance(out, torch.Tensor) else out)


@grades(EB, en="the FFN sees the first AddNorm's output; valid_lens mask the attention", zh="前馈网络的输入是第一个 AddNorm 的输出；valid_lens 掩蔽注意力")
def test_eb_wiring(student, gen, device):
    d, ffn_h, H = 8, 12, 2
    blk = ref.EncoderBlock(d, d, d, d, [d], d, ffn_h, H, 0.0)
    sd = _random_like(gen, blk)
    blk = _ref_block(sd, d, ffn_h, H, torch.float64)
    X = torch.randn(2, 5, d, generator=gen, dtype=torch.float64)
    vl = torch.tensor([2, 4])
    res = module_on_cpu(student, device, "EncoderBlock", d, d, d, d, [d], d, ffn_h, H, 0.3, state_dict=sd, inputs=(X, vl),
                         train=False)
    with torch.no_grad():
        right = blk(X, vl)
        Y = blk.addnorm1(X, blk.attention(X, X, X, vl))
        fed_x = blk.addnorm2(Y, blk.ffn(X))
        no_lens = blk(X, None)
    out = res["output"]
    if not is_close(out, right, **NEAR):
        mistake_if(is_close(out, fed_x, **NEAR), "ffn-fed-x")
        mistake_if(is_close(out, no_lens, **NEAR), "valid-lens-not-passed")
    expect_close(out, right, rtol=1e-6, what="output")


@grades(EB, en="matches nn.TransformerEncoderLayer (post-norm, ReLU), padded rows included", zh="与 nn.TransformerEncoderLayer（后置规范化、ReLU）一致，包括填充的行")
@pytest.mark.parametrize("dtype", FLOATS)
def test_eb_vs_torch(student, gen, dtype, device):
    d, ffn_h, H, B, T = 16, 20, 4, 3, 7
    sd = _random_like(gen, ref.EncoderBlock(d, d, d, d, [d], d, ffn_h, H, 0.0), dtype)
    X = torch.randn(B, T, d, generator=gen, dtype=dtype)
    vl = torch.tensor([7, 3, 5])
    res = student.module("EncoderBlock", d, d, d, d, [d], d, ffn_h, H, 0.5, state_dict=sd, dtype=dtype,
                         inputs=(X.to(device), vl.to(device)), train=False)
    with torch.no_grad():
        expected = _tel(sd, d, ffn_h, H, X, vl)
    expect_close(res["output"], expected.to(device), rtol=1e-6 if dtype == torch.float64 else None,
                 atol=None if dtype == torch.float64 else 1e-4, what="output")


# ------------------------------------------------------------------------------ causal_valid_lens
CV = "ch10.causal_valid_lens"


@grades(CV, en="causal_valid_lens(2, 4) is [[1, 2, 3, 4], [1, 2, 3, 4]]", zh="causal_valid_lens(2, 4) 等于 [[1, 2, 3, 4], [1, 2, 3, 4]]")
def test_cv_values(student):
    got = on_cpu_call(student, "causal_valid_lens", 2, 4)
    expect(isinstance(got, torch.Tensor), what="causal_valid_lens(2, 4)", expected="Tensor", got=got)
    mistake_if(got.dim() == 1, "no-repeat", got=tuple(got.shape), expected=(2, 4))
    mistake_if(got.shape == (2, 4) and torch.equal(got, torch.tensor([[0, 1, 2, 3], [0, 1, 2, 3]])),
               "arange-from-zero")
    expect_equal(got, torch.tensor([[1, 2, 3, 4], [1, 2, 3, 4]]), what="causal_valid_lens(2, 4)")


@grades(CV, en="masked attention with these lengths equals SDPA with is_causal=True", zh="用这些长度做掩蔽注意力等于 is_causal=True 的 SDPA")
def test_cv_causal(student, gen):
    B, T, d = 3, 6, 5
    lens = on_cpu_call(student, "causal_valid_lens", B, T)
    expect(isinstance(lens, torch.Tensor) and tuple(lens.shape) == (B, T), what="causal_valid_lens(3, 6).shape",
           expected=(B, T), got=tuple(lens.shape) if isinstance(lens, torch.Tensor) else lens)
    q, k, v = (torch.randn(B, T, d, generator=gen, dtype=torch.float64) for _ in range(3))
    scores = q @ k.transpose(1, 2) / math.sqrt(d)
    scores = scores.masked_fill(torch.arange(T)[None, None, :] >= lens[:, :, None], -1e6)
    out = torch.softmax(scores, -1) @ v
    expect_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True), what="attention with causal_valid_lens")


# ------------------------------------------------------------------------------ DecoderBlock (stretch)
DB = "ch10.DecoderBlock"
DB_KEYS = sorted([f"attention{j}.W_{m}.weight" for j in (1, 2) for m in "qkvo"]
                 + [f"addnorm{j}.ln.{p}" for j in (1, 2, 3) for p in ("weight", "bias")]
                 + ["ffn.dense1.weight", "ffn.dense1.bias", "ffn.dense2.weight", "ffn.dense2.bias"])


def _db_args(d, ffn_h, H, dropout, i):
    return (d, d, d, d, [d], d, ffn_h, H, dropout, i)


def _db_case(gen, d=8, ffn_h=12, H=2, B=2, T=5, T_enc=4, dtype=torch.float64):
    sd = _random_like(gen, ref.DecoderBlock(*_db_args(d, ffn_h, H, 0.0, 0)), dtype)
    X = torch.randn(B, T, d, generator=gen, dtype=dtype)
    enc = torch.randn(B, T_enc, d, generator=gen, dtype=dtype)
    enc_vl = torch.tensor([T_enc, 2])[:B]
    return sd, X, enc, enc_vl


def _db_ref(sd, args, X, enc, enc_vl, n_blocks=1, causal=True):
    blk = ref.DecoderBlock(*args).to(X.dtype).eval()
    blk.load_state_dict(sd)
    with torch.no_grad():
        if causal:
            return blk(X, [enc, enc_vl, [None] * n_blocks])[0]
        Y = blk.addnorm1(X, blk.attention1(X, X, X, None))
        Z = blk.addnorm2(Y, blk.attention2(Y, enc, enc, enc_vl))
        return blk.addnorm3(Z, blk.ffn(Z))


def _db_probe(student, device, args, sd, X, enc, enc_vl, n_blocks=1, train=False, incremental=True):
    dev = lambda t: t.to(device)  # noqa: E731
    res = student.probe(probes.probe_decoder, args, {k: dev(v) for k, v in sd.items()}, dev(X), dev(enc),
                        dev(enc_vl), n_blocks, train, incremental)
    expect(isinstance(res, dict) and isinstance(res.get("full"), torch.Tensor), what="DecoderBlock(...)(X, state)",
           expected="(output, state)", got=res)
    return res


@grades(DB, en="the book's sizes: output (2, 100, 24), 21,384 parameters, state_dict keys",
        zh="书中的尺寸：输出 (2, 100, 24)，21,384 个参数，state_dict 的键")
def test_db_book(student, device):
    X = torch.ones(2, 100, 24, dtype=torch.float64)
    state = [X.to(device), torch.tensor([3, 2]).to(device), [None]]
    res = module_on_cpu(student, device, "DecoderBlock", 24, 24, 24, 24, [100, 24], 24, 48, 8, 0.5, 0,
                  inputs=(X, state), train=False)
    expect_equal(sorted(res["state_dict_keys"]), DB_KEYS, what="state_dict keys")
    expect_equal(res["num_params"], 21384, what="num_params")
    out = res["output"]
    expect(isinstance(out, tuple) and len(out) == 2, what="DecoderBlock(...)(X, state)", expected="(output, state)",
           got=type(out).__name__)
    expect(isinstance(out[0], torch.Tensor) and tuple(out[0].shape) == (2, 100, 24), what="output.shape",
           expected=(2, 100, 24), got=out[0])


@grades(DB, en="state[2][i] caches the block inputs of every step so far",
        zh="state[2][i] 缓存到目前为止每个时间步的块输入")
def test_db_cache(student, gen, device):
    sd, X, enc, enc_vl = _db_case(gen)
    args = _db_args(8, 12, 2, 0.3, 1)                      # block 1 of 2: only state[2][1] is its cache
    res = _db_probe(student, device, args, sd, X, enc, enc_vl, n_blocks=2)
    T = X.shape[1]
    mistake_if(res["cache_lens"] != list(range(1, T + 1)), "cache-not-updated",
               what="state[2][1].shape[1] after each step", got=res["cache_lens"], expected=list(range(1, T + 1)))
    expect(res["cache"][0] is None, what="state[2][0] (another block's cache)", expected=None, got=res["cache"][0])
    expect_close(res["cache"][1], X.to(device), what="state[2][1] after decoding step by step")
    expect_close(res["full_cache"][1], X.to(device), what="state[2][1] after decoding the whole X")


@grades(DB, en="self-attention is causal when a whole sequence is fed (train mode, dropout 0)",
        zh="整段输入时自注意力是因果的（训练模式，dropout 为 0）")
def test_db_causal(student, gen, device):
    sd, X, enc, enc_vl = _db_case(gen)
    args = _db_args(8, 12, 2, 0.0, 0)
    res = _db_probe(student, device, args, sd, X, enc, enc_vl, train=True, incremental=False)
    got = res["full"].cpu()
    expected = _db_ref(sd, args, X, enc, enc_vl)
    not_causal = _db_ref(sd, args, X, enc, enc_vl, causal=False)
    mistake_if(not is_close(got, expected, **NEAR) and is_close(got, not_causal, **NEAR), "no-causal-mask",
               what="DecoderBlock(...)(X, state)[0]")
    expect_close(got, expected, rtol=1e-6, what="output (whole sequence, train mode)")


@grades(DB, en="2 steps, then 3 at once: the new steps see the cache and are causal among themselves",
        zh="先输入 2 步，再一次输入 3 步：新的时间步能看到缓存，彼此之间也是因果的")
def test_db_chunks(student, gen, device):
    sd, X, enc, enc_vl = _db_case(gen)
    args = _db_args(8, 12, 2, 0.0, 0)
    dev = lambda t: t.to(device)  # noqa: E731
    got = student.probe(probes.probe_decoder_chunks, args, {k: dev(v) for k, v in sd.items()}, dev(X),
                        dev(enc), dev(enc_vl), 2)
    # dec_valid_lens of the second call: every row is T_prev + [1, 2, 3] = [3, 4, 5]
    expect_close(got.cpu() if isinstance(got, torch.Tensor) else got, _db_ref(sd, args, X, enc, enc_vl),
                 rtol=1e-6, what="DecoderBlock outputs, X fed as 2 steps then 3 (eval mode)")


@grades(DB, en="eval mode: decoding step by step equals decoding the whole sequence",
        zh="评估模式：逐步解码与整段解码的结果相同")
@pytest.mark.parametrize("dtype", FLOATS)
def test_db_incremental(student, gen, dtype, device):
    sd, X, enc, enc_vl = _db_case(gen, d=16, ffn_h=20, H=4, B=2, T=6, T_enc=3, dtype=dtype)
    args = _db_args(16, 20, 4, 0.5, 0)
    res = _db_probe(student, device, args, sd, X, enc, enc_vl)
    expected = _db_ref(sd, args, X, enc, enc_vl).to(device)
    rtol, atol = (1e-6, None) if dtype == torch.float64 else (None, 1e-4)
    mistake_if(res["cache_lens"] != list(range(1, X.shape[1] + 1)), "cache-not-updated",
               what="state[2][0].shape[1] after each step", got=res["cache_lens"])
    expect_close(res["full"], expected, rtol=rtol, atol=atol, what="output (whole sequence, eval mode)")
    expect_close(res["incremental"], expected, rtol=rtol, atol=atol, what="outputs (one step at a time, eval mode)")
