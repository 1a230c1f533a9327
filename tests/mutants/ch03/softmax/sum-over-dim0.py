import torch


def softmax(X):
    X_exp = torch.exp(X - X.max())
    partition = X_exp.sum(0, keepdim=True)
    return X_exp / partition
