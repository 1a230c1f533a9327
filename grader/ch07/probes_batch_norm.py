"""Probes of test_batch_norm.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_batch_norm_grads(mod, X, gamma, beta, mm, mv, W, training):
    X, gamma, beta = (t.clone().requires_grad_() for t in (X, gamma, beta))
    Y, nm, nv = mod.batch_norm(X, gamma, beta, mm, mv, 1e-5, 0.9, training)
    (Y * W).sum().backward()
    return {"X": X.grad, "gamma": gamma.grad, "beta": beta.grad,
            "nm_requires_grad": bool(nm.requires_grad), "nv_requires_grad": bool(nv.requires_grad)}


def probe_modes(mod, num_dims, X):
    """Eval mode with autograd on, and train mode under no_grad: the mode must follow .training."""
    m = mod.BatchNorm(X.shape[1], num_dims).to(device=X.device, dtype=X.dtype)
    m.eval()
    with torch.enable_grad():
        y_eval = m(X).detach()
    eval_state = {k: v.clone() for k, v in m.state_dict().items()}
    m.train()
    with torch.no_grad():
        y_train = m(X).detach()
    return {"eval": y_eval, "train": y_train, "eval_state": eval_state,
            "train_state": {k: v.clone() for k, v in m.state_dict().items()}}


def probe_steps(mod, num_dims, Xs, X_eval):
    """Initial state, k training steps, then one eval step: outputs and state."""
    m = mod.BatchNorm(Xs[0].shape[1], num_dims).to(device=Xs[0].device, dtype=Xs[0].dtype)
    init = {k: v.clone() for k, v in m.state_dict().items()}
    m.train()
    outs = [m(X).detach() for X in Xs]
    m.eval()
    y_eval = m(X_eval).detach()
    return {"init": init, "train": outs, "eval": y_eval,
            "state": {k: v.clone() for k, v in m.state_dict().items()},
            "buffers": sorted(name for name, _ in m.named_buffers()),
            "params": sorted(name for name, _ in m.named_parameters())}


def probe_load_modes(mod, sd, X):
    """Load a state_dict, one training step, then one eval step."""
    m = mod.BatchNorm(4, 4).to(device=X.device, dtype=X.dtype)
    m.load_state_dict(sd)
    m.train()
    y_train = m(X).detach()
    after = {k: v.clone() for k, v in m.state_dict().items()}
    m.eval()
    return {"train": y_train, "state": after, "eval": m(X).detach()}
