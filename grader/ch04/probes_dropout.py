"""Probes of test_dropout.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_other_default_device(mod, other):
    """Run dropout on a CPU tensor while new tensors default to another device: a mask made
    without device=X.device lands there (or fails to be made), as it would next to a CUDA X."""
    X = torch.ones(3, 4)
    with torch.device(other):
        Y = mod.dropout_layer(X, 0.5)
    return str(Y.device)
