def l2_penalty(w):
    return torch.sum(w.pow(2))
