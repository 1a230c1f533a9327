"""Probes of test_training.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution. `make_net` and `run_evaluate` are
and `run_train_*` are used by the grader as well, so that the learner's run and the expected one
build the same net and go through the same code.
"""
import collections

import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.grading.training_probes import RecordingCrossEntropyLoss, mean_value


class Recorder(nn.Module):
    """An identity layer that notes, at every forward call, (self.training,
    torch.is_grad_enabled()): the mode the net was in and whether a graph was being recorded."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, X):
        self.calls.append([bool(self.training), bool(torch.is_grad_enabled())])
        return X


def make_net(num_inputs, num_hiddens, num_outputs):
    """A small classifier whose output depends on its mode: Linear, BatchNorm1d, ReLU, a Recorder,
    Linear. In train mode BatchNorm normalises with the minibatch's statistics (and updates its
    running ones), in eval mode with the running ones."""
    return nn.Sequential(nn.Linear(num_inputs, num_hiddens), nn.BatchNorm1d(num_hiddens),
                         nn.ReLU(), Recorder(), nn.Linear(num_hiddens, num_outputs))


def build(shape, state_dict):
    """make_net(*shape) with `state_dict` loaded, in its dtype and on its device, in train mode
    (as a freshly built net is)."""
    first = next(iter(state_dict.values()))
    net = make_net(*shape).to(dtype=first.dtype, device=first.device)
    net.load_state_dict(state_dict)
    return net.train()


def run_evaluate(evaluate_accuracy, shape, state_dict, batches) -> dict:
    """evaluate_accuracy(net, batches) on a net built from `state_dict`: the result, the Recorder's
    calls, and the net's state afterwards."""
    net = build(shape, state_dict)
    acc = evaluate_accuracy(net, batches)
    if isinstance(acc, torch.Tensor):
        acc = acc.detach()
    return {"acc": acc, "calls": net[3].calls,
            "state": {k: v.detach().clone() for k, v in net.state_dict().items()}}


def probe_evaluate_accuracy(mod, shape, state_dict, batches):
    """The learner's evaluate_accuracy on the net built from `state_dict`."""
    return run_evaluate(mod.evaluate_accuracy, shape, state_dict, batches)


def probe_evaluate_function(mod, W, b, batches):
    """The learner's evaluate_accuracy on the scratch model of 3.6 as a plain function,
    net(X) = X @ W + b (no nn.Module, so no mode)."""
    def net(X):
        return X @ W + b
    acc = mod.evaluate_accuracy(net, batches)
    return acc.detach() if isinstance(acc, torch.Tensor) else acc


# ==================================================================================== train_epoch_ch3
class SGD(torch.optim.Optimizer):
    """torch.optim.SGD(params, lr)'s update, p <- p - lr * p.grad (parameters without a gradient
    left alone), as a torch.optim.Optimizer that notes each zero_grad() and step() in `log` and
    calls `after_step()` after each step. torch.optim.SGD itself would import torch._dynamo at
    its construction and first step: seconds of start-up in every sandbox child; so is
    Optimizer.__init__, so the attributes are set here directly."""

    def __init__(self, params, lr, log, after_step):  # noqa: no super().__init__, see above
        self.defaults = {"lr": lr}
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.state = collections.defaultdict(dict)
        self.log, self.after_step = log, after_step

    def zero_grad(self, set_to_none: bool = True):
        self.log.append("zero_grad")
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.zero_()

    def step(self, closure=None):
        self.log.append("step")
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
        self.after_step()


def log_backward(p, log):
    """Note in `log` each gradient that reaches leaf p: "backward", or "backward-onto-stale-grad"
    when p.grad still holds a nonzero gradient from before (nobody zeroed it)."""
    def hook(grad):
        stale = p.grad is not None and bool(p.grad.any())
        log.append("backward-onto-stale-grad" if stale else "backward")
    p.register_hook(hook)


def plain(x):
    """A result as data: tensors detached, tuples as lists."""
    if isinstance(x, torch.Tensor):
        return x.detach().clone()
    if isinstance(x, (tuple, list)):
        return [plain(v) for v in x]
    return x


def per_example_cross_entropy(y_hat, y):
    """The loss handed to train_epoch_ch3: cross-entropy of the logits, one per example."""
    return F.cross_entropy(y_hat, y, reduction="none")


def run_train_module(train_epoch, shape, state_dict, batches, lr) -> dict:
    """train_epoch(net, batches, loss, updater) with net built from `state_dict` and left in eval
    mode (as the last epoch's evaluation leaves it), loss nn.CrossEntropyLoss(reduction='none')
    and updater the logging SGD: the result, the floating state after each step, the log of
    zero_grad / backward / step, the Recorder's (training, grad enabled) calls and each
    minibatch's mean loss (the loss curve)."""
    net = build(shape, state_dict).eval()
    log, steps = [], []
    log_backward(net[0].weight, log)

    def after_step():
        steps.append({k: v.detach().clone() for k, v in net.state_dict().items()
                      if v.is_floating_point()})
    updater = SGD(net.parameters(), lr, log, after_step)
    loss = RecordingCrossEntropyLoss(reduction="none")
    result = train_epoch(net, batches, loss, updater)
    return {"result": plain(result), "steps": steps, "log": log, "calls": net[3].calls,
            "losses": loss.values}


def run_train_scratch(train_epoch, W, b, batches, lr) -> dict:
    """train_epoch(net, batches, loss, updater) on 3.6's scratch model as a plain function,
    net(X) = X @ W + b (logits), with per-example cross-entropy and the book's own updater,
    `updater(batch_size)` = sgd([W, b], lr, batch_size) (it zeroes the gradients itself): the
    result, W and b after each update, the log of backward / update and each minibatch's mean
    loss."""
    W = W.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    log, steps = [], []
    log_backward(W, log)

    def net(X):
        return X @ W + b

    def updater(batch_size):
        log.append("update")
        with torch.no_grad():
            for p in (W, b):
                if p.grad is not None:
                    p -= lr * p.grad / batch_size
                    p.grad.zero_()
        steps.append({"W": W.detach().clone(), "b": b.detach().clone()})
    losses = []

    def loss(y_hat, y):
        out = per_example_cross_entropy(y_hat, y)
        losses.append(mean_value(out))
        return out
    result = train_epoch(net, batches, loss, updater)
    return {"result": plain(result), "steps": steps, "log": log, "losses": losses}


def probe_train_module(mod, shape, state_dict, batches, lr):
    """run_train_module with the learner's train_epoch_ch3."""
    return run_train_module(mod.train_epoch_ch3, shape, state_dict, batches, lr)


def probe_train_scratch(mod, W, b, batches, lr):
    """run_train_scratch with the learner's train_epoch_ch3."""
    return run_train_scratch(mod.train_epoch_ch3, W, b, batches, lr)


def run_train_ch3(train_ch3, shape, state_dict, train_batches, test_batches, num_epochs, lr):
    """train_ch3(net, train_batches, test_batches, loss, num_epochs, updater) with net built from
    `state_dict`, loss nn.CrossEntropyLoss(reduction='none') and updater the logging SGD: the
    history, the floating state after each step and the log."""
    net = build(shape, state_dict)
    log, steps = [], []
    log_backward(net[0].weight, log)

    def after_step():
        steps.append({k: v.detach().clone() for k, v in net.state_dict().items()
                      if v.is_floating_point()})
    updater = SGD(net.parameters(), lr, log, after_step)
    history = train_ch3(net, train_batches, test_batches, nn.CrossEntropyLoss(reduction="none"),
                        num_epochs, updater)
    return {"history": plain(history), "steps": steps, "log": log}


def probe_train_ch3(mod, shape, state_dict, train_batches, test_batches, num_epochs, lr):
    """run_train_ch3 with the learner's train_ch3."""
    return run_train_ch3(mod.train_ch3, shape, state_dict, train_batches, test_batches,
                         num_epochs, lr)
