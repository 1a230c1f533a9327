"""Answer key of the ch6 quizzes: each function returns the truth; measured ones build the layer."""
from d2lkit.quiz.key import answer


@answer("ch6.quiz_what_a_conv_layer_computes")
def _():
    return "ac"


@answer("ch6.quiz_padding_and_stride_shape")
def _():
    import torch
    from torch import nn
    conv2d = nn.Conv2d(1, 1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))
    return tuple(conv2d(torch.rand(1, 1, 8, 8)).shape)


@answer("ch6.quiz_one_by_one_convolution")
def _():
    return "d"


@answer("ch6.quiz_pooling_default_stride")
def _():
    import torch
    from torch import nn
    X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
    return tuple(nn.MaxPool2d(3)(X).shape)


@answer("ch6.quiz_lenet_conv2_parameters")
def _():
    from torch import nn
    return sum(p.numel() for p in nn.Conv2d(6, 16, kernel_size=5).parameters())
