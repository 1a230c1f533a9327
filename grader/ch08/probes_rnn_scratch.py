"""Probes of test_rnn_scratch.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch
from torch import nn

from d2lkit.grading.probes import TokenVocab


def probe_predict(mod, prefix, num_preds, device):
    """Run the learner's predict_ch8 with a deterministic fake net and vocabulary."""
    chars = "abcdefghijk"
    V = len(chars)
    calls, states = [], []

    class FakeNet:
        def begin_state(self, batch_size=1, device=None):
            states.append(batch_size)
            return (torch.zeros(batch_size, 1, dtype=torch.int64, device=device),)

        def __call__(self, X, state):
            token = int(X.reshape(-1)[0])
            count = int(state[0].reshape(-1)[0])
            calls.append({"token": token, "shape": tuple(X.shape), "dtype": str(X.dtype)})
            nxt = (3 * token + 5 * count + 2) % V
            logits = torch.linspace(-1.0, 0.0, V, device=X.device).reshape(1, V)
            logits[0, nxt] = 5.0
            return logits, (state[0] + 1,)

    text = mod.predict_ch8(prefix, num_preds, FakeNet(), TokenVocab(chars), device)
    return {"text": text, "calls": calls, "begin_state": states}


def probe_clip(mod, grads, theta, kind="list", device="cpu"):
    """Give tensors these grads (None: no grad), clip with the learner's code, return the result."""
    params = []
    for g in grads:
        p = torch.zeros(g.shape if g is not None else (3,), dtype=g.dtype if g is not None else torch.float64,
                        device=device, requires_grad=True)
        if g is not None:
            p.grad = g.clone().to(device)
        params.append(p)
    if kind == "module":
        net = nn.Module()
        net.ps = nn.ParameterList([nn.Parameter(p.detach().clone()) for p in params])
        for p, q in zip(params, net.ps):
            q.grad = None if p.grad is None else p.grad.clone()
        params = list(net.ps)
    elif kind == "params":
        class Scratch:
            pass
        net = Scratch()
        net.params = params
    else:
        net = params
    norm = mod.grad_clipping(net, theta)
    return {"norm": norm, "grads": [None if p.grad is None else p.grad.detach() for p in params]}
