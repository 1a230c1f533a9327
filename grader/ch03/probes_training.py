"""Probes of test_training.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution. `make_net` and `run_evaluate` are
used by the grader as well, so that the learner's run and the expected one build the same net
and go through the same code.
"""
import torch
from torch import nn


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
