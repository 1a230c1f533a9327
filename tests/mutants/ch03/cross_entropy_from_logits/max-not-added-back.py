import torch


def cross_entropy_from_logits(O, y):
    m = O.max(dim=1, keepdim=True).values
    log_partition = torch.log(torch.exp(O - m).sum(dim=1))
    return log_partition - O[range(len(O)), y]
