"""Grader for 8.4–8.5: perplexity, one_hot, rnn_forward, predict_ch8, grad_clipping."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.grading.api import (FLOATS, LearnerError, as_number, expect, expect_close, expect_equal,
                                grades, is_close, mistake_if, probes_for)

probes = probes_for(__file__)

PPL = "ch8.perplexity"
OH = "ch8.one_hot"
RNN = "ch8.rnn_forward"
PRED = "ch8.predict_ch8"
CLIP = "ch8.grad_clipping"
NEAR = {"rtol": 1e-6, "atol": 1e-9}  # how close a wrong answer must come to a mistake's to name it


def _nll(logits, targets):
    return -torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)


# ------------------------------------------------------------------------------ perplexity
@grades(PPL, en="a long sequence does not overflow", zh="长序列不会溢出")
def test_ppl_no_overflow(student, gen):
    N, V = 400, 20
    logits = torch.randn(N, V, generator=gen, dtype=torch.float64)
    targets = torch.randint(0, V, (N,), generator=gen)
    got = student.call("perplexity", logits, targets)
    nll = _nll(logits, targets)
    # exp of the summed loss is inf here (a NaN or an inf for another reason is another bug)
    mistake_if(isinstance(got, torch.Tensor) and got.numel() == 1
               and is_close(got.reshape(()), torch.exp(nll.sum()), **NEAR),
               "exp-of-summed-loss", what="perplexity of 400 tokens", got=got, expected=torch.exp(nll.mean()))
    expect_close(got, torch.exp(nll.mean()), what="perplexity of 400 tokens")


@grades(PPL, en="exponentiate the mean NLL (not the mean of per-token exp)",
        zh="对平均负对数似然取指数（而不是对每个词元取指数再平均）")
def test_ppl_mean_then_exp(student, gen):
    N, V = 12, 9
    logits = 2 * torch.randn(N, V, generator=gen, dtype=torch.float64)
    targets = torch.randint(0, V, (N,), generator=gen)
    got = student.call("perplexity", logits, targets)
    nll = _nll(logits, targets)
    scalar = got.reshape(()) if isinstance(got, torch.Tensor) and got.numel() == 1 else got
    mistake_if(is_close(scalar, torch.exp(nll).mean(), **NEAR), "mean-of-exp",
               what="perplexity(logits, targets)", got=got, expected=torch.exp(nll.mean()))
    expect_close(got, torch.exp(nll.mean()), what="perplexity(logits, targets)")


@grades(PPL, en="a batch (B, T, V): every token weighs the same",
        zh="批量输入 (B, T, V)：每个词元权重相同")
def test_ppl_token_weighted(student, gen):
    B, T, V = 3, 4, 6
    logits = 2 * torch.randn(B, T, V, generator=gen, dtype=torch.float64)
    targets = torch.randint(0, V, (B, T), generator=gen)
    got = student.call("perplexity", logits, targets)
    nll = _nll(logits, targets)
    scalar = got.reshape(()) if isinstance(got, torch.Tensor) and got.numel() == 1 else got
    mistake_if(is_close(scalar, torch.exp(nll.mean(dim=1)).mean(), **NEAR),
               "averaged-batch-perplexities", what="perplexity(logits (B, T, V), targets (B, T))",
               got=got, expected=torch.exp(nll.mean()))
    expect_close(got, torch.exp(F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))),
                 what="perplexity(logits (B, T, V), targets (B, T))")


@grades(PPL, en="uniform logits give V; a perfect model gives 1",
        zh="均匀的 logits 得到 V；完美的模型得到 1")
def test_ppl_fixed(student):
    V = 11
    targets = torch.tensor([3, 0, 10, 7, 7])
    got = student.call("perplexity", torch.zeros(5, V, dtype=torch.float64), targets)
    expect_close(got, torch.tensor(11.0, dtype=torch.float64), what="perplexity(uniform, V=11)")
    perfect = torch.full((5, V), -100.0, dtype=torch.float64)
    perfect[torch.arange(5), targets] = 100.0
    got = student.call("perplexity", perfect, targets)
    expect_close(got, torch.tensor(1.0, dtype=torch.float64), what="perplexity(perfect)")


@grades(PPL, en="matches exp(F.cross_entropy)", zh="与 exp(F.cross_entropy) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_ppl_random(student, gen, dtype, device):
    N, V = 17, 13
    logits = (3 * torch.randn(N, V, generator=gen, dtype=dtype)).to(device)
    targets = torch.randint(0, V, (N,), generator=gen).to(device)
    got = student.call("perplexity", logits, targets)
    expect_close(got, torch.exp(F.cross_entropy(logits, targets)), what="perplexity(logits, targets)")


@grades(PPL, en="large logits (numerically stable log-softmax)",
        zh="很大的 logits（数值稳定的 log-softmax）")
def test_ppl_stable(student, gen):
    N, V = 8, 5
    logits = torch.randn(N, V, generator=gen, dtype=torch.float64) + 1000.0
    targets = torch.randint(0, V, (N,), generator=gen)
    got = student.call("perplexity", logits, targets)
    expect_close(got, torch.exp(F.cross_entropy(logits, targets)), what="perplexity(logits + 1000)")


@grades(PPL, en="a range of 800 within each row: shift by the row's maximum (not its minimum)",
        zh="每行内部相差 800：减去每行的最大值（而不是最小值）")
def test_ppl_wide_rows(student, gen):
    N, V = 8, 5
    logits = torch.randn(N, V, generator=gen, dtype=torch.float64)
    logits[:, 0] += 800.0  # exp(800) overflows float64: only the max shift keeps it in range
    targets = torch.zeros(N, dtype=torch.int64)
    targets[1] = 3  # one unlikely token: perplexity about e^100, still finite
    got = student.call("perplexity", logits, targets)
    expect_close(got, torch.exp(F.cross_entropy(logits, targets)), what="perplexity(wide rows)")


@grades(PPL, en="rows near 0, −1000 and +1000: each row is shifted by its own maximum",
        zh="分别在 0、−1000 和 +1000 附近的行：每一行都减去它自己的最大值")
def test_ppl_row_scales(student, gen):
    N, V = 6, 5
    logits = torch.randn(N, V, generator=gen, dtype=torch.float64)
    logits[2:4] -= 1000.0   # exp underflows to 0 here when shifted by another row's maximum
    logits[4:] += 1000.0    # and overflows here without any shift
    targets = torch.randint(0, V, (N,), generator=gen)
    got = student.call("perplexity", logits, targets)
    shifted = logits - logits.max()
    global_max = torch.exp(-(shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True)))
                           .gather(1, targets[:, None]).mean())
    scalar = got.reshape(()) if isinstance(got, torch.Tensor) and got.numel() == 1 else got
    if is_close(scalar, global_max, **NEAR):
        # one constant shift is exact where nothing underflows (a shift per column is not):
        # proven when rows of one scale come out right
        moderate = logits[:2]
        right = student.call("perplexity", moderate, targets[:2])
        mistake_if(is_close(right, torch.exp(F.cross_entropy(moderate, targets[:2])), **NEAR),
                   "global-max", what="perplexity(rows of very different scale)",
                   got=got, expected=torch.exp(F.cross_entropy(logits, targets)))
    expect_close(got, torch.exp(F.cross_entropy(logits, targets)), what="perplexity(rows of very different scale)")


# ------------------------------------------------------------------------------ one_hot
@grades(OH, en="the width is num_classes, not X.max() + 1", zh="宽度是 num_classes，而不是 X.max() + 1")
def test_one_hot_width(student):
    X = torch.tensor([[0, 2], [1, 3]])
    got = student.call("one_hot", X, 10)
    mistake_if(isinstance(got, torch.Tensor) and got.dim() >= 1 and got.shape[-1] == 4,
               "num-classes-from-data", what="one_hot(X, 10).shape", got=tuple(got.shape), expected=(2, 2, 10))
    expect_equal(got, F.one_hot(X, 10), what="one_hot(X, 10)")


@grades(OH, en="the book's example: one_hot(X.T, 28) has shape (5, 2, 28)",
        zh="书中的例子：one_hot(X.T, 28) 的形状为 (5, 2, 28)")
def test_one_hot_book(student, device):
    X = torch.arange(10).reshape(2, 5).to(device)
    got = student.call("one_hot", X.T, 28)
    expect_equal(got, F.one_hot(X.T, 28), what="one_hot(X.T, 28)")


@grades(OH, en="random shapes match F.one_hot", zh="随机形状与 F.one_hot 一致")
def test_one_hot_random(student, gen, device):
    for shape, C in (((7,), 5), ((3, 4, 2), 9), ((), 3)):
        X = torch.randint(0, C, shape, generator=gen).to(device)
        got = student.call("one_hot", X, C)
        expect_equal(got, F.one_hot(X, C), what=f"one_hot(X of shape {shape}, {C})")


# ------------------------------------------------------------------------------ rnn_forward
T_, B_, V_, H_, Q_ = 6, 3, 5, 4, 7     # all different, so that transposes cannot pass


def _rnn_case(gen, dtype, device, T=T_, B=B_, V=V_, h=H_, q=Q_):
    inputs = torch.randn(T, B, V, generator=gen, dtype=dtype)
    H0 = 0.5 * torch.randn(B, h, generator=gen, dtype=dtype)
    params = [0.5 * torch.randn(V, h, generator=gen, dtype=dtype),
              0.5 * torch.randn(h, h, generator=gen, dtype=dtype),
              0.5 * torch.randn(h, generator=gen, dtype=dtype),
              0.5 * torch.randn(h, q, generator=gen, dtype=dtype),
              0.5 * torch.randn(q, generator=gen, dtype=dtype)]
    return inputs.to(device), (H0.to(device),), [p.to(device) for p in params]


def _nn_rnn(inputs, state, params):
    """The expected result: nn.RNN with the book's weights (bias_hh = 0), plus the output layer."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    V, h = W_xh.shape
    rnn = nn.RNN(V, h).to(device=inputs.device, dtype=inputs.dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(W_xh.T)
        rnn.weight_hh_l0.copy_(W_hh.T)
        rnn.bias_ih_l0.copy_(b_h)
        rnn.bias_hh_l0.zero_()
        out, h_n = rnn(inputs, state[0].unsqueeze(0))
    return out.reshape(-1, h) @ W_hq + b_q, h_n[0]


def _batch_major(inputs, state, params):
    """rnn_forward's outputs when the loop runs over dimension 1 (taken for time) instead of 0."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, outputs = state[0], []
    for t in range(inputs.shape[1]):
        H = torch.tanh(inputs[:, t, :] @ W_xh + H @ W_hh + b_h)
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0)


@grades(RNN, en="output (T*B, q) time-major, state returned as a 1-tuple",
        zh="输出形状为 (T*B, q)、按时间步排列，状态以单元素元组返回")
def test_rnn_shapes(student, gen):
    inputs, state, params = _rnn_case(gen, torch.float64, "cpu")
    try:
        got = student.call("rnn_forward", inputs, state, params)
    except LearnerError as e:
        # a shape error proves iterating over the batch axis when, with as many time steps as
        # examples, the learner's outputs are the batch-major ones
        if "must match the size" in e.message or "cannot be multiplied" in e.message:
            sq_inputs, sq_state, sq_params = _rnn_case(gen, torch.float64, "cpu", T=B_)
            try:
                square = student.call("rnn_forward", sq_inputs, sq_state, sq_params)
            except LearnerError:
                square = None
            mistake_if(isinstance(square, (tuple, list)) and len(square) == 2
                       and is_close(square[0], _batch_major(sq_inputs, sq_state, sq_params), **NEAR),
                       "batch-major-input", what="rnn_forward(inputs, state, params)",
                       got=f"{e.type}: {e.message}"[:200])
        raise
    expect(isinstance(got, (tuple, list)) and len(got) == 2, what="rnn_forward(...)",
           expected="(outputs, state)", got=got)
    out, new_state = got
    mistake_if(isinstance(out, torch.Tensor) and tuple(out.shape) == (B_, T_ * Q_), "cat-dim-1", what="outputs.shape",
               got=tuple(out.shape), expected=(T_ * B_, Q_))
    mistake_if(isinstance(new_state, torch.Tensor), "state-not-tuple", what="returned state", got=new_state,
               expected="(H,)")
    expect(isinstance(out, torch.Tensor) and tuple(out.shape) == (T_ * B_, Q_), what="outputs.shape",
           expected=(T_ * B_, Q_), got=tuple(out.shape) if isinstance(out, torch.Tensor) else out)
    expect(isinstance(new_state, (tuple, list)) and len(new_state) == 1
           and isinstance(new_state[0], torch.Tensor) and tuple(new_state[0].shape) == (B_, H_),
           what="state", expected=f"(H,) with H of shape {(B_, H_)}", got=new_state)


@grades(RNN, en="the hidden state is carried from step to step", zh="隐状态在时间步之间传递")
def test_rnn_carries_state(student, gen):
    inputs, state, params = _rnn_case(gen, torch.float64, "cpu")
    W_xh, W_hh, b_h, W_hq, b_q = params
    out, _ = student.call("rnn_forward", inputs, state, params)
    stale = torch.cat([torch.tanh(X @ W_xh + state[0] @ W_hh + b_h) @ W_hq + b_q for X in inputs])
    mistake_if(is_close(out, stale, **NEAR), "state-not-carried", what="outputs")


@grades(RNN, en="matches nn.RNN (bias_hh = 0) plus the output layer",
        zh="与 nn.RNN（bias_hh = 0）加输出层一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_rnn_matches_nn(student, gen, dtype, device):
    inputs, state, params = _rnn_case(gen, dtype, device)
    out, new_state = student.call("rnn_forward", inputs, state, params)
    expected_out, expected_h = _nn_rnn(inputs, state, params)
    rtol = 1e-6 if dtype == torch.float64 else None
    expect_close(out, expected_out, rtol=rtol, what="outputs")
    expect_close(new_state[0], expected_h, rtol=rtol, what="state[0]")


@grades(RNN, en="one time step, and one-hot inputs as in the book",
        zh="单个时间步，以及书中的独热输入")
def test_rnn_one_hot_inputs(student, gen):
    T, B, V, h, q = 1, 2, 28, 8, 28
    _, state, params = _rnn_case(gen, torch.float64, "cpu", T, B, V, h, q)
    inputs = F.one_hot(torch.randint(0, V, (T, B), generator=gen), V).to(torch.float64)
    out, new_state = student.call("rnn_forward", inputs, state, params)
    expected_out, expected_h = _nn_rnn(inputs, state, params)
    expect_close(out, expected_out, rtol=1e-6, what="outputs")
    expect_close(new_state[0], expected_h, rtol=1e-6, what="state[0]")


# ------------------------------------------------------------------------------ predict_ch8
CHARS = "abcdefghijk"           # the fake vocabulary: index i <-> CHARS[i]


def _fake_next(token: int, count: int, V: int) -> int:
    return (3 * token + 5 * count + 2) % V


def _expected_predict(prefix, num_preds):
    V = len(CHARS)
    outputs = [CHARS.index(prefix[0])]
    tokens_fed, count = [], 0
    for ch in prefix[1:]:
        tokens_fed.append(outputs[-1])
        count += 1
        outputs.append(CHARS.index(ch))
    for _ in range(num_preds):
        tokens_fed.append(outputs[-1])
        outputs.append(_fake_next(outputs[-1], count, V))
        count += 1
    return "".join(CHARS[i] for i in outputs), tokens_fed


def _warmup_predicted(prefix, num_preds):
    """The text when warm-up appends the net's predictions instead of the prefix characters."""
    V = len(CHARS)
    outputs = [CHARS.index(prefix[0])]
    for count in range(len(prefix) - 1 + num_preds):
        outputs.append(_fake_next(outputs[-1], count, V))
    return "".join(CHARS[i] for i in outputs)


@grades(PRED, en="returns len(prefix) + num_preds characters",
        zh="返回 len(prefix) + num_preds 个字符")
def test_predict_length(student, device):
    prefix, num_preds = "kiba", 6
    got = student.probe(probes.probe_predict, prefix, num_preds, device)
    text = got["text"]
    expect(isinstance(text, str), what="predict_ch8(...)", expected="a str", got=text)
    # the right text but its last character (one prediction too few, not a character lost
    # elsewhere)
    mistake_if(text == _expected_predict(prefix, num_preds)[0][:-1], "one-char-short",
               what="len(predict_ch8(...))", got=len(text), expected=len(prefix) + num_preds)
    expect_equal(len(text), len(prefix) + num_preds, what="len(predict_ch8(...))")


@grades(PRED, en="the prefix is kept as is (no predictions during warm-up)",
        zh="前缀保持不变（预热期间不做预测）")
def test_predict_keeps_prefix(student, device):
    prefix, num_preds = "kiba", 6
    text = student.probe(probes.probe_predict, prefix, num_preds, device)["text"]
    # the net's predictions appended during warm-up (and fed on), everything else right
    mistake_if(text == _warmup_predicted(prefix, num_preds), "predicted-during-warmup",
               what="the first len(prefix) characters", got=text[:len(prefix)], expected=prefix)
    expect(isinstance(text, str) and text[:len(prefix)] == prefix,
           what="the first len(prefix) characters", expected=prefix,
           got=text[:len(prefix)] if isinstance(text, str) else text)


@grades(PRED, en="net is called len(prefix) - 1 + num_preds times, each on the last token",
        zh="net 恰好被调用 len(prefix) - 1 + num_preds 次，每次输入最后一个词元")
def test_predict_calls(student, device):
    prefix, num_preds = "kiba", 6
    got = student.probe(probes.probe_predict, prefix, num_preds, device)
    calls = got["calls"]
    fed = [c["token"] for c in calls]
    first = CHARS.index(prefix[0])
    expected_n = len(prefix) - 1 + num_preds
    mistake_if(len(fed) == expected_n + 1 and fed[:2] == [first, first],
               "prefix-first-char-fed-twice", what="tokens fed to net", got=fed[:3], expected=_expected_predict(prefix, num_preds)[1][:3])
    expect_equal(len(fed), expected_n, what="number of net(X, state) calls")
    expect(all(c["shape"] == (1, 1) and c["dtype"] == "torch.int64" for c in calls),
           what="X passed to net", expected="int64 tensor of shape (1, 1)",
           got=[(c["shape"], c["dtype"]) for c in calls][:3])
    expect_equal(fed, _expected_predict(prefix, num_preds)[1], what="tokens fed to net")
    expect_equal(got["begin_state"], [1], what="the batch sizes of net.begin_state(...) calls")


@grades(PRED, en="greedy predictions, state passed along", zh="贪心预测，并传递状态")
def test_predict_text(student, device):
    for prefix, num_preds in (("kiba", 6), ("a", 5), ("hedge", 0), ("jk", 12)):
        got = student.probe(probes.probe_predict, prefix, num_preds, device)
        expect_equal(got["text"], _expected_predict(prefix, num_preds)[0],
                     what=f"predict_ch8({prefix!r}, {num_preds}, ...)")


# ------------------------------------------------------------------------------ grad_clipping
@grades(CLIP, en="parameters whose .grad is None are skipped", zh="跳过 .grad 为 None 的参数")
def test_clip_none_grad(student, device):
    grads = [torch.full((2, 3), 2.0, dtype=torch.float64), None, torch.ones(4, dtype=torch.float64)]
    try:
        got = student.probe(probes.probe_clip, grads, 1.0, "list", device)
    except LearnerError as e:
        # a NoneType error proves the mistake when the same parameters with every grad set work
        if "NoneType" in e.message:
            try:
                student.probe(probes.probe_clip, [g for g in grads if g is not None], 1.0, "list",
                              device)
                works = True
            except LearnerError:
                works = False
            mistake_if(works, "crash-on-none-grad", what="grad_clipping(params, 1.0)",
                       got=f"{e.type}: {e.message}"[:200])
        raise
    expect(got["grads"][1] is None, what="grad of the parameter without a gradient",
           expected=None, got=got["grads"][1])


@grades(CLIP, en="one norm over all parameters", zh="所有参数合起来只算一个范数")
def test_clip_global_norm(student, device):
    grads = [torch.tensor([3.0, 4.0], dtype=torch.float64),
             torch.tensor([[0.0, 6.0], [8.0, 0.0]], dtype=torch.float64)]
    got = student.probe(probes.probe_clip, grads, 1.0, "list", device)
    after = [g.double() for g in got["grads"]]
    total = math.sqrt(sum(float((g * g).sum()) for g in after))
    each = [float(g.norm()) for g in after]
    mistake_if(abs(total - math.sqrt(2)) < 1e-6 and all(abs(e - 1.0) < 1e-6 for e in each),
               "per-tensor-norm", what="global norm after clipping", got=total, expected=1.0)


@grades(CLIP, en="gradients are rescaled, not clamped elementwise", zh="梯度按比例缩放，而不是逐元素截断")
def test_clip_not_clamped(student, device):
    grads = [torch.tensor([3.0, 0.5, -2.0], dtype=torch.float64)]
    got = student.probe(probes.probe_clip, grads, 1.0, "list", device)
    g = got["grads"][0]
    mistake_if(isinstance(g, torch.Tensor) and torch.equal(g.cpu(), grads[0].clamp(-1.0, 1.0)),
               "value-clamping", what="grad after clipping", got=g, expected=grads[0] / grads[0].norm())


@grades(CLIP, en="gradients below theta are left unchanged", zh="范数小于 theta 时梯度保持不变")
def test_clip_below_theta(student, device):
    grads = [torch.tensor([0.3, -0.4], dtype=torch.float64), torch.zeros(2, 2, dtype=torch.float64)]
    got = student.probe(probes.probe_clip, grads, 1.0, "list", device)
    changed = any(not torch.equal(g.cpu(), e) for g, e in zip(got["grads"], grads))
    mistake_if(changed, "rescaled-below-theta", what="grads below theta", got=got["grads"][0], expected=grads[0])
    norm = as_number(got["norm"])
    expect(norm is not None and abs(norm - 0.5) < 1e-9, what="returned norm", expected=0.5,
           got=got["norm"])


@grades(CLIP, en="matches clip_grad_norm_ (module, .params and list; above and below theta)",
        zh="与 clip_grad_norm_ 一致（模块、.params 和列表；高于和低于 theta）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_clip_matches_torch(student, gen, dtype, device):
    for kind, theta in (("module", 1.0), ("params", 0.5), ("list", 100.0), ("list", 2.0)):
        grads = [torch.randn(4, 3, generator=gen, dtype=dtype), torch.randn(3, generator=gen, dtype=dtype),
                 torch.randn(2, 5, generator=gen, dtype=dtype)]
        got = student.probe(probes.probe_clip, grads, theta, kind, device)
        ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = g.clone().to(device)
        expected_norm = torch.nn.utils.clip_grad_norm_(ps, theta)
        norm = as_number(got["norm"])
        expect(norm is not None and math.isclose(norm, float(expected_norm), rel_tol=1e-5),
               what=f"returned norm ({kind}, theta={theta})", expected=float(expected_norm),
               got=got["norm"])
        for g, p in zip(got["grads"], ps):
            expect_close(g, p.grad, rtol=1e-5, atol=1e-7, what=f"grad after clipping ({kind}, theta={theta})")


@grades(CLIP, en="no parameter has a gradient: the norm is a 0-d tensor 0",
        zh="没有参数有梯度：范数是 0 维张量 0")
def test_clip_no_grads(student, device):
    got = student.probe(probes.probe_clip, [None, None], 1.0, "list", device)
    norm = got["norm"]
    expect(isinstance(norm, torch.Tensor) and norm.dim() == 0 and float(norm) == 0.0,
           what="grad_clipping(params without gradients, 1.0)", expected="tensor(0.)", got=norm)


# ------------------------------------------------------------------------------ sharpen (stretch)
SH = "ch8.sharpen"


@grades(SH, en="the result is a distribution (sums to 1)", zh="结果是一个分布（和为 1）")
def test_sharpen_normalized(student, gen):
    p = torch.softmax(torch.randn(4, 6, generator=gen, dtype=torch.float64), dim=-1)
    got = student.call("sharpen", p, 2.0)
    mistake_if(is_close(got, p ** 2, **NEAR), "not-normalized", what="sharpen(p, 2.0)",
               got=got.sum(-1) if isinstance(got, torch.Tensor) else got, expected=torch.ones(4))
    expect_close(got.sum(-1), torch.ones(4, dtype=torch.float64), what="sharpen(p, 2.0).sum(-1)")


@grades(SH, en="alpha = 1 keeps p; zeros stay zero", zh="alpha = 1 时保持 p 不变；0 仍为 0")
def test_sharpen_fixed(student):
    p = torch.tensor([[0.5, 0.25, 0.25, 0.0], [0.1, 0.2, 0.3, 0.4]], dtype=torch.float64)
    expect_close(student.call("sharpen", p, 1.0), p, what="sharpen(p, 1.0)")
    expect_close(student.call("sharpen", p, 2.0),
                 torch.tensor([[2 / 3, 1 / 6, 1 / 6, 0.0], [0.01, 0.04, 0.09, 0.16]], dtype=torch.float64) /
                 torch.tensor([[1.0], [0.3]], dtype=torch.float64), what="sharpen(p, 2.0)")


@grades(SH, en="matches softmax(alpha * log p)", zh="与 softmax(alpha * log p) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_sharpen_random(student, gen, dtype, device):
    p = torch.softmax(torch.randn(2, 3, 7, generator=gen, dtype=dtype), dim=-1).to(device)
    for alpha in (0.3, 2.5, 10.0):
        expect_close(student.call("sharpen", p, alpha), torch.softmax(alpha * torch.log(p), dim=-1),
                     what=f"sharpen(p, {alpha})")


@grades(SH, en="a large alpha in float32 gives no nan", zh="float32 下很大的 alpha 不会得到 nan")
def test_sharpen_stable(student, gen):
    p = torch.softmax(torch.randn(3, 5, generator=gen, dtype=torch.float32), dim=-1)
    expect_close(student.call("sharpen", p, 200.0), torch.softmax(200.0 * torch.log(p), dim=-1),
                 what="sharpen(p, 200.0)")
