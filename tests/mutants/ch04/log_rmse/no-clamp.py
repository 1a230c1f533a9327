def log_rmse(preds, labels):
    return torch.sqrt(torch.mean((torch.log(preds) - torch.log(labels)) ** 2)).item()
