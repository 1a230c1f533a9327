"""Probes shared by every grader. They run in the child, next to the learner's module.

A grader's own probes live in `grader/chNN/probes_<topic>.py` (see `api.probes_for`).
"""

from __future__ import annotations

import torch
from torch import nn


def probe_module(mod, name, args, kwargs, state_dict, inputs, train, backward, dtype, strict, device):
    """Build mod.<name>(*args, **kwargs), optionally load a state_dict, run forward (and backward),
    and describe the result as data (see AUTHORING.md, `student.module`)."""
    made = getattr(mod, name)(*args, **kwargs)
    if isinstance(made, (list, tuple)) and all(isinstance(m, nn.Module) for m in made):
        made = nn.Sequential(*made)
    net: nn.Module = made
    net = net.to(device=device, dtype=dtype)
    if state_dict is not None:
        net.load_state_dict(state_dict, strict=strict)
    net.train(train)
    xs = []
    for x in inputs:
        if isinstance(x, torch.Tensor) and x.is_floating_point() and backward:
            x = x.detach().clone().requires_grad_(True)
        xs.append(x)
    out = net(*xs) if xs else None
    if backward and out is not None:
        outs = out if isinstance(out, (tuple, list)) else (out,)
        loss = sum(o.sum() for o in outs if isinstance(o, torch.Tensor) and o.is_floating_point())
        loss.backward()
    params = {id(p): p for p in net.parameters() if p.requires_grad}
    # a tensor attribute, however the learner made it: plain, a registered buffer (the book's
    # PositionalEncoding could keep P either way) or a parameter (nn.Module keeps the last two
    # apart from the instance dict, where vars() does not look)
    tensors = {**vars(net), **dict(net.named_buffers(recurse=False)),
               **dict(net.named_parameters(recurse=False))}
    attrs = {k: v.detach() for k, v in tensors.items() if isinstance(v, torch.Tensor)}
    return {
        "type": type(net).__name__,
        "children": [(n, type(m).__name__) for n, m in net.named_children()],
        "state_dict_keys": list(net.state_dict().keys()),
        "num_params": sum(p.numel() for p in params.values()),
        "output": _detach(out),
        "grads": {n: p.grad.detach() for n, p in net.named_parameters() if p.grad is not None},
        "input_grads": [x.grad.detach() if isinstance(x, torch.Tensor) and x.grad is not None else None
                        for x in xs],
        "state_dict": {k: v.detach() for k, v in net.state_dict().items()},
        "attrs": attrs,
    }


def _detach(x):
    if isinstance(x, torch.Tensor):
        return x.detach()
    if isinstance(x, (list, tuple)):
        return type(x)(_detach(v) for v in x)
    return x


def probe_train_then_eval(mod, name, args, state_dict, X):
    """Build mod.<name>(*args), load state_dict, run one forward in train mode (updating any
    running statistics), then one in eval mode: how BatchNorm-bearing modules are compared."""
    net = getattr(mod, name)(*args)
    if isinstance(net, (list, tuple)):
        net = nn.Sequential(*net)
    net = net.to(device=X.device, dtype=X.dtype)
    net.load_state_dict(state_dict)
    net.train()
    with torch.no_grad():
        y_train = net(X)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    net.eval()
    with torch.no_grad():
        y_eval = net(X)
    return {"train": y_train, "state": state, "eval": y_eval}


def probe_calls(mod, name: str, calls):
    """Several calls of the learner's `name` in one request, `calls` being [(args, kwargs), ...];
    returns their results in order: `student.probe(probe_calls, "pool2d", calls)` tries many
    small cases in one round trip."""
    return [getattr(mod, name)(*args, **kwargs) for args, kwargs in calls]


class TokenVocab:
    """A vocabulary over a fixed list of tokens with the book's `Vocab` interface (8.2.3):
    `len`, `vocab[token]` or `vocab[tokens]` (an unknown token is index 0), `to_tokens`, `unk`.
    Probes hand it to learner code that expects a vocabulary."""

    def __init__(self, idx_to_token):
        self.idx_to_token = list(idx_to_token)
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self[t] for t in tokens]
        return self.token_to_idx.get(tokens, 0)

    def to_tokens(self, indices):
        if isinstance(indices, (list, tuple)):
            return [self.idx_to_token[int(i)] for i in indices]
        return self.idx_to_token[int(indices)]

    @property
    def unk(self):
        return 0
