"""Probes of test_lr_scheduler.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""


def probe_schedule(mod, kwargs, epochs):
    """CosineScheduler(**kwargs) called with epoch = 0, 1, ..., epochs - 1 in order, as a training
    loop calls it; the learning rates as floats."""
    scheduler = mod.CosineScheduler(**kwargs)
    return [float(scheduler(epoch)) for epoch in range(epochs)]
