def birnn_forward_uneven(inputs, H0_fwd, H0_bwd, params_fwd, params_bwd):
    def run(xs, H, params):
        W_xh, W_hh, b_h = params
        outputs = []
        for x in xs:
            H = torch.tanh(x @ W_xh + H @ W_hh + b_h)
            outputs.append(H)
        return torch.stack(outputs), H

    out_fwd, H_fwd = run(inputs, H0_fwd, params_fwd)
    out_bwd, H_bwd = run(inputs.flip(0), H0_bwd, params_bwd)
    return torch.cat([out_fwd, out_bwd], dim=-1), (H_fwd, H_bwd)
