"""Grader for 9.7.4's training loop: train_epoch_seq2seq.

The learner's epoch runs in the child in lockstep with the reference's: the same small
encoder–decoder (`probes.Seq2Seq`, left in eval mode) built from the same state drawn from the
seed, the same minibatches of a toy translation set (source and target valid lengths that differ),
the book's masked loss and an optimizer (`training_probes.NormLoggingSGD`, torch.optim.SGD's
update, which notes the gradients' global norm at each zero_grad and step). Each minibatch's mean
sequence loss, the learner's and the reference's, is recorded as the exercise's loss curve. The
net's state must match the reference's after every step, then the loss per token. The catalogued
mistakes are named by what proves them: the net's mode and decoder input at each call, the valid
lengths the loss was given, the norm of the gradients the step used and after it, or a run that
follows the book's loop with the mistake.
"""
import torch

from d2lkit.grading.api import (as_number, expect, expect_close, expect_each_close, expect_equal,
                                grades, is_close, mistake_if, probes_for, record_series,
                                reference)

probes = probes_for(__file__)
ref = reference(__file__)

TRAIN = "ch9.train_epoch_seq2seq"
SHAPE = (9, 4, 5)  # vocab_size, embed_size, num_hiddens
BATCH, STEPS, BATCHES, BOS, LR = 4, 6, 3, 1, 0.1
LOCKSTEP = {"rtol": 1e-5, "atol": 1e-7}  # grad_clipping's 1/‖g‖ and clip_grad_norm_'s 1/(‖g‖+1e-6)
NEAR = {"rtol": 1e-5, "atol": 1e-7}      # how closely a run must follow a mistake's run to name it


def epoch_data(gen, device):
    """A net drawn from the seed and BATCHES minibatches (X, X_valid_len, Y, Y_valid_len) of
    random token ids 3 … 8 (0 … 2 are <pad>, <bos>, <eos>); no example has the same source and
    target valid length, so that the wrong one shows."""
    net = probes.Seq2Seq(*SHAPE).double()
    with torch.no_grad():
        for t in net.state_dict().values():
            t.copy_(torch.randn(t.shape, generator=gen, dtype=torch.float64) * 0.4)
    state_dict = {k: v.detach().clone().to(device) for k, v in net.state_dict().items()}
    batches = []
    for _ in range(BATCHES):
        X = torch.randint(3, SHAPE[0], (BATCH, STEPS), generator=gen)
        Y = torch.randint(3, SHAPE[0], (BATCH, STEPS), generator=gen)
        Y_len = torch.randint(2, STEPS + 1, (BATCH,), generator=gen)
        X_len = (Y_len - 2 + torch.randint(1, STEPS - 1, (BATCH,), generator=gen)) % (STEPS - 1) + 2
        batches.append(tuple(t.to(device) for t in (X, X_len, Y, Y_len)))
    return state_dict, batches


def mean_backward(net, data_iter, loss, optimizer, bos_idx, device):
    """The book's loop with the mean of the sequence losses backpropagated instead of their sum."""
    net.train()
    loss_sum, tokens = 0.0, 0
    for X, X_valid_len, Y, Y_valid_len in data_iter:
        bos = torch.full((Y.shape[0], 1), bos_idx, dtype=Y.dtype, device=Y.device)
        optimizer.zero_grad()
        Y_hat, _ = net(X, torch.cat([bos, Y[:, :-1]], 1), X_valid_len)
        l = loss(Y_hat, Y, Y_valid_len)
        l.mean().backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1)
        optimizer.step()
        loss_sum += float(l.detach().sum())
        tokens += int(Y_valid_len.sum())
    return loss_sum / tokens


def follows(got, other, **tolerance) -> bool:
    return len(got["steps"]) == len(other["steps"]) and all(
        set(a) == set(b) and all(is_close(a[k], b[k], **tolerance) for k in b)
        for a, b in zip(got["steps"], other["steps"]))


@grades(TRAIN, en="a toy translation set: train mode, <bos> + Y[:, :-1] as the decoder input, the "
                  "masked loss with the target's valid lengths, summed, clipped before each step, "
                  "in lockstep with the reference; the loss per token",
        zh="玩具翻译数据集：训练模式，解码器输入为 <bos> + Y[:, :-1]，用目标序列有效长度的遮蔽损失"
           "求和，每次 step 之前裁剪梯度，每一步都与参考实现一致；返回每个词元的损失")
def test_epoch(student, gen, device):
    state_dict, batches = epoch_data(gen, device)
    args = (SHAPE, state_dict, batches, LR, BOS)
    got = student.probe(probes.probe_train_epoch, *args)
    expected = probes.run_epoch(ref.train_epoch_seq2seq, *args)
    record_series(student, "loss", got.get("losses"), expected["losses"])
    modes = [c["training"] for c in got["calls"]]
    mistake_if(bool(modes) and not any(modes), "trained-in-eval-mode",
               what="net.training during the forward calls", expected="True: call net.train() first",
               got=modes)
    for call, (X, X_len, Y, Y_len) in zip(got["calls"], batches):
        mistake_if(is_close(call["dec_X"], Y), "decoder-input-is-label",
                   what="the decoder's input", expected="<bos> followed by Y[:, :-1]",
                   got="Y itself: the decoder sees the token it must predict")
    for lens, (X, X_len, Y, Y_len) in zip(got["loss_lens"], batches):
        mistake_if(is_close(lens, X_len) and not is_close(lens, Y_len), "wrong-valid-len",
                   what="the valid lengths given to the loss", expected=Y_len.tolist(),
                   got=f"{lens.tolist()}: the source's, X_valid_len")
    log = got["log"]
    for k, (event, norm) in enumerate(log):
        later = next((n for e, n in log[k + 1:] if e == "zero_grad"), None)
        if event != "step" or norm <= 1 + 1e-5 or later is None:
            continue
        mistake_if(later < norm - 1e-6 and later <= 1 + 1e-5, "clip-after-step",
                   what="the gradients' norm when step() used them",
                   expected="≤ 1: clip between backward() and step()",
                   got=f"{norm:.4g}, clipped to {later:.4g} only after the step")
    other = probes.run_epoch(mean_backward, *args)
    mistake_if(follows(got, other, **NEAR) and not follows(other, expected), "mean-loss-backward",
               what="the net's state after every step")
    expect_equal(len(got["steps"]), len(expected["steps"]), what="updates in the epoch")
    total = len(expected["steps"])
    for k, (g, e) in enumerate(zip(got["steps"], expected["steps"])):
        expect_each_close(g, e, what=f"the net's state after step {k + 1}/{total}", **LOCKSTEP)
    value = as_number(got["result"])
    expect(value is not None, what="train_epoch_seq2seq(...)", expected="the loss per token, a float",
           got=repr(got["result"])[:80])
    expect_close(torch.tensor(value, dtype=torch.float64),
                 torch.tensor(expected["result"], dtype=torch.float64), rtol=1e-5,
                 what="the loss per token")
