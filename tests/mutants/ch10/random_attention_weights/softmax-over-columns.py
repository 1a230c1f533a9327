def random_attention_weights(n, generator=None):
    device = generator.device if generator is not None else None
    scores = torch.randn(n, n, generator=generator, device=device)
    return torch.softmax(scores, dim=0)
