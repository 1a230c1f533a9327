import torch


def cross_entropy_from_logits(O, y):
    O_exp = torch.exp(O - O.max(dim=1, keepdim=True).values)
    probs = O_exp / O_exp.sum(dim=1, keepdim=True)
    return -torch.log(probs[range(len(probs)), y])
