import torch


def shared_grad_parts(W, b, X):
    W = W.clone().requires_grad_(True)
    H1 = torch.relu(X @ W.T + b)
    H2 = torch.relu(H1 @ W.T + b)
    H2.sum().backward()
    return W.grad, W.grad
