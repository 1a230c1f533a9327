import torch


def inverse_cdf_sample(probs, u):
    cdf = torch.cumsum(probs / probs.sum(), dim=0)
    idx = (cdf < u.unsqueeze(-1)).sum(dim=-1)      # buckets (cdf[i-1], cdf[i]]
    return idx.clamp(max=probs.shape[0] - 1)
