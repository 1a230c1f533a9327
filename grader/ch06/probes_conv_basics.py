"""Probes of test_conv_basics.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_corr2d_grad(mod, X, K, W):
    """Backward of sum(W * corr2d(X, K)) with respect to K (None if no graph reaches K)."""
    K = K.clone().requires_grad_(True)
    Y = mod.corr2d(X, K)
    if not isinstance(Y, torch.Tensor) or not Y.requires_grad or Y.shape != W.shape:
        return None
    (Y * W).sum().backward()
    return K.grad
