def layer_norm(X, normalized_shape, weight=None, bias=None, eps=1e-5):
    dims = tuple(range(-len(normalized_shape), 0))
    mean = X.mean(dim=dims, keepdim=True)
    var = X.var(dim=dims, keepdim=True)
    Y = (X - mean) / torch.sqrt(var + eps)
    if weight is not None:
        Y = Y * weight
    if bias is not None:
        Y = Y + bias
    return Y
