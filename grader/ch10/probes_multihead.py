"""Probes of test_multihead.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_mha_outputs(mod, runs, dtype, device):
    """Several MultiHeadAttention(*args, **kwargs) with loaded weights, in eval mode, in one child."""
    outs = []
    for args, kwargs, sd, inputs in runs:
        net = mod.MultiHeadAttention(*args, **kwargs).to(device=device, dtype=dtype).eval()
        net.load_state_dict(sd)
        outs.append(net(*inputs).detach())
    return outs


def probe_head_weights(mod, args, sd, inputs):
    net = mod.MultiHeadAttention(*args).to(device=inputs[0].device, dtype=torch.float64).eval()
    net.load_state_dict(sd)
    net(*inputs)
    w = getattr(getattr(net, "attention", None), "attention_weights", None)
    return w.detach() if isinstance(w, torch.Tensor) else None
