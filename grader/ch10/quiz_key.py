"""Answer key of the ch10 quizzes: each function returns the truth; measured ones build the layer."""
from d2lkit.quiz.key import answer


@answer("ch10.quiz_mha_parameters")
def _():
    from torch import nn

    layer = nn.MultiheadAttention(embed_dim=64, num_heads=8)
    return sum(p.numel() for p in layer.parameters())


@answer("ch10.quiz_mha_weights_shape")
def _():
    import torch
    from torch import nn

    mha = nn.MultiheadAttention(32, 4, batch_first=True)
    q, kv = torch.zeros(2, 5, 32), torch.zeros(2, 7, 32)
    _, weights = mha(q, kv, kv)
    return tuple(weights.shape)


@answer("ch10.quiz_decoder_cross_attention")
def _():
    return "b"


@answer("ch10.quiz_layer_norm_batch")
def _():
    import torch
    from torch import nn

    # measured: one example normalised alone and inside a batch of others (train and eval mode)
    torch.manual_seed(0)
    norm, batch = nn.LayerNorm(8), torch.randn(4, 3, 8) * 5
    alone = []
    for train in (True, False):
        norm.train(train)
        alone.append(torch.allclose(norm(batch[:1]), norm(batch)[:1]))
    return "b" if all(alone) else "a"
