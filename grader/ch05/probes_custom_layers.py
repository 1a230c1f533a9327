"""Probes of test_custom_layers.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""


def probe_fourier_many(mod, Xs):
    return [mod.fourier_first_half(X) for X in Xs]
