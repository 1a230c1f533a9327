"""Answer key of the ch11 quizzes: each function returns the truth; measured ones build the layer."""
from d2lkit.quiz.key import answer


@answer("ch11.quiz_what_momentum_averages")
def _():
    return "acd"


@answer("ch11.quiz_adagrad_learning_rate")
def _():
    return "c"


@answer("ch11.quiz_adam_bias_correction")
def _():
    return "a"


@answer("ch11.quiz_adam_first_step")
def _():
    import torch
    w = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    optimizer = torch.optim.Adam([w], lr=0.1)
    w.grad = torch.tensor([1000.0], dtype=torch.float64)
    optimizer.step()
    return abs(1.0 - w.item())
