def nadaraya_watson(queries, keys, values, w=1.0):
    n_q = queries.shape[0]
    if keys.dim() == 1:
        keys = keys.repeat(n_q, 1)
    if values.dim() == 1:
        values = values.repeat(n_q, 1)
    weights = torch.softmax(-((queries.reshape(-1, 1) - keys) * w) ** 2, dim=1)
    return (weights * values).sum(1), weights
