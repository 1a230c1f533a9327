"""Grader for the training workflow of 3.6: evaluate_accuracy.

evaluate_accuracy runs, in the child, on a small classifier whose output depends on its mode
(BatchNorm) and which notes, at every forward call, its mode and whether autograd was recording
(`probes.Recorder`); the reference runs here on the same net, built from the same state, over the
same minibatches (the last one smaller than the others, so that a mean of per-minibatch accuracies
differs from the accuracy).
"""
import pytest
import torch

from d2lkit.grading.api import (FLOATS, as_number, expect, expect_close, grades, is_close,
                                mistake_if, mistake_on_error, probes_for, randomized, reference)

probes = probes_for(__file__)
ref = reference(__file__)

EVALUATE = "ch3.evaluate_accuracy"
SHAPE = (6, 8, 4)  # num_inputs, num_hiddens, num_outputs
CLOSE = {"rtol": 0.0, "atol": 1e-6}


# ========================================================================== 3.6.5 evaluate_accuracy
def classification_set(gen, dtype, device, n, batch_size):
    """A random net (make_net with every state entry drawn from gen) and n examples in minibatches
    of batch_size, the last one smaller. About half the labels are the net's own eval-mode
    prediction (so the accuracy is neither 0 nor 1), and every label of the last minibatch is,
    so that its accuracy differs from the others'."""
    net = randomized(probes.make_net(*SHAPE), gen, dtype, device).eval()
    X = torch.randn(n, SHAPE[0], generator=gen, dtype=dtype).to(device)
    with torch.no_grad():
        pred = net(X).argmax(dim=1).cpu()
    right = torch.rand(n, generator=gen) < 0.5
    right[n - n % batch_size:] = True
    y = torch.where(right, pred, (pred + 1) % SHAPE[2]).to(device)
    batches = [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, n, batch_size)]
    return {k: v.detach().clone() for k, v in net.state_dict().items()}, batches


def mean_of_batch_means(state_dict, batches):
    """The mistake: the mean of the per-minibatch accuracies."""
    net = probes.build(SHAPE, state_dict).eval()
    with torch.no_grad():
        accs = [float((net(X).argmax(dim=1) == y).float().mean()) for X, y in batches]
    return sum(accs) / len(accs)


def number(x, what):
    value = as_number(x)
    expect(value is not None, what=what, expected="a number (a Python float)", got=type(x).__name__)
    return value


@grades(EVALUATE, en="an nn.Module with batch norm: evaluated in eval mode, under torch.no_grad(), "
                     "the accuracy over all examples (float64 and float32)",
        zh="带批量规范化的 nn.Module：在评估模式下、在 torch.no_grad() 中计算，返回全部样本上的精度"
           "（float64 和 float32）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_evaluate_module(student, gen, dtype, device):
    n, batch_size = (33, 10) if dtype == torch.float64 else (30, 7)
    state_dict, batches = classification_set(gen, dtype, device, n, batch_size)
    got = student.probe(probes.probe_evaluate_accuracy, SHAPE, state_dict, batches)
    expected = probes.run_evaluate(ref.evaluate_accuracy, SHAPE, state_dict, batches)
    modes = [training for training, _ in got["calls"]]
    mistake_if(any(modes), "evaluated-in-train-mode", what="net.training during the forward calls",
               expected="False: call net.eval() first", got=modes)
    recording = [grad for _, grad in got["calls"]]
    mistake_if(any(recording), "gradients-tracked",
               what="torch.is_grad_enabled() during the forward calls",
               expected="False: compute the predictions inside `with torch.no_grad():`",
               got=recording)
    acc = number(got["acc"], "evaluate_accuracy(net, data_iter)")
    wrong = mean_of_batch_means(state_dict, batches)
    mistake_if(abs(acc - wrong) < 1e-6 and abs(wrong - expected["acc"]) > 1e-6,
               "mean-of-batch-means", what="evaluate_accuracy(net, data_iter)",
               expected=expected["acc"], got=acc)
    expect_close(torch.tensor(acc, dtype=torch.float64),
                 torch.tensor(expected["acc"], dtype=torch.float64), **CLOSE,
                 what="evaluate_accuracy(net, data_iter)")


@grades(EVALUATE, en="a plain function as net (the scratch model of 3.6): it has no eval()",
        zh="net 是普通函数（3.6 节从零实现的模型）：它没有 eval()")
def test_evaluate_function(student, gen, device):
    W = (torch.randn(SHAPE[0], SHAPE[2], generator=gen, dtype=torch.float64)).to(device)
    b = torch.zeros(SHAPE[2], dtype=torch.float64).to(device)
    X = torch.randn(25, SHAPE[0], generator=gen, dtype=torch.float64).to(device)
    pred = (X @ W + b).argmax(dim=1)
    y = torch.where(torch.rand(25, generator=gen).to(device) < 0.6, pred, (pred + 2) % SHAPE[2])
    batches = [(X[i:i + 8], y[i:i + 8]) for i in range(0, 25, 8)]
    with mistake_on_error("eval-on-function", match="attribute 'eval'"):
        got = student.probe(probes.probe_evaluate_function, W, b, batches)
    expected = ref.evaluate_accuracy(lambda X: X @ W + b, batches)
    expect_close(torch.tensor(number(got, "evaluate_accuracy(net, data_iter)"), dtype=torch.float64),
                 torch.tensor(expected, dtype=torch.float64), **CLOSE,
                 what="evaluate_accuracy(net, data_iter)")
