def dropout_layer(X, dropout, generator=None):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X.clone()
    mask = torch.rand((X.shape[0],) + (1,) * (X.dim() - 1), generator=generator,
                      device=X.device) > dropout
    return mask.to(X.dtype) * X / (1.0 - dropout)
