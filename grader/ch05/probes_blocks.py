"""Probes of test_blocks.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
from torch import nn


def build_layers(spec):
    """Build layers from a tiny spec: ints pairs -> nn.Linear, 'relu'/'tanh' -> activations."""
    out = []
    for item in spec:
        if item == "relu":
            out.append(nn.ReLU())
        elif item == "tanh":
            out.append(nn.Tanh())
        else:
            out.append(nn.Linear(*item))
    return out


def probe_sequential_structure(mod, spec):
    net = mod.MySequential(*build_layers(spec))
    return {"keys": list(net.state_dict().keys()), "n_params": len(list(net.parameters())),
            "n_scalars": sum(p.numel() for p in net.parameters())}


def probe_sequential_forward(mod, spec, state_dict, X):
    net = mod.MySequential(*build_layers(spec)).to(dtype=X.dtype, device=X.device)
    net.load_state_dict(state_dict)
    return net(X)


def probe_parallel(mod, n_in, outs, sd1, sd2, X, dim):
    net1 = nn.Linear(n_in, outs[0]).to(dtype=X.dtype, device=X.device)
    net2 = nn.Linear(n_in, outs[1]).to(dtype=X.dtype, device=X.device)
    net1.load_state_dict(sd1)
    net2.load_state_dict(sd2)
    block = mod.ParallelBlock(net1, net2) if dim is None else mod.ParallelBlock(net1, net2, dim)
    return {"keys": list(block.state_dict().keys()),
            "n_scalars": sum(p.numel() for p in block.parameters()),
            "output": block(X)}


def probe_repeat(mod, n, X):
    calls = []

    def factory():
        calls.append(1)
        return nn.Linear(4, 4).to(dtype=X.dtype, device=X.device)

    net = mod.repeat_block(factory, n)
    info = {"is_sequential": isinstance(net, nn.Sequential), "type": type(net).__name__}
    if not info["is_sequential"]:
        return info
    blocks = list(net._modules.values())
    info.update({
        "len": len(blocks),
        "calls": len(calls),
        "distinct": len({id(b) for b in blocks}),
        "distinct_ptrs": len({p.data_ptr() for b in blocks for p in b.parameters()}),
        "n_scalars": sum(p.numel() for p in net.parameters()),
        "weights": [(b.weight.detach().clone(), b.bias.detach().clone()) for b in blocks],
        "output": net(X),
    })
    return info
