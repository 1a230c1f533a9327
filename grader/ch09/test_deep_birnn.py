"""Grader for 9.3 and 9.4: deep_rnn_forward, birnn_forward."""
import pytest
import torch
from torch import nn

from d2lkit.grading.api import FLOATS, expect, expect_close, grades, is_close, mistake_if

DEEP = "ch9.deep_rnn_forward"
BI = "ch9.birnn_forward"
T_, B_, V_, H_ = 6, 3, 5, 4     # all different, so that transposes cannot pass
NEAR = {"rtol": 1e-6, "atol": 1e-8}  # how close a wrong answer must come to a mistake's to name it


def _layer(gen, n_in, h, dtype):
    return (0.6 * torch.randn(n_in, h, generator=gen, dtype=dtype),
            0.6 * torch.randn(h, h, generator=gen, dtype=dtype),
            0.6 * torch.randn(h, generator=gen, dtype=dtype))


def _run(xs, H, params):
    W_xh, W_hh, b_h = params
    outs = []
    for x in xs:
        H = torch.tanh(x @ W_xh + H @ W_hh + b_h)
        outs.append(H)
    return torch.stack(outs), H


# ------------------------------------------------------------------------------ deep_rnn_forward
def _deep_case(gen, L, V=V_, h=H_, dtype=torch.float64, device="cpu"):
    inputs = torch.randn(T_, B_, V, generator=gen, dtype=dtype).to(device)
    states = (0.5 * torch.randn(L, B_, h, generator=gen, dtype=dtype)).to(device)
    layers = [tuple(p.to(device) for p in _layer(gen, V if l == 0 else h, h, dtype)) for l in range(L)]
    return inputs, states, layers


def _nn_deep(inputs, states, layers):
    L, _, h = states.shape
    rnn = nn.RNN(inputs.shape[-1], h, num_layers=L).to(device=inputs.device, dtype=inputs.dtype)
    with torch.no_grad():
        for l, (W_xh, W_hh, b_h) in enumerate(layers):
            getattr(rnn, f"weight_ih_l{l}").copy_(W_xh.T)
            getattr(rnn, f"weight_hh_l{l}").copy_(W_hh.T)
            getattr(rnn, f"bias_ih_l{l}").copy_(b_h)
            getattr(rnn, f"bias_hh_l{l}").zero_()
        return rnn(inputs, states)


@grades(DEEP, en="layers above the first read the hidden states of the layer below",
        zh="第一层以上的各层读入下一层的隐状态")
def test_deep_stacked(student, gen):
    inputs, states, layers = _deep_case(gen, 3, V=H_)      # V == h, so feeding X does not crash
    got = student.call("deep_rnn_forward", inputs, states, layers)
    out = got[0] if isinstance(got, (tuple, list)) and len(got) == 2 else None
    H = inputs
    for l, p in enumerate(layers):
        H, _ = _run(inputs, states[l], p)
    mistake_if(is_close(out, H, **NEAR), "x-fed-to-every-layer", what="deep_rnn_forward(...)[0]")
    expected_out, expected_h = _nn_deep(inputs, states, layers)
    expect_close(out, expected_out, rtol=1e-6, what="outputs (V == h)")
    expect_close(got[1], expected_h, rtol=1e-6, what="final states (V == h)")


@grades(DEEP, en="shapes: outputs (T, B, h), states (L, B, h)", zh="形状：输出 (T, B, h)，状态 (L, B, h)")
def test_deep_shapes(student, gen):
    inputs, states, layers = _deep_case(gen, 2)
    got = student.call("deep_rnn_forward", inputs, states, layers)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what="deep_rnn_forward(...)",
           expected="(outputs, states)", got=got)
    expect(isinstance(got[0], torch.Tensor) and tuple(got[0].shape) == (T_, B_, H_),
           what="outputs.shape", expected=(T_, B_, H_), got=got[0])
    expect(isinstance(got[1], torch.Tensor) and tuple(got[1].shape) == (2, B_, H_),
           what="states.shape", expected=(2, B_, H_), got=got[1])


@grades(DEEP, en="matches nn.RNN(num_layers=L) with bias_hh = 0", zh="与 nn.RNN(num_layers=L)（bias_hh = 0）一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_deep_matches_nn(student, gen, dtype, device):
    for L in (1, 2, 3):
        inputs, states, layers = _deep_case(gen, L, dtype=dtype, device=device)
        out, new_states = student.call("deep_rnn_forward", inputs, states, layers)
        expected_out, expected_h = _nn_deep(inputs, states, layers)
        rtol = 1e-6 if dtype == torch.float64 else None
        expect_close(out, expected_out, rtol=rtol, what=f"outputs (L={L})")
        expect_close(new_states, expected_h, rtol=rtol, what=f"final states (L={L})")


# ------------------------------------------------------------------------------ birnn_forward
def _bi_case(gen, dtype=torch.float64, device="cpu"):
    inputs = torch.randn(T_, B_, V_, generator=gen, dtype=dtype).to(device)
    H0f = (0.5 * torch.randn(B_, H_, generator=gen, dtype=dtype)).to(device)
    H0b = (0.5 * torch.randn(B_, H_, generator=gen, dtype=dtype)).to(device)
    pf = tuple(p.to(device) for p in _layer(gen, V_, H_, dtype))
    pb = tuple(p.to(device) for p in _layer(gen, V_, H_, dtype))
    return inputs, H0f, H0b, pf, pb


def _nn_bi(inputs, H0f, H0b, pf, pb):
    rnn = nn.RNN(inputs.shape[-1], H0f.shape[-1], bidirectional=True).to(device=inputs.device,
                                                                          dtype=inputs.dtype)
    with torch.no_grad():
        for suffix, (W_xh, W_hh, b_h) in (("l0", pf), ("l0_reverse", pb)):
            getattr(rnn, f"weight_ih_{suffix}").copy_(W_xh.T)
            getattr(rnn, f"weight_hh_{suffix}").copy_(W_hh.T)
            getattr(rnn, f"bias_ih_{suffix}").copy_(b_h)
            getattr(rnn, f"bias_hh_{suffix}").zero_()
        return rnn(inputs, torch.stack([H0f, H0b]))


def _bi_out(got):
    return got[0] if isinstance(got, (tuple, list)) and len(got) == 2 else None


@grades(BI, en="shapes: outputs (T, B, 2h), state (2, B, h)", zh="形状：输出 (T, B, 2h)，状态 (2, B, h)")
def test_bi_shapes(student, gen):
    case = _bi_case(gen)
    got = student.call("birnn_forward", *case)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what="birnn_forward(...)",
           expected="(outputs, state)", got=got)
    expect(isinstance(got[0], torch.Tensor) and tuple(got[0].shape) == (T_, B_, 2 * H_),
           what="outputs.shape", expected=(T_, B_, 2 * H_), got=got[0])
    expect(isinstance(got[1], torch.Tensor) and tuple(got[1].shape) == (2, B_, H_),
           what="state.shape", expected=(2, B_, H_), got=got[1])


@grades(BI, en="backward outputs are put back into forward time order",
        zh="反向输出按正向的时间顺序放回")
def test_bi_flipped_back(student, gen):
    inputs, H0f, H0b, pf, pb = case = _bi_case(gen)
    out = _bi_out(student.call("birnn_forward", *case))
    of, _ = _run(inputs, H0f, pf)
    ob, _ = _run(inputs.flip(0), H0b, pb)
    for wrong in (torch.cat([of, ob], -1), torch.cat([ob, of], -1)):
        mistake_if(is_close(out, wrong, **NEAR), "backward-not-flipped", what="birnn_forward(...)[0]")


@grades(BI, en="outputs are [forward, backward] along the last axis", zh="输出沿最后一个轴按 [前向, 反向] 排列")
def test_bi_concat_order(student, gen):
    inputs, H0f, H0b, pf, pb = case = _bi_case(gen)
    out = _bi_out(student.call("birnn_forward", *case))
    of, _ = _run(inputs, H0f, pf)
    ob, _ = _run(inputs.flip(0), H0b, pb)
    mistake_if(is_close(out, torch.cat([ob.flip(0), of], -1), **NEAR), "concat-order-swapped",
               what="birnn_forward(...)[0]", got="[backward, forward]", expected="[forward, backward]")


@grades(BI, en="matches nn.RNN(bidirectional=True) with bias_hh = 0",
        zh="与 nn.RNN(bidirectional=True)（bias_hh = 0）一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_bi_matches_nn(student, gen, dtype, device):
    case = _bi_case(gen, dtype, device)
    out, state = student.call("birnn_forward", *case)
    expected_out, expected_h = _nn_bi(*case)
    rtol = 1e-6 if dtype == torch.float64 else None
    expect_close(out, expected_out, rtol=rtol, what="outputs")
    expect_close(state, expected_h, rtol=rtol, what="state")


# ------------------------------------------------------------------------------ birnn_forward_uneven (stretch)
UNEVEN = "ch9.birnn_forward_uneven"
HF_, HB_ = 4, 2                 # different hidden sizes, both different from T, B, V


def _uneven_case(gen, dtype=torch.float64, device="cpu"):
    inputs = torch.randn(T_, B_, V_, generator=gen, dtype=dtype).to(device)
    H0f = (0.5 * torch.randn(B_, HF_, generator=gen, dtype=dtype)).to(device)
    H0b = (0.5 * torch.randn(B_, HB_, generator=gen, dtype=dtype)).to(device)
    pf = tuple(p.to(device) for p in _layer(gen, V_, HF_, dtype))
    pb = tuple(p.to(device) for p in _layer(gen, V_, HB_, dtype))
    return inputs, H0f, H0b, pf, pb


def _nn_uni(inputs, H0, params):
    W_xh, W_hh, b_h = params
    rnn = nn.RNN(inputs.shape[-1], H0.shape[-1]).to(device=inputs.device, dtype=inputs.dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(W_xh.T)
        rnn.weight_hh_l0.copy_(W_hh.T)
        rnn.bias_ih_l0.copy_(b_h)
        rnn.bias_hh_l0.zero_()
        out, H = rnn(inputs, H0[None])
    return out, H[0]


def _uneven_pair(got, what):
    ok = (isinstance(got, (tuple, list)) and len(got) == 2 and isinstance(got[0], torch.Tensor)
          and isinstance(got[1], (tuple, list)) and len(got[1]) == 2)
    expect(ok, what=what, expected="(outputs, (H_fwd, H_bwd))", got=got)
    return got[0], got[1]


@grades(UNEVEN, en="shapes: outputs (T, B, h_f + h_b), states (B, h_f) and (B, h_b)",
        zh="形状：输出 (T, B, h_f + h_b)，状态 (B, h_f) 和 (B, h_b)")
def test_uneven_shapes(student, gen):
    got = student.call("birnn_forward_uneven", *_uneven_case(gen))
    out, (Hf, Hb) = _uneven_pair(got, "birnn_forward_uneven(...)")
    expect(tuple(out.shape) == (T_, B_, HF_ + HB_), what="outputs.shape", expected=(T_, B_, HF_ + HB_),
           got=tuple(out.shape))
    expect(isinstance(Hf, torch.Tensor) and tuple(Hf.shape) == (B_, HF_), what="H_fwd.shape",
           expected=(B_, HF_), got=Hf)
    expect(isinstance(Hb, torch.Tensor) and tuple(Hb.shape) == (B_, HB_), what="H_bwd.shape",
           expected=(B_, HB_), got=Hb)


@grades(UNEVEN, en="backward outputs are put back into forward time order",
        zh="反向输出按正向的时间顺序放回")
def test_uneven_flipped_back(student, gen, device):
    inputs, H0f, H0b, pf, pb = case = _uneven_case(gen, device=device)
    out, _ = _uneven_pair(student.call("birnn_forward_uneven", *case), "birnn_forward_uneven(...)")
    of, _ = _run(inputs, H0f, pf)
    ob, _ = _run(inputs.flip(0), H0b, pb)
    mistake_if(is_close(out, torch.cat([of, ob], -1), **NEAR), "backward-not-flipped",
               what="birnn_forward_uneven(...)[0]")
    expect_close(out, torch.cat([of, ob.flip(0)], -1), rtol=1e-6, what="outputs")


@grades(UNEVEN, en="matches two nn.RNNs (the backward one on the reversed input)",
        zh="与两个 nn.RNN（反向的那个读入反转后的输入）一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_uneven_matches_nn(student, gen, dtype, device):
    inputs, H0f, H0b, pf, pb = case = _uneven_case(gen, dtype, device)
    out, (Hf, Hb) = _uneven_pair(student.call("birnn_forward_uneven", *case), "birnn_forward_uneven(...)")
    of, ef = _nn_uni(inputs, H0f, pf)
    ob, eb = _nn_uni(inputs.flip(0), H0b, pb)
    rtol = 1e-6 if dtype == torch.float64 else None
    expect_close(out, torch.cat([of, ob.flip(0)], -1), rtol=rtol, what="outputs")
    expect_close(Hf, ef, rtol=rtol, what="H_fwd")
    expect_close(Hb, eb, rtol=rtol, what="H_bwd")
