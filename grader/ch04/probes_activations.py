"""Probes of test_activations.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_grad(mod, name, X, *extra):
    """Gradient of fn(X, *extra).sum() with respect to X (and to the tensor extras)."""
    X = X.clone().requires_grad_(True)
    extra = [e.clone().requires_grad_(True) if isinstance(e, torch.Tensor) else e for e in extra]
    out = getattr(mod, name)(X, *extra)
    out.sum().backward()
    grads = [X.grad] + [e.grad for e in extra if isinstance(e, torch.Tensor)]
    return [None if g is None else g.detach() for g in grads]
