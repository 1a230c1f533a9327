"""Grader for 9.1: gru_forward."""
import pytest
import torch
from torch import nn

from d2lkit.grading.api import (FLOATS, LearnerError, expect, expect_close, grades, is_close,
                                mistake_if, reference)

ref = reference(__file__)

GRU = "ch9.gru_forward"
T_, B_, V_, H_, Q_ = 6, 3, 5, 4, 7     # all different, so that transposes cannot pass
NEAR = {"rtol": 1e-6, "atol": 1e-8}  # how close a wrong answer must come to a mistake's to name it


def _case(gen, dtype=torch.float64, device="cpu", scale=0.6):
    inputs = torch.randn(T_, B_, V_, generator=gen, dtype=dtype)
    H0 = 0.5 * torch.randn(B_, H_, generator=gen, dtype=dtype)
    shapes = [(V_, H_), (H_, H_), (H_,)] * 3 + [(H_, Q_), (Q_,)]
    params = [scale * torch.randn(*s, generator=gen, dtype=dtype) for s in shapes]
    return inputs.to(device), (H0.to(device),), [p.to(device) for p in params]


def _variant(inputs, state, params, reset_after=False, swap_update=False, swap_act=False):
    """The GRU with a catalogued mistake switched on (computed in the supervisor)."""
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    gate, cand = (torch.tanh, torch.sigmoid) if swap_act else (torch.sigmoid, torch.tanh)
    H, = state
    outs = []
    for X in inputs:
        Z = gate(X @ W_xz + H @ W_hz + b_z)
        R = gate(X @ W_xr + H @ W_hr + b_r)
        Ht = cand(X @ W_xh + (R * (H @ W_hh) if reset_after else (R * H) @ W_hh) + b_h)
        H = (1 - Z) * H + Z * Ht if swap_update else Z * H + (1 - Z) * Ht
        outs.append(H @ W_hq + b_q)
    return torch.cat(outs, dim=0), H


def _nn_gru(inputs, state, params):
    """nn.GRU with PyTorch's gate order (r, z, n) and bias_hh = 0: the reset_after variant."""
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    V, h = W_xz.shape
    gru = nn.GRU(V, h).to(device=inputs.device, dtype=inputs.dtype)
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.cat([W_xr.T, W_xz.T, W_xh.T]))
        gru.weight_hh_l0.copy_(torch.cat([W_hr.T, W_hz.T, W_hh.T]))
        gru.bias_ih_l0.copy_(torch.cat([b_r, b_z, b_h]))
        gru.bias_hh_l0.zero_()
        out, h_n = gru(inputs, state[0].unsqueeze(0))
    return out.reshape(-1, h) @ W_hq + b_q, h_n[0]


def _out(got):
    return got[0] if isinstance(got, (tuple, list)) and len(got) == 2 else None


@grades(GRU, en="output (T*B, q) time-major, state returned as a 1-tuple (H,)",
        zh="输出形状为 (T*B, q)、按时间步排列，状态以单元素元组 (H,) 返回")
def test_gru_shapes(student, gen):
    inputs, state, params = _case(gen)
    got = student.call("gru_forward", inputs, state, params)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what="gru_forward(...)",
           expected="(outputs, (H,))", got=got)
    out, new_state = got
    expect(isinstance(out, torch.Tensor) and tuple(out.shape) == (T_ * B_, Q_), what="outputs.shape",
           expected=(T_ * B_, Q_), got=tuple(out.shape) if isinstance(out, torch.Tensor) else out)
    expect(isinstance(new_state, (tuple, list)) and len(new_state) == 1
           and isinstance(new_state[0], torch.Tensor) and tuple(new_state[0].shape) == (B_, H_),
           what="state", expected=f"(H,) with H of shape {(B_, H_)}", got=new_state)


@grades(GRU, en="Z keeps the old state: H = Z*H + (1-Z)*H~", zh="Z 保留旧状态：H = Z*H + (1-Z)*H~")
def test_gru_update_gate(student, gen):
    inputs, state, params = _case(gen)
    for reset_after in (False, True):
        out = _out(student.call("gru_forward", inputs, state, params, reset_after=reset_after))
        wrong, _ = _variant(inputs, state, params, reset_after=reset_after, swap_update=True)
        mistake_if(is_close(out, wrong, **NEAR), "update-gate-swapped",
                   what=f"gru_forward(reset_after={reset_after})")


@grades(GRU, en="gates use sigmoid, the candidate state tanh", zh="门使用 sigmoid，候选隐状态使用 tanh")
def test_gru_activations(student, gen):
    inputs, state, params = _case(gen)
    out = _out(student.call("gru_forward", inputs, state, params))
    wrong, _ = _variant(inputs, state, params, swap_act=True)
    mistake_if(is_close(out, wrong, **NEAR), "sigmoid-tanh-swapped", what="gru_forward(...)")
    for swap_update in (False, True):
        wrong, _ = _variant(inputs, state, params, swap_act=True, swap_update=swap_update)
        mistake_if(is_close(out, wrong, **NEAR), "sigmoid-tanh-swapped", what="gru_forward(...)")


@grades(GRU, en="reset_after=False is the book's formula (R*H) @ W_hh, not nn.GRU's",
        zh="reset_after=False 是书中的公式 (R*H) @ W_hh，而不是 nn.GRU 的公式")
def test_gru_reset_before(student, gen):
    inputs, state, params = _case(gen, scale=1.0)
    out = _out(student.call("gru_forward", inputs, state, params))
    after, _ = _nn_gru(inputs, state, params)
    before, _ = _variant(inputs, state, params)
    mistake_if(is_close(out, after, **NEAR) and not is_close(after, before, **NEAR), "reset-after-matmul",
               what="gru_forward(..., reset_after=False)", got="R * (H @ W_hh)",
               expected="(R * H) @ W_hh")


@grades(GRU, en="reset_after=True matches nn.GRU (gate order r, z, n; bias_hh = 0)",
        zh="reset_after=True 与 nn.GRU 一致（门的顺序 r, z, n；bias_hh = 0）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_gru_matches_nn(student, gen, dtype, device):
    inputs, state, params = _case(gen, dtype, device)
    out, new_state = student.call("gru_forward", inputs, state, params, reset_after=True)
    expected_out, expected_h = _nn_gru(inputs, state, params)
    rtol = 1e-6 if dtype == torch.float64 else None
    expect_close(out, expected_out, rtol=rtol, what="outputs (reset_after=True)")
    expect_close(new_state[0], expected_h, rtol=rtol, what="state[0] (reset_after=True)")


@grades(GRU, en="with a diagonal W_hh the book's GRU equals nn.GRU",
        zh="W_hh 为对角矩阵时，书中的 GRU 与 nn.GRU 相同")
def test_gru_diagonal(student, gen, device):
    inputs, state, params = _case(gen, torch.float64, device)
    params[7] = torch.diag(torch.randn(H_, generator=gen, dtype=torch.float64)).to(device)
    out, new_state = student.call("gru_forward", inputs, state, params)
    expected_out, expected_h = _nn_gru(inputs, state, params)
    expect_close(out, expected_out, rtol=1e-6, what="outputs (diagonal W_hh)")
    expect_close(new_state[0], expected_h, rtol=1e-6, what="state[0] (diagonal W_hh)")


@grades(GRU, en="the book's GRU (reset_after=False) matches the reference",
        zh="书中的 GRU（reset_after=False）与参考实现一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_gru_book_variant(student, gen, dtype, device):
    inputs, state, params = _case(gen, dtype, device)
    out, new_state = student.call("gru_forward", inputs, state, params)
    expected_out, (expected_h,) = ref.gru_forward(inputs, state, params)
    rtol = 1e-6 if dtype == torch.float64 else None
    expect_close(out, expected_out, rtol=rtol, what="outputs (reset_after=False)")
    expect_close(new_state[0], expected_h, rtol=rtol, what="state[0] (reset_after=False)")


# ------------------------------------------------------------------------------ gru_single_gate_forward (stretch)
ONE = "ch9.gru_single_gate_forward"


def _one_case(gen, dtype=torch.float64, device="cpu"):
    inputs, state, params = _case(gen, dtype, device)
    return inputs, state, params[3:]            # [W_x*, W_h*, b_*, W_xh, W_hh, b_h, W_hq, b_q]


def _full(params, gate, dtype, device):
    """gru_forward's params with the missing gate pinned (Z = 0 or R = 1)."""
    W_xg, W_hg, b_g, W_xh, W_hh, b_h, W_hq, b_q = params
    V, h = W_xg.shape
    zx, zh = torch.zeros(V, h, dtype=dtype, device=device), torch.zeros(h, h, dtype=dtype, device=device)
    if gate == "reset":        # no update gate: sigmoid(-1000) == 0 exactly
        gates = [zx, zh, torch.full((h,), -1000.0, dtype=dtype, device=device), W_xg, W_hg, b_g]
    else:                      # no reset gate: sigmoid(1000) == 1 exactly
        gates = [W_xg, W_hg, b_g, zx, zh, torch.full((h,), 1000.0, dtype=dtype, device=device)]
    return gates + [W_xh, W_hh, b_h, W_hq, b_q]


@grades(ONE, en="an unknown gate raises ValueError", zh="未知的门抛出 ValueError")
def test_one_bad_gate(student, gen):
    inputs, state, params = _one_case(gen)
    try:
        got = student.call("gru_single_gate_forward", inputs, state, params, "forget")
    except LearnerError as e:
        expect(e.type == "ValueError", what="gru_single_gate_forward(..., gate='forget')",
               expected="ValueError", got=e.type)
    else:
        expect(False, what="gru_single_gate_forward(..., gate='forget')", expected="ValueError", got=got)


@grades(ONE, en="'reset' with R = 1 is the plain RNN (nn.RNN)", zh="R = 1 时 'reset' 变体就是普通 RNN（nn.RNN）")
def test_one_plain_rnn(student, gen):
    inputs, state, params = _one_case(gen)
    params[0] = torch.zeros_like(params[0])
    params[1] = torch.zeros_like(params[1])
    params[2] = torch.full_like(params[2], 1000.0)
    out, (H,) = student.call("gru_single_gate_forward", inputs, state, params, "reset")
    W_xh, W_hh, b_h, W_hq, b_q = params[3:]
    rnn = nn.RNN(V_, H_).to(torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(W_xh.T)
        rnn.weight_hh_l0.copy_(W_hh.T)
        rnn.bias_ih_l0.copy_(b_h)
        rnn.bias_hh_l0.zero_()
        seq, h_n = rnn(inputs, state[0].unsqueeze(0))
    expect_close(out, seq.reshape(-1, H_) @ W_hq + b_q, rtol=1e-6, what="outputs ('reset', R = 1)")
    expect_close(H, h_n[0], rtol=1e-6, what="state[0] ('reset', R = 1)")


@grades(ONE, en="each variant equals the full GRU with the other gate pinned",
        zh="每个变体都等于另一个门被固定的完整 GRU")
@pytest.mark.parametrize("dtype", FLOATS)
def test_one_matches_full(student, gen, dtype, device):
    for gate in ("reset", "update"):
        inputs, state, params = _one_case(gen, dtype, device)
        out, (H,) = student.call("gru_single_gate_forward", inputs, state, params, gate)
        expected_out, (expected_h,) = ref.gru_forward(inputs, state, _full(params, gate, dtype, device))
        rtol = 1e-6 if dtype == torch.float64 else None
        expect_close(out, expected_out, rtol=rtol, what=f"outputs (gate={gate!r})")
        expect_close(H, expected_h, rtol=rtol, what=f"state[0] (gate={gate!r})")
