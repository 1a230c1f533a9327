"""Answer key of the ch9 quizzes: each function returns the truth; measured ones build the layer."""
from d2lkit.quiz.key import answer


@answer("ch9.quiz_gru_update_gate")
def _():
    return "c"


@answer("ch9.quiz_gru_parameters")
def _():
    from torch import nn
    return sum(p.numel() for p in nn.GRU(28, 256).parameters())


@answer("ch9.quiz_bidirectional_output_shape")
def _():
    import torch
    from torch import nn
    lstm_layer = nn.LSTM(28, 256, num_layers=2, bidirectional=True)
    Y, (H, C) = lstm_layer(torch.rand(35, 32, 28))
    return tuple(Y.shape)


@answer("ch9.quiz_teacher_forcing")
def _():
    return "a"


@answer("ch9.quiz_beam_search")
def _():
    return "bc"
