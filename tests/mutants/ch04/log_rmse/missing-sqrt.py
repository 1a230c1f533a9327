def log_rmse(preds, labels):
    clipped = torch.clamp(preds, 1, float("inf"))
    return torch.mean((torch.log(clipped) - torch.log(labels)) ** 2).item()
