"""Probes of test_rnn_training.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution. `make_net` and `run_epoch` are used by
the grader as well, so that the learner's epoch and the expected one build the same net and go
through the same code.
"""
import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.grading.training_probes import NormLoggingSGD, RecordingCrossEntropyLoss


class RNNModel(nn.Module):
    """The book's RNNModel (8.6) around an nn.RNN or nn.LSTM: one-hot inputs, time-major output
    rows (num_steps * batch_size, vocab_size). It notes every begin_state call in `self.begins`."""

    def __init__(self, rnn_layer, vocab_size):
        super().__init__()
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = rnn_layer.hidden_size
        self.linear = nn.Linear(self.num_hiddens, vocab_size)
        self.begins = 0

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(self.linear.weight.dtype)
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape((-1, Y.shape[-1]))), state

    def begin_state(self, device, batch_size=1):
        self.begins += 1
        shape = (self.rnn.num_layers, batch_size, self.num_hiddens)
        dtype = self.linear.weight.dtype
        if isinstance(self.rnn, nn.LSTM):
            return (torch.zeros(shape, device=device, dtype=dtype),
                    torch.zeros(shape, device=device, dtype=dtype))
        return torch.zeros(shape, device=device, dtype=dtype)


def make_net(kind, vocab_size, num_hiddens):
    """RNNModel around nn.RNN (kind "rnn", a tensor state) or nn.LSTM (kind "lstm", a tuple)."""
    layer = nn.LSTM if kind == "lstm" else nn.RNN
    return RNNModel(layer(vocab_size, num_hiddens), vocab_size)


def run_epoch(train_epoch, kind, shape, state_dict, batches, lr, use_random_iter) -> dict:
    """train_epoch(net, batches, nn.CrossEntropyLoss(), updater, device, use_random_iter) with the
    net built from `state_dict` and updater the logging SGD: the result, the net's state after
    each step, the log of (zero_grad | step, gradient norm), the number of begin_state calls and
    the loss of each minibatch (for the loss curve)."""
    first = next(iter(state_dict.values()))
    net = make_net(kind, *shape).to(dtype=first.dtype, device=first.device)
    net.load_state_dict(state_dict)
    log, steps = [], []

    def after_step():
        steps.append({k: v.detach().clone() for k, v in net.state_dict().items()})
    updater = NormLoggingSGD(net.parameters(), lr, log, after_step)
    loss = RecordingCrossEntropyLoss()
    result = train_epoch(net, batches, loss, updater, first.device, use_random_iter)
    if isinstance(result, torch.Tensor):
        result = result.detach()
    return {"result": result, "steps": steps, "log": log, "begins": net.begins,
            "losses": loss.values}


def probe_train_epoch(mod, kind, shape, state_dict, batches, lr, use_random_iter):
    """run_epoch with the learner's train_epoch_ch8."""
    return run_epoch(mod.train_epoch_ch8, kind, shape, state_dict, batches, lr, use_random_iter)
