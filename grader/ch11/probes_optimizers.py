"""Probes of test_optimizers.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution. `train_ch11`, `flat` and `like` are
used by the grader as well, so that the learner's run and every expected run go through one loop.
"""
import torch


def flat(states) -> list:
    """The tensors of a (nested) tuple or list of states, in order: ((v_w, s_w), (v_b, s_b)) gives
    [v_w, s_w, v_b, s_b]."""
    if isinstance(states, torch.Tensor):
        return [states]
    return [t for s in states for t in flat(s)]


def like(states, p):
    """`states` in p's dtype and on p's device, nested as they were: init_*_states makes float32
    zeros, as the book does, and the loop trains in the parameters' dtype."""
    if isinstance(states, torch.Tensor):
        return states.to(dtype=p.dtype, device=p.device)
    return type(states)(like(s, p) for s in states)


def train_ch11(update, states, w, b, batches, hyperparams, loss_scale=1.0) -> dict:
    """The book's train_ch11 (11.5), one pass over `batches`: per minibatch the squared loss's mean
    (times `loss_scale`), backward, then `update([w, b], states, hyperparams)`. After each update
    it records [w, b, *states], hyperparams['t'] and whether both gradients were left at zero."""
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    hyperparams = dict(hyperparams)
    run = {"steps": [], "t": [], "zeroed": []}
    for X, y in batches:
        loss = ((X @ w + b - y) ** 2 / 2).mean() * loss_scale
        loss.backward()
        update([w, b], states, hyperparams)
        run["steps"].append([w.detach().clone(), b.detach().clone()]
                            + [s.detach().clone() for s in flat(states)])
        run["t"].append(hyperparams.get("t"))
        run["zeroed"].append(all(p.grad is None or not bool(p.grad.any()) for p in (w, b)))
    return run


def probe_train_ch11(mod, init, update, w, b, batches, hyperparams, loss_scale=1.0):
    """train_ch11 with the learner's `init`(feature_dim) states and `update`."""
    states = like(getattr(mod, init)(w.shape[0]), w)
    return train_ch11(getattr(mod, update), states, w, b, batches, hyperparams, loss_scale)
