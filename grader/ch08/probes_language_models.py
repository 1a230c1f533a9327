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


def probe_random_each(mod, corpus, batch_size, num_steps, seeds):
    """probe_random_runs, but a run whose rows came out of unequal lengths (torch.tensor of ragged
    lists: "expected sequence", "equal size") is reported as {"error": message} and the other
    seeds still run; any other error propagates."""
    runs = []
    for s in seeds:
        try:
            runs.append([(X, Y) for X, Y in mod.seq_data_iter_random(
                corpus, batch_size, num_steps, rng=random.Random(s))])
        except (ValueError, RuntimeError) as e:
            if "expected sequence" not in str(e) and "equal size" not in str(e):
                raise
            runs.append({"error": f"{type(e).__name__}: {e}"[:200]})
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
