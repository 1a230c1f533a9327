def dropout_layer(X, dropout, generator=None):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X.clone()
    mask = (torch.rand(X.shape, generator=generator, device=X.device) > dropout).to(X.dtype)
    return mask * X
