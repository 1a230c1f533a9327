"""Grader for 10.5 multi-head attention: transpose_qkv / transpose_output, MultiHeadAttention."""
import math

import pytest
import torch
from torch import nn

from d2lkit.grading.api import (expect, expect_close, expect_equal, FLOATS, grades, mistake_if,
                                module_on_cpu, on_cpu, on_cpu_call, probes_for, record_heatmap)

probes = probes_for(__file__)

# ------------------------------------------------------------------------------ transpose_qkv
TQ = "ch10.transpose_qkv"


def _split_heads(X, H):
    """Explicit layout: row b*H + h is X[b, :, h*d_h:(h+1)*d_h]."""
    B, n, D = X.shape
    d_h = D // H
    return torch.stack([X[b, :, h * d_h:(h + 1) * d_h] for b in range(B) for h in range(H)])


def _merge_heads(Y, H):
    BH, n, d_h = Y.shape
    return torch.stack([torch.cat([Y[b * H + h] for h in range(H)], dim=-1) for b in range(BH // H)])


@grades(TQ, en="transpose_qkv: row b*H + h is head h of batch item b", zh="transpose_qkv：第 b*H + h 行是样本 b 的第 h 个头")
def test_tq_layout(student):
    B, n, H, d_h = 2, 3, 4, 5
    X = torch.arange(B * n * H * d_h, dtype=torch.float64).reshape(B, n, H * d_h)
    got = on_cpu_call(student, "transpose_qkv", X, H)
    mistake_if(isinstance(got, torch.Tensor) and torch.equal(got, X.reshape(B * H, n, d_h)),
               "reshape-without-permute")
    expect_equal(got, _split_heads(X, H), what="transpose_qkv(X, 4)")


@grades(TQ, en="transpose_output is the inverse layout", zh="transpose_output 是逆排列")
def test_to_layout(student):
    B, n, H, d_h = 3, 2, 4, 5
    Y = torch.arange(B * H * n * d_h, dtype=torch.float64).reshape(B * H, n, d_h)
    got = on_cpu_call(student, "transpose_output", Y, H)
    mistake_if(isinstance(got, torch.Tensor) and torch.equal(got, Y.reshape(B, n, H * d_h)),
               "reshape-without-permute")
    expect_equal(got, _merge_heads(Y, H), what="transpose_output(Y, 4)")


@grades(TQ, en="random inputs, both directions", zh="随机输入，两个方向")
@pytest.mark.parametrize("dtype", FLOATS)
def test_tq_random(student, gen, dtype, device):
    B, n, H, d_h = 3, 5, 2, 7
    X = torch.randn(B, n, H * d_h, generator=gen, dtype=dtype)
    expect_equal(student.call("transpose_qkv", X.to(device), H), _split_heads(X, H).to(device),
                 what="transpose_qkv(X, 2)")
    Y = torch.randn(B * H, n, d_h, generator=gen, dtype=dtype)
    expect_equal(student.call("transpose_output", Y.to(device), H), _merge_heads(Y, H).to(device),
                 what="transpose_output(Y, 2)")


# ------------------------------------------------------------------------------ MultiHeadAttention
MH = "ch10.MultiHeadAttention"


def _random_sd(gen, ks, qs, vs, d, bias, dtype=torch.float64):
    sd = {}
    for name, fan_in in (("W_q", qs), ("W_k", ks), ("W_v", vs), ("W_o", d)):
        sd[f"{name}.weight"] = torch.randn(d, fan_in, generator=gen, dtype=dtype) / math.sqrt(fan_in)
        if bias:
            sd[f"{name}.bias"] = torch.randn(d, generator=gen, dtype=dtype) * 0.1
    return sd


def _lin(sd, name, X):
    Y = X @ sd[f"{name}.weight"].T
    return Y + sd[f"{name}.bias"] if f"{name}.bias" in sd else Y


def _mha_manual(sd, H, q, k, v, valid_lens, scale=None, lens_repeat=False):
    """The book's computation, with switches that reproduce two catalogued mistakes."""
    Q, K, V = (_split_heads(_lin(sd, n, x), H) for n, x in (("W_q", q), ("W_k", k), ("W_v", v)))
    d_h = Q.shape[-1]
    scores = Q @ K.transpose(1, 2) / (math.sqrt(d_h) if scale is None else scale)
    if valid_lens is not None:
        lens = valid_lens.repeat(H) if lens_repeat else valid_lens.repeat_interleave(H, dim=0)
        lens = lens[:, None, None] if lens.dim() == 1 else lens[:, :, None]
        scores = scores.masked_fill(torch.arange(scores.shape[-1])[None, None, :] >= lens, -1e6)
    W = torch.softmax(scores, dim=-1)
    return _lin(sd, "W_o", _merge_heads(W @ V, H)), W


def _torch_mha(sd, H, q, k, v, valid_lens, bias):
    """nn.MultiheadAttention with the learner's layout of weights copied in."""
    d, qs = sd["W_q.weight"].shape
    ks, vs = sd["W_k.weight"].shape[1], sd["W_v.weight"].shape[1]
    mha = nn.MultiheadAttention(d, H, dropout=0.0, bias=bias, batch_first=True, kdim=ks, vdim=vs)
    mha = mha.to(q.dtype).eval()
    with torch.no_grad():
        if mha._qkv_same_embed_dim:
            mha.in_proj_weight.copy_(torch.cat([sd["W_q.weight"], sd["W_k.weight"], sd["W_v.weight"]]))
        else:
            mha.q_proj_weight.copy_(sd["W_q.weight"])
            mha.k_proj_weight.copy_(sd["W_k.weight"])
            mha.v_proj_weight.copy_(sd["W_v.weight"])
        if bias:
            mha.in_proj_bias.copy_(torch.cat([sd["W_q.bias"], sd["W_k.bias"], sd["W_v.bias"]]))
            mha.out_proj.bias.copy_(sd["W_o.bias"])
        mha.out_proj.weight.copy_(sd["W_o.weight"])
        # the key-padding mask as a per-head attn_mask (B*H, Q, K): key_padding_mask would make torch
        # import sympy on first use (over a second)
        mask = None
        if valid_lens is not None:
            pad = torch.arange(k.shape[1])[None] >= valid_lens[:, None]
            mask = pad[:, None, :].expand(-1, q.shape[1], -1).repeat_interleave(H, dim=0)
        out, w = mha(q, k, v, attn_mask=mask, need_weights=True, average_attn_weights=False)
    return out, w


def _diagnose_mha(out, sd, H, q, k, v, valid_lens):
    if not isinstance(out, torch.Tensor):
        return
    out = out.cpu().double()
    sd = {n: t.double() for n, t in sd.items()}
    q, k, v = q.double(), k.double(), v.double()
    right, _ = _mha_manual(sd, H, q, k, v, valid_lens)
    if out.shape != right.shape or torch.allclose(out, right, rtol=1e-4, atol=1e-5):
        return
    bad, _ = _mha_manual(sd, H, q, k, v, valid_lens, scale=math.sqrt(sd["W_q.weight"].shape[0]))
    mistake_if(torch.allclose(out, bad, rtol=1e-4, atol=1e-5), "scale-sqrt-num-hiddens")
    if valid_lens is not None:
        bad, _ = _mha_manual(sd, H, q, k, v, valid_lens, lens_repeat=True)
        mistake_if(torch.allclose(out, bad, rtol=1e-4, atol=1e-5), "valid-lens-repeat")


def _qkv(gen, dtype, B, Q, K, qs, ks, vs):
    return (torch.randn(B, Q, qs, generator=gen, dtype=dtype), torch.randn(B, K, ks, generator=gen, dtype=dtype),
            torch.randn(B, K, vs, generator=gen, dtype=dtype))


@grades(MH, en="4·d² = 40,000 parameters for d = 100 (bias=False)", zh="d = 100 时共 4·d² = 40,000 个参数（bias=False）")
def test_mha_params(student, device):
    res = module_on_cpu(student, device, "MultiHeadAttention", 100, 100, 100, 100, 5, 0.5)
    n = res["num_params"]
    # three projections of d² and exactly W_q, W_k, W_v: W_o is the one missing
    mistake_if(n in (3 * 100 * 100, 3 * 100 * 100 + 300)
               and {k.split(".")[0] for k in res["state_dict_keys"]} == {"W_q", "W_k", "W_v"},
               "missing-w-o", got=n, expected=40000)
    mistake_if(n == 40400, "bias-true", got=n, expected=40000)
    expect_equal(n, 40000, what="num_params")
    expect_equal(sorted(res["state_dict_keys"]), ["W_k.weight", "W_o.weight", "W_q.weight", "W_v.weight"],
                 what="state_dict keys")
    res = module_on_cpu(student, device, "MultiHeadAttention", 100, 100, 100, 100, 5, 0.5, kwargs={"bias": True})
    expect_equal(res["num_params"], 40400, what="num_params with bias=True")


@grades(MH, en="each head scales by √(num_hiddens / num_heads)", zh="每个头按 √(num_hiddens / num_heads) 缩放")
def test_mha_scale(student, gen, device):
    H, d = 4, 16
    sd = _random_sd(gen, 16, 16, 16, d, False)
    q, k, v = _qkv(gen, torch.float64, 2, 3, 5, 16, 16, 16)
    q = q * 3
    res = module_on_cpu(student, device, "MultiHeadAttention", 16, 16, 16, d, H, 0.0, state_dict=sd, inputs=(q, k, v, None),
                         train=False)
    _diagnose_mha(res["output"], sd, H, q, k, v, None)
    expect_close(res["output"], _torch_mha(sd, H, q, k, v, None, False)[0], rtol=1e-6, what="output")


@grades(MH, en="valid_lens are repeated per head with repeat_interleave", zh="valid_lens 用 repeat_interleave 按头复制")
def test_mha_valid_lens(student, gen, device):
    H, d = 4, 12
    sd = _random_sd(gen, 12, 12, 12, d, False)
    q, k, v = _qkv(gen, torch.float64, 2, 3, 6, 12, 12, 12)
    vl = torch.tensor([1, 5])
    res = module_on_cpu(student, device, "MultiHeadAttention", 12, 12, 12, d, H, 0.0, state_dict=sd, inputs=(q, k, v, vl),
                         train=False)
    _diagnose_mha(res["output"], sd, H, q, k, v, vl)
    expect_close(res["output"], _torch_mha(sd, H, q, k, v, vl, False)[0], rtol=1e-6, what="output")


@grades(MH, en="matches nn.MultiheadAttention (bias False/True, key size ≠ value size)", zh="与 nn.MultiheadAttention 一致（bias 为 False/True，键和值的维度不同）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_mha_vs_torch(student, gen, dtype, device):
    B, Q, K, H, d = 3, 4, 6, 2, 10
    tol = 1e-6 if dtype == torch.float64 else None
    configs = ((10, 10, False), (10, 10, True), (7, 5, False), (7, 5, True))
    runs, cases = [], []
    for ks, vs, bias in configs:
        sd = _random_sd(gen, ks, d, vs, d, bias, dtype)
        q, k, v = _qkv(gen, dtype, B, Q, K, d, ks, vs)
        vl = torch.tensor([2, 6, 4])
        runs.append(((ks, d, vs, d, H, 0.0), {"bias": bias}, sd,
                     (q.to(device), k.to(device), v.to(device), vl.to(device))))
        cases.append((sd, q, k, v, vl))
    outs = student.probe(probes.probe_mha_outputs, runs, dtype, str(device))
    for (ks, vs, bias), (sd, q, k, v, vl), out in zip(configs, cases, outs):
        _diagnose_mha(out, sd, H, q, k, v, vl)
        expected, _ = _torch_mha(sd, H, q, k, v, vl, bias)
        expect_close(out, expected.to(device), rtol=tol, what=f"output (key_size={ks}, value_size={vs}, bias={bias})")


@grades(MH, en="(B, Q) valid_lens and query size ≠ num_hiddens", zh="形状 (B, Q) 的 valid_lens，查询维度不等于 num_hiddens")
def test_mha_per_query_lens(student, gen, device):
    B, Q, K, H, d = 2, 3, 5, 3, 9
    sd = _random_sd(gen, 4, 6, 7, d, True)
    q, k, v = _qkv(gen, torch.float64, B, Q, K, 6, 4, 7)
    vl = torch.tensor([[1, 3, 5], [2, 2, 4]])
    res = module_on_cpu(student, device, "MultiHeadAttention", 4, 6, 7, d, H, 0.0, kwargs={"bias": True}, state_dict=sd,
                         inputs=(q, k, v, vl), train=False)
    _diagnose_mha(res["output"], sd, H, q, k, v, vl)
    expect_close(res["output"], _mha_manual(sd, H, q, k, v, vl)[0], rtol=1e-6, what="output")


@grades(MH, en="per-head weights equal nn.MultiheadAttention's (average_attn_weights=False)", zh="每个头的注意力权重与 nn.MultiheadAttention（average_attn_weights=False）一致")
def test_mha_head_weights(student, gen):
    B, Q, K, H, d = 2, 3, 5, 4, 8
    sd = _random_sd(gen, 8, 8, 8, d, False)
    q, k, v = _qkv(gen, torch.float64, B, Q, K, d, d, d)
    vl = torch.tensor([3, 5])
    w = on_cpu(student.probe(probes.probe_head_weights, (8, 8, 8, d, H, 0.0), sd, (q, k, v, vl)))
    expect(w is not None, what="self.attention.attention_weights", expected="Tensor(B*H, Q, K)", got=None)
    _, expected = _torch_mha(sd, H, q, k, v, vl, False)
    if isinstance(w, torch.Tensor) and w.dim() == 3:  # every head's (Q, K), stacked
        record_heatmap(student, w.reshape(-1, w.shape[-1]), expected.reshape(B * H * Q, K))
    expect_close(w, expected.reshape(B * H, Q, K), rtol=1e-6, what="self.attention.attention_weights")
