import torch


def huber_loss(y_hat, y, sigma=1.0):
    d = y_hat - y.reshape(y_hat.shape)
    return torch.where(d.abs() > sigma, d.abs() - sigma / 2, d ** 2 / 2)
