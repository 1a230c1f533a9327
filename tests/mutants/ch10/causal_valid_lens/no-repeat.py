def causal_valid_lens(batch_size, num_steps):
    return torch.arange(1, num_steps + 1)
