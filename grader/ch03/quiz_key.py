"""Answer key of the ch3 quizzes: each function returns the truth; measured ones build the layer."""
from d2lkit.quiz.key import answer


@answer("ch3.quiz_minibatch_hyperparameters")
def _():
    return "ab"


@answer("ch3.quiz_linear_parameters")
def _():
    from torch import nn

    return sum(p.numel() for p in nn.Linear(784, 10).parameters())


@answer("ch3.quiz_uniform_cross_entropy")
def _():
    import torch
    import torch.nn.functional as F

    return F.cross_entropy(torch.zeros(1, 10), torch.tensor([3])).item()


@answer("ch3.quiz_cross_entropy_input")
def _():
    return "b"
