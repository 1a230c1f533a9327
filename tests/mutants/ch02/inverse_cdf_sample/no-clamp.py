import torch


def inverse_cdf_sample(probs, u):
    cdf = torch.cumsum(probs / probs.sum(), dim=0)
    return (cdf <= u.unsqueeze(-1)).sum(dim=-1)
