"""Probes of test_beam_search.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def make_step_fn(case, calls=None):
    table = {tuple(k): v for k, v in case["table"]}
    V = case["V"]
    default = case["default"] or [1.0 / V] * V

    def step_fn(prefix):
        if calls is not None:
            calls.append(list(prefix))
        return torch.log(torch.tensor(table.get(tuple(prefix), default), dtype=torch.float64))
    return step_fn


def _searched(cases, search):
    """Run `search(case, step_fn)` on each case; report its result and what step_fn saw."""
    out = []
    for case in cases:
        calls = []
        result = search(case, make_step_fn(case, calls))
        out.append({"result": result, "n_calls": len(calls),
                    "after_eos": [c for c in calls if case["eos"] in c][:3]})
    return out


def probe_beam(mod, cases):
    return _searched(cases, lambda case, step_fn: mod.beam_search(
        step_fn, case["V"], case["eos"], case["beam_size"], case["max_len"], alpha=case["alpha"]))


def probe_exhaustive(mod, cases):
    return _searched(cases, lambda case, step_fn: mod.exhaustive_search(
        step_fn, case["V"], case["eos"], case["max_len"], alpha=case["alpha"]))


def probe_predict_beam(mod, cases):
    out = []
    for case in cases:
        calls = []
        result = mod.predict_beam(list(case["prefix"]), case["num_preds"], make_step_fn(case, calls), case["V"],
                                  case["beam_size"])
        if isinstance(result, torch.Tensor):
            result = result.tolist()
        out.append({"result": result, "contexts": calls[:50]})
    return out
