def causal_valid_lens(batch_size, num_steps):
    return torch.arange(0, num_steps).repeat(batch_size, 1)
