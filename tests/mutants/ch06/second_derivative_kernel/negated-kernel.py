def second_derivative_kernel(dtype=torch.float32):
    return torch.tensor([[-1.0, 2.0, -1.0]], dtype=dtype)
