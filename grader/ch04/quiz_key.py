"""Answer key of the ch4 quizzes: each function returns the truth; measured ones build the layer."""
from d2lkit.quiz.key import answer


@answer("ch4.quiz_mlp_parameters")
def _():
    from torch import nn
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return sum(p.numel() for p in net.parameters())


@answer("ch4.quiz_weight_decay_is_l2")
def _():
    return "ab"


@answer("ch4.quiz_dropout_scale")
def _():
    import torch
    from torch import nn
    with torch.random.fork_rng(devices=[]):  # the grader's own random state stays untouched
        torch.manual_seed(0)
        out = nn.Dropout(p=0.2).train()(torch.ones(1000))
    kept = out[out != 0].unique()
    assert kept.numel() == 1
    return kept.item()


@answer("ch4.quiz_dropout_at_test_time")
def _():
    return "c"


@answer("ch4.quiz_why_relu")
def _():
    return "b"
