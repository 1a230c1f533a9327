def xavier_uniform(shape, gain=1.0, generator=None):
    fan_in, fan_out = fan_in_fan_out(shape)
    a = gain * math.sqrt(2.0 / (fan_in + fan_out))
    device = generator.device if generator is not None else None
    return torch.empty(tuple(shape), device=device).uniform_(-a, a, generator=generator)
