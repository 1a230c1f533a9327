def l2_penalty(w):
    return torch.mean(w ** 2) / 2
