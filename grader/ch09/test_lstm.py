"""Grader for 9.2: lstm_forward."""
import pytest
import torch
from torch import nn

from d2lkit.grading.api import FLOATS, expect, expect_close, grades, is_close, mistake_if

LSTM = "ch9.lstm_forward"
T_, B_, V_, H_, Q_ = 6, 3, 5, 4, 7     # all different, so that transposes cannot pass
NEAR = {"rtol": 1e-6, "atol": 1e-8}  # how close a wrong answer must come to a mistake's to name it


def _case(gen, dtype=torch.float64, device="cpu"):
    inputs = torch.randn(T_, B_, V_, generator=gen, dtype=dtype)
    H0 = 0.5 * torch.randn(B_, H_, generator=gen, dtype=dtype)
    C0 = torch.randn(B_, H_, generator=gen, dtype=dtype)
    shapes = [(V_, H_), (H_, H_), (H_,)] * 4 + [(H_, Q_), (Q_,)]
    params = [0.6 * torch.randn(*s, generator=gen, dtype=dtype) for s in shapes]
    return inputs.to(device), (H0.to(device), C0.to(device)), [p.to(device) for p in params]


def _variant(inputs, state, params, tanh_on_cell=True, carry_cell=True):
    """The LSTM, optionally with a catalogued mistake (computed in the supervisor)."""
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q = params
    H, C = state
    C0 = C
    outs = []
    for X in inputs:
        I = torch.sigmoid(X @ W_xi + H @ W_hi + b_i)
        F = torch.sigmoid(X @ W_xf + H @ W_hf + b_f)
        O = torch.sigmoid(X @ W_xo + H @ W_ho + b_o)
        Ct = torch.tanh(X @ W_xc + H @ W_hc + b_c)
        C = F * (C if carry_cell else C0) + I * Ct
        H = O * (torch.tanh(C) if tanh_on_cell else C)
        outs.append(H @ W_hq + b_q)
    return torch.cat(outs, dim=0), H, C


def _nn_lstm(inputs, state, params):
    """nn.LSTM with PyTorch's gate order (i, f, g, o) and bias_hh = 0."""
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q = params
    V, h = W_xi.shape
    lstm = nn.LSTM(V, h).to(device=inputs.device, dtype=inputs.dtype)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.cat([W_xi.T, W_xf.T, W_xc.T, W_xo.T]))
        lstm.weight_hh_l0.copy_(torch.cat([W_hi.T, W_hf.T, W_hc.T, W_ho.T]))
        lstm.bias_ih_l0.copy_(torch.cat([b_i, b_f, b_c, b_o]))
        lstm.bias_hh_l0.zero_()
        out, (h_n, c_n) = lstm(inputs, (state[0].unsqueeze(0), state[1].unsqueeze(0)))
    return out.reshape(-1, h) @ W_hq + b_q, h_n[0], c_n[0]


@grades(LSTM, en="output (T*B, q) time-major, state returned as (H, C)",
        zh="输出形状为 (T*B, q)、按时间步排列，状态以 (H, C) 返回")
def test_lstm_shapes(student, gen):
    inputs, state, params = _case(gen)
    got = student.call("lstm_forward", inputs, state, params)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what="lstm_forward(...)",
           expected="(outputs, (H, C))", got=got)
    out, new_state = got
    expect(isinstance(out, torch.Tensor) and tuple(out.shape) == (T_ * B_, Q_), what="outputs.shape",
           expected=(T_ * B_, Q_), got=tuple(out.shape) if isinstance(out, torch.Tensor) else out)
    expect(isinstance(new_state, (tuple, list)) and len(new_state) == 2
           and all(isinstance(s, torch.Tensor) and tuple(s.shape) == (B_, H_) for s in new_state),
           what="state", expected=f"(H, C), both of shape {(B_, H_)}", got=new_state)


@grades(LSTM, en="the state is returned in the order (H, C)", zh="状态按 (H, C) 的顺序返回")
def test_lstm_state_order(student, gen):
    inputs, state, params = _case(gen)
    _, (s0, s1) = student.call("lstm_forward", inputs, state, params)
    _, H, C = _variant(inputs, state, params)
    mistake_if(is_close(s0, C, **NEAR) and is_close(s1, H, **NEAR), "state-swapped",
               what="lstm_forward(...)[1]", got="(C, H)", expected="(H, C)")


@grades(LSTM, en="H = O * tanh(C)", zh="H = O * tanh(C)")
def test_lstm_tanh_on_cell(student, gen):
    inputs, state, params = _case(gen)
    out, _ = student.call("lstm_forward", inputs, state, params)
    wrong, _, _ = _variant(inputs, state, params, tanh_on_cell=False)
    mistake_if(is_close(out, wrong, **NEAR), "no-tanh-on-cell", what="lstm_forward(...)[0]")


@grades(LSTM, en="the memory cell is carried from step to step", zh="记忆元在时间步之间传递")
def test_lstm_cell_carried(student, gen):
    inputs, state, params = _case(gen)
    out, _ = student.call("lstm_forward", inputs, state, params)
    wrong, _, _ = _variant(inputs, state, params, carry_cell=False)
    mistake_if(is_close(out, wrong, **NEAR), "cell-not-carried", what="lstm_forward(...)[0]")


@grades(LSTM, en="matches nn.LSTM (gate order i, f, g, o; bias_hh = 0)",
        zh="与 nn.LSTM 一致（门的顺序 i, f, g, o；bias_hh = 0）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_lstm_matches_nn(student, gen, dtype, device):
    inputs, state, params = _case(gen, dtype, device)
    out, (H, C) = student.call("lstm_forward", inputs, state, params)
    expected_out, expected_h, expected_c = _nn_lstm(inputs, state, params)
    rtol = 1e-6 if dtype == torch.float64 else None
    expect_close(out, expected_out, rtol=rtol, what="outputs")
    expect_close(H, expected_h, rtol=rtol, what="state[0] (H)")
    expect_close(C, expected_c, rtol=rtol, what="state[1] (C)")


@grades(LSTM, en="one time step, zero initial state", zh="单个时间步，初始状态为零")
def test_lstm_one_step(student, gen):
    inputs, state, params = _case(gen)
    inputs = inputs[:1]
    state = (torch.zeros_like(state[0]), torch.zeros_like(state[1]))
    out, (H, C) = student.call("lstm_forward", inputs, state, params)
    expected_out, expected_h, expected_c = _nn_lstm(inputs, state, params)
    expect_close(out, expected_out, rtol=1e-6, what="outputs (T = 1)")
    expect_close(H, expected_h, rtol=1e-6, what="state[0] (H)")
    expect_close(C, expected_c, rtol=1e-6, what="state[1] (C)")
