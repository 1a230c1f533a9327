"""Probes of test_vgg.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""


def probe_fc_many(mod, cases):
    return [mod.vgg_fc_in_features(arch, size) for arch, size in cases]
