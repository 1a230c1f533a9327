"""Probes of test_seq2seq_training.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution. `run_epoch` is used by the grader as
well, so that the learner's epoch and the expected one build the same net and go through the same
code.
"""
import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.grading.training_probes import NormLoggingSGD, mean_value


class Seq2Seq(nn.Module):
    """A small version of the book's RNN encoder–decoder (9.7.1–9.7.2): embedding and GRU encoder;
    the decoder feeds its embedded input concatenated with the encoder's last state (the context)
    to a GRU started from the encoder's state, then a dense layer to the vocabulary. It notes each
    call's (mode, decoder input, encoder valid lengths) in `self.calls`."""

    def __init__(self, vocab_size, embed_size, num_hiddens):
        super().__init__()
        self.enc_embedding = nn.Embedding(vocab_size, embed_size)
        self.enc_rnn = nn.GRU(embed_size, num_hiddens, batch_first=True)
        self.dec_embedding = nn.Embedding(vocab_size, embed_size)
        self.dec_rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, batch_first=True)
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self.calls = []

    def forward(self, enc_X, dec_X, enc_valid_len):
        self.calls.append({"training": bool(self.training), "dec_X": dec_X.detach().clone(),
                           "enc_valid_len": torch.as_tensor(enc_valid_len).detach().clone()})
        _, state = self.enc_rnn(self.enc_embedding(enc_X))
        embedded = self.dec_embedding(dec_X)
        context = state[-1][:, None, :].expand(-1, embedded.shape[1], -1)
        output, state = self.dec_rnn(torch.cat([embedded, context], 2), state)
        return self.dense(output), state


def run_epoch(train_epoch, shape, state_dict, batches, lr, bos_idx) -> dict:
    """train_epoch(net, batches, loss, updater, bos_idx, device) with the net built from
    `state_dict` and left in eval mode, the book's masked loss (noting the valid lengths it is
    given) and the logging SGD: the result, the net's state after each step, the optimizer's log,
    the net's calls, the loss's valid lengths and the mean loss of each minibatch (the curve)."""
    first = next(iter(state_dict.values()))
    net = Seq2Seq(*shape).to(dtype=first.dtype, device=first.device)
    net.load_state_dict(state_dict)
    net.eval()
    log, steps, lens, losses = [], [], [], []

    def loss(pred, label, valid_len):
        """The book's MaskedSoftmaxCELoss: per sequence, the mean over the time steps of the
        cross-entropy, entries past valid_len weighted 0."""
        lens.append(torch.as_tensor(valid_len).detach().clone())
        mask = torch.arange(label.shape[1], device=label.device)[None, :] < valid_len[:, None]
        unweighted = F.cross_entropy(pred.permute(0, 2, 1), label, reduction="none")
        out = (unweighted * mask).mean(dim=1)
        losses.append(mean_value(out))
        return out

    def after_step():
        steps.append({k: v.detach().clone() for k, v in net.state_dict().items()})
    optimizer = NormLoggingSGD(net.parameters(), lr, log, after_step)
    result = train_epoch(net, batches, loss, optimizer, bos_idx, first.device)
    if isinstance(result, torch.Tensor):
        result = result.detach()
    return {"result": result, "steps": steps, "log": log, "calls": net.calls, "loss_lens": lens,
            "losses": losses}


def probe_train_epoch(mod, shape, state_dict, batches, lr, bos_idx):
    """run_epoch with the learner's train_epoch_seq2seq."""
    return run_epoch(mod.train_epoch_seq2seq, shape, state_dict, batches, lr, bos_idx)
