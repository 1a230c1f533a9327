def autoregressive_features(x, tau):
    T = x.shape[0]
    features = torch.zeros((T - tau, tau), dtype=x.dtype, device=x.device)
    for i in range(tau):
        features[:, i] = x[i:T - tau + i]
    labels = x[tau - 1:T - 1].reshape((-1, 1))
    return features, labels
