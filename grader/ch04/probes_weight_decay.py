"""Probes of test_weight_decay.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""


def probe_penalty_grad(mod, w):
    w = w.clone().requires_grad_(True)
    mod.l2_penalty(w).backward()
    return None if w.grad is None else w.grad.detach()


def probe_step(mod, name, values, grads, lr, decay):
    """Run the learner's in-place step on leaf parameters whose .grad is set."""
    params = [v.clone().requires_grad_(True) for v in values]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    originals = list(params)
    ret = getattr(mod, name)(params, lr, decay)
    return {
        "returned_none": ret is None,
        "values": [p.detach().clone() for p in originals],
        "grads": [None if p.grad is None else p.grad.detach().clone() for p in originals],
    }
