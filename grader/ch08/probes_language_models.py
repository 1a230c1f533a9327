"""Probes of test_language_models.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import random


def probe_random_runs(mod, corpus, batch_size, num_steps, seeds):
    runs = []
    for s in seeds:
        rng = None if s is None else random.Random(s)  # None: the random module
        runs.append([(X, Y) for X, Y in mod.seq_data_iter_random(corpus, batch_size, num_steps,
                                                                 rng=rng)])
    return runs


def probe_sequential(mod, corpus, batch_size, num_steps, offset=None, seed=None):
    kwargs = {"offset": offset}
    if seed is not None:
        kwargs["rng"] = random.Random(seed)
    return [(X, Y) for X, Y in mod.seq_data_iter_sequential(corpus, batch_size, num_steps, **kwargs)]


def probe_sequential_seeds(mod, corpus, batch_size, num_steps, seeds):
    return [[(X, Y) for X, Y in mod.seq_data_iter_sequential(
                corpus, batch_size, num_steps, rng=None if s is None else random.Random(s))]
            for s in seeds]
