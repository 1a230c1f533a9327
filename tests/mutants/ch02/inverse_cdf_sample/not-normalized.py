import torch


def inverse_cdf_sample(probs, u):
    cdf = torch.cumsum(probs, dim=0)
    idx = (cdf <= u.unsqueeze(-1)).sum(dim=-1)
    return idx.clamp(max=probs.shape[0] - 1)
