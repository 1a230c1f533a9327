def l2_penalty(w):
    return torch.sqrt(torch.sum(w ** 2)) / 2
