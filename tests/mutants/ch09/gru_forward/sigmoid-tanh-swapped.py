def gru_forward(inputs, state, params, reset_after=False):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        Z = torch.tanh(X @ W_xz + H @ W_hz + b_z)
        R = torch.tanh(X @ W_xr + H @ W_hr + b_r)
        if reset_after:
            H_tilde = torch.sigmoid(X @ W_xh + R * (H @ W_hh) + b_h)
        else:
            H_tilde = torch.sigmoid(X @ W_xh + (R * H) @ W_hh + b_h)
        H = Z * H + (1 - Z) * H_tilde
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H,)
