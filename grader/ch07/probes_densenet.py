"""Probes of test_densenet.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""


def probe_state_shapes(mod, name, args):
    return {k: list(v.shape) for k, v in getattr(mod, name)(*args).state_dict().items()}
