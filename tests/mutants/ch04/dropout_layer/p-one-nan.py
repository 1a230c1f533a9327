def dropout_layer(X, dropout, generator=None):
    assert 0 <= dropout <= 1
    mask = (torch.rand(X.shape, generator=generator, device=X.device) > dropout).to(X.dtype)
    return mask * X / (1.0 - dropout)
