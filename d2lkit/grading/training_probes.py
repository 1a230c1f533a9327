"""What the probes of training loops share (grader/ch08/probes_rnn_training.py,
grader/ch09/probes_seq2seq_training.py, grader/ch03/probes_training.py). They run in the child,
beside the learner's module, and in the supervisor for the reference's run, so that both runs go
through the same code.
"""

from __future__ import annotations

import collections

import torch
from torch import nn


def grad_norm(params) -> float:
    """The global L2 norm of the gradients of `params` (0.0 when none has a gradient)."""
    grads = [p.grad for p in params if p.grad is not None]
    return float(torch.sqrt(sum((g ** 2).sum() for g in grads))) if grads else 0.0


class NormLoggingSGD(torch.optim.Optimizer):
    """torch.optim.SGD(params, lr)'s update as a torch.optim.Optimizer that notes the gradients'
    global norm at each zero_grad() and step() in `log` (["zero_grad" | "step", norm]) and calls
    `after_step()` after each step: the norms show whether, and when, gradients were clipped.
    torch.optim.SGD itself would import torch._dynamo at its construction and first step (seconds
    of start-up in every sandbox child), so is Optimizer.__init__: the attributes are set here."""

    def __init__(self, params, lr, log, after_step):  # noqa: no super().__init__, see above
        self.defaults = {"lr": lr}
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.state = collections.defaultdict(dict)
        self.log, self.after_step = log, after_step

    def zero_grad(self, set_to_none: bool = True):
        self.log.append(["zero_grad", grad_norm(self.param_groups[0]["params"])])
        for p in self.param_groups[0]["params"]:
            p.grad = None

    def step(self, closure=None):
        self.log.append(["step", grad_norm(self.param_groups[0]["params"])])
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
        self.after_step()


def mean_value(loss) -> float:
    """A loss the learner's loop computed (a scalar, or one per example) as the mean, a float:
    one point of the loss curve (grading.series); NaN when it is not a floating tensor."""
    if isinstance(loss, torch.Tensor) and loss.is_floating_point() and loss.numel():
        return float(loss.detach().double().mean())
    return float("nan")


class RecordingCrossEntropyLoss(nn.CrossEntropyLoss):
    """nn.CrossEntropyLoss that notes, in `values`, the mean of each loss it computes: the loss
    curve of the loop that calls it, one point per minibatch."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.values = []

    def forward(self, input, target):
        out = super().forward(input, target)
        self.values.append(mean_value(out))
        return out
