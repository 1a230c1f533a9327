"""Grader for 8.5's training loop: train_epoch_ch8.

The learner's epoch runs in the child in lockstep with the reference's: the same RNNModel (8.6,
around nn.RNN for a tensor state or nn.LSTM for a tuple state) built from the same state drawn
from the seed, the same minibatches of a random corpus cut by sequential partitioning, the same
optimizer (`training_probes.NormLoggingSGD`, torch.optim.SGD's update, which notes the gradients'
global norm at each zero_grad and step). Each minibatch's loss, the learner's and the reference's,
is recorded as the exercise's loss curve. The net's state must match the reference's after every
step, then the perplexity. The catalogued mistakes are named by what proves them: the number of
begin_state calls, the norm of the gradients the step used and whether they were clipped
afterwards, autograd's error when a state was not detached, or a run that follows the book's loop
with the mistake in it.
"""
import math

import torch

from d2lkit.grading.api import (as_number, expect, expect_close, expect_each_close, expect_equal,
                                grades, is_close, mistake_if, mistake_on_error, probes_for,
                                record_series, reference)

probes = probes_for(__file__)
ref = reference(__file__)

TRAIN = "ch8.train_epoch_ch8"
VOCAB, HIDDENS, BATCH, STEPS, BATCHES = 7, 6, 3, 5, 4
LR = 0.1
LOCKSTEP = {"rtol": 1e-5, "atol": 1e-7}  # grad_clipping's 1/‖g‖ and clip_grad_norm_'s 1/(‖g‖+1e-6)
NEAR = {"rtol": 1e-5, "atol": 1e-7}      # how closely a run must follow a mistake's run to name it


def epoch_data(gen, kind, device):
    """A net drawn from the seed (weights large enough that the gradients' norm passes 1, so that
    clipping matters) and BATCHES minibatches of (BATCH, STEPS) cut from a random corpus by
    sequential partitioning (8.3.4.2): row i of a minibatch continues row i of the previous one."""
    net = probes.make_net(kind, VOCAB, HIDDENS).double()
    with torch.no_grad():
        for t in net.state_dict().values():
            t.copy_(torch.randn(t.shape, generator=gen, dtype=torch.float64) * 1.5)
    state_dict = {k: v.detach().clone().to(device) for k, v in net.state_dict().items()}
    corpus = torch.randint(0, VOCAB, (1 + BATCH * STEPS * BATCHES,), generator=gen)
    Xs, Ys = corpus[:-1].reshape(BATCH, -1), corpus[1:].reshape(BATCH, -1)
    batches = [(Xs[:, i * STEPS:(i + 1) * STEPS].to(device), Ys[:, i * STEPS:(i + 1) * STEPS].to(device))
               for i in range(BATCHES)]
    return state_dict, batches


def train_with(mistake):
    """The book's train_epoch_ch8 with one catalogued mistake in it (those that only a run's
    numbers show)."""
    def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter):
        state, losses, sizes = None, [], []
        for X, Y in train_iter:
            if state is None or use_random_iter:
                state = net.begin_state(batch_size=X.shape[0], device=device)
            elif isinstance(state, torch.Tensor):
                state.detach_()
            else:
                for s in state:
                    s.detach_()
            y = Y.reshape(-1) if mistake == "y-not-time-major" else Y.T.reshape(-1)
            y_hat, state = net(X, state)
            l = loss(y_hat, y.long())
            updater.zero_grad()
            l.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1)
            updater.step()
            losses.append(float(l.detach()))
            sizes.append(y.numel())
        if mistake == "mean-of-batch-perplexities":
            return sum(math.exp(v) for v in losses) / len(losses)
        return math.exp(sum(v * k for v, k in zip(losses, sizes)) / sum(sizes))
    return train_epoch_ch8


def follows(got, other, **tolerance) -> bool:
    return len(got["steps"]) == len(other["steps"]) and all(
        set(a) == set(b) and all(is_close(a[k], b[k], **tolerance) for k in b)
        for a, b in zip(got["steps"], other["steps"]))


def check_epoch(student, gen, device, kind, use_random_iter):
    state_dict, batches = epoch_data(gen, kind, device)
    args = (kind, (VOCAB, HIDDENS), state_dict, batches, LR, use_random_iter)
    # backward through the previous minibatch's graph: a state carried on without being detached
    # (sequential), or carried on at all (random sampling)
    with mistake_on_error("state-kept-across-random-batches" if use_random_iter
                          else "state-not-detached", match="backward through the graph a second time"):
        got = student.probe(probes.probe_train_epoch, *args)
    expected = probes.run_epoch(ref.train_epoch_ch8, *args)
    record_series(student, "loss", got.get("losses"), expected["losses"])
    if use_random_iter:
        mistake_if(got["begins"] == 1 < len(batches), "state-kept-across-random-batches",
                   what="net.begin_state calls in the epoch",
                   expected=f"{len(batches)}: a fresh state at every minibatch (random sampling)",
                   got=got["begins"])
    else:
        mistake_if(got["begins"] == len(batches) > 1, "state-reset-every-batch",
                   what="net.begin_state calls in the epoch",
                   expected="1: sequential minibatches carry the state on (detached)",
                   got=got["begins"])
    expect_equal(got["begins"], expected["begins"], what="net.begin_state calls in the epoch")
    log = got["log"]
    for k, (event, norm) in enumerate(log):
        if event != "step" or norm <= 1 + 1e-5:
            continue
        later = next((n for e, n in log[k + 1:] if e == "zero_grad"), None)
        if later is None:  # the last step: nothing shows what happened to its gradients after
            continue
        mistake_if(later < norm - 1e-6 and later <= 1 + 1e-5,
                   "clip-after-step", what="the gradients' norm when step() used them",
                   expected="≤ 1: clip between backward() and step()",
                   got=f"{norm:.4g}, clipped to {later:.4g} only after the step")
        # unchanged after the step, and above 2: not clipped at 1, nor at a threshold twice too big
        mistake_if(norm > 2 and abs(later - norm) <= 1e-9 * norm, "gradients-not-clipped",
                   what="the gradients' norm when step() used them",
                   expected="≤ 1: clip them to norm 1 before the step", got=f"{norm:.4g}")
    other = probes.run_epoch(train_with("y-not-time-major"), *args)
    mistake_if(follows(got, other, **NEAR) and not follows(other, expected), "y-not-time-major",
               what="the net's state after every step")
    expect_equal(len(got["steps"]), len(expected["steps"]), what="updates in the epoch")
    total = len(expected["steps"])
    for k, (g, e) in enumerate(zip(got["steps"], expected["steps"])):
        expect_each_close(g, e, what=f"the net's state after step {k + 1}/{total}", **LOCKSTEP)
    ppl = as_number(got["result"])
    expect(ppl is not None, what="train_epoch_ch8(...)", expected="the perplexity, a float",
           got=repr(got["result"])[:80])
    wrong = probes.run_epoch(train_with("mean-of-batch-perplexities"), *args)["result"]
    mistake_if(abs(ppl - wrong) <= 1e-6 * wrong and abs(wrong - expected["result"]) > 1e-6,
               "mean-of-batch-perplexities", what="the perplexity",
               expected=expected["result"], got=ppl)
    expect_close(torch.tensor(ppl, dtype=torch.float64),
                 torch.tensor(expected["result"], dtype=torch.float64), rtol=1e-5,
                 what="the perplexity")


@grades(TRAIN, en="sequential partitioning, an RNN (a tensor state): one begin_state, the state "
                  "detached between minibatches, gradients clipped before each step, in lockstep "
                  "with the reference; the perplexity over all tokens",
        zh="顺序分区、RNN（状态是一个张量）：只调用一次 begin_state，小批量之间分离状态，每次 step "
           "之前裁剪梯度，每一步都与参考实现一致；返回所有词元上的困惑度")
def test_sequential_rnn(student, gen, device):
    check_epoch(student, gen, device, "rnn", False)


@grades(TRAIN, en="sequential partitioning, an LSTM (a tuple state (H, C)): every tensor of the "
                  "state detached",
        zh="顺序分区、LSTM（状态是元组 (H, C)）：状态中的每个张量都要分离")
def test_sequential_lstm(student, gen, device):
    check_epoch(student, gen, device, "lstm", False)


@grades(TRAIN, en="random sampling: a fresh state at every minibatch",
        zh="随机抽样：每个小批量都从新的状态开始")
def test_random_rnn(student, gen, device):
    check_epoch(student, gen, device, "rnn", True)
