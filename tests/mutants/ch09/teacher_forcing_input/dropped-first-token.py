def teacher_forcing_input(Y, bos_idx):
    bos = torch.tensor([bos_idx] * Y.shape[0], device=Y.device).reshape(-1, 1)
    return torch.cat([bos, Y[:, 1:]], 1)
