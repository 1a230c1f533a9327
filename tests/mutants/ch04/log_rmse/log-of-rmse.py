def log_rmse(preds, labels):
    clipped = torch.clamp(preds, 1, float("inf"))
    return torch.log(torch.sqrt(torch.mean((clipped - labels) ** 2))).item()
