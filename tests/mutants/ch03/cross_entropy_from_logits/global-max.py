import torch


def cross_entropy_from_logits(O, y):
    m = O.max()
    log_partition = m + torch.log(torch.exp(O - m).sum(dim=1))
    return log_partition - O[range(len(O)), y]
