import torch


def softmax(X):
    X_exp = torch.exp(X - X.max())               # one maximum for the whole matrix, not per row
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition
