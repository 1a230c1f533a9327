"""Probes of test_cnn_training.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution. `make_net` and `run_train` are used
by the grader as well, so that the learner's training and the expected one build the same net and
go through the same code.
"""
import collections

import torch
from torch import nn


class Recorder(nn.Module):
    """An identity layer that notes, at every forward call, (self.training,
    torch.is_grad_enabled()): training calls record a graph, evaluation calls do not."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, X):
        self.calls.append([bool(self.training), bool(torch.is_grad_enabled())])
        return X


def make_net():
    """A LeNet in miniature for 1×8×8 images and 3 classes: Conv2d, Sigmoid, AvgPool2d, Flatten,
    a Recorder, Linear."""
    return nn.Sequential(nn.Conv2d(1, 2, kernel_size=3, padding=1), nn.Sigmoid(),
                         nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(), Recorder(),
                         nn.Linear(2 * 4 * 4, 3))


def snapshot(net) -> dict:
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def run_train(train_ch6, state_dict, train_batches, test_batches, num_epochs, lr, seed,
              module=None) -> dict:
    """train_ch6(net, train_batches, test_batches, num_epochs, lr, device) on make_net() built
    from `state_dict`, with the global random numbers seeded with `seed` (Xavier draws from them)
    and torch.optim.SGD (and `module.SGD`, if the module imported it by name) standing for a
    logging SGD for the length of the call: the result, the
    net as built, its state when the optimizer was made and after each step, the log of
    zero_grad / backward / step and the Recorder's calls."""
    first = next(iter(state_dict.values()))
    net = make_net().to(dtype=first.dtype, device=first.device)
    net.load_state_dict(state_dict)
    built = snapshot(net)
    log, steps, made = [], [], []
    weight = net[0].weight

    def hook(grad):
        stale = weight.grad is not None and bool(weight.grad.any())
        log.append("backward-onto-stale-grad" if stale else "backward")
    weight.register_hook(hook)

    class SGD(torch.optim.Optimizer):
        """torch.optim.SGD(params, lr)'s update, logged. torch.optim.SGD itself (and
        Optimizer.__init__) would import torch._dynamo: seconds in every sandbox child."""

        def __init__(self, params, lr, **kwargs):  # noqa: no super().__init__, see above
            self.defaults = {"lr": lr}
            self.param_groups = [{"params": list(params), "lr": lr}]
            self.state = collections.defaultdict(dict)
            made.append(snapshot(net))

        def zero_grad(self, set_to_none: bool = True):
            log.append("zero_grad")
            for p in self.param_groups[0]["params"]:
                p.grad = None

        def step(self, closure=None):
            log.append("step")
            with torch.no_grad():
                for p in self.param_groups[0]["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-self.param_groups[0]["lr"])
            steps.append(snapshot(net))

    original = torch.optim.SGD
    imported = module is not None and getattr(module, "SGD", None) is original
    torch.optim.SGD = SGD
    if imported:
        module.SGD = SGD
    torch.manual_seed(seed)
    try:
        result = train_ch6(net, train_batches, test_batches, num_epochs, lr, first.device)
    finally:
        torch.optim.SGD = original
        if imported:
            module.SGD = original
    if isinstance(result, (tuple, list)):
        result = [r.detach() if isinstance(r, torch.Tensor) else r for r in result]
    return {"result": result, "built": built, "made": made, "steps": steps, "log": log,
            "calls": net[4].calls}


def probe_train(mod, state_dict, train_batches, test_batches, num_epochs, lr, seed):
    """run_train with the learner's train_ch6."""
    return run_train(mod.train_ch6, state_dict, train_batches, test_batches, num_epochs, lr, seed,
                     module=mod)
