"""Probes of test_linreg_scratch.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""


def probe_batches(mod, batch_size, features, labels, generator):
    """Run the learner's data_iter to exhaustion; return the list of (X, y) batches."""
    return [tuple(batch) for batch in mod.data_iter(batch_size, features, labels, generator=generator)]


def probe_sgd(mod, values, grads, lr, batch_size):
    """Call the learner's sgd on leaf tensors holding the given values and grads."""
    params = [v.clone().requires_grad_() for v in values]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    storage = [p.data_ptr() for p in params]
    returned = mod.sgd(params, lr, batch_size)
    return {
        "values": [p.detach().clone() for p in params],
        "grads": [None if p.grad is None else p.grad.clone() for p in params],
        "same_storage": all(p.data_ptr() == s for p, s in zip(params, storage)),
        "returned_none": returned is None,
    }


def probe_training_loop(mod, X, y, w, b, lr, batch_size, steps):
    """The book's loop: loss.sum().backward() then sgd([w, b], lr, batch_size), `steps` times."""
    w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
    for _ in range(steps):
        ((X @ w + b - y) ** 2 / 2).sum().backward()
        mod.sgd([w, b], lr, batch_size)
    return w.detach(), b.detach()
