"""Probes of test_googlenet.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_googlenet_meta(mod):
    """The learner's googlenet() built on the meta device: parameter count, state_dict keys,
    and the class of every submodule."""
    with torch.device("meta"):
        net = mod.googlenet()
    return {"type": type(net).__name__,
            "num_params": sum(p.numel() for p in net.parameters()),
            "keys": list(net.state_dict().keys()),
            "shapes": [list(v.shape) for v in net.state_dict().values()],
            "modules": [[name, type(m).__name__] for name, m in net.named_modules() if name]}


def probe_googlenet_pools(mod, name="googlenet", args=()):
    """(name, class, kernel_size, stride, padding) of every pooling layer of the learner's
    googlenet() (or of another of its modules, `name(*args)`), built on the meta device; sizes as
    pairs, so that 3 and (3, 3) compare equal."""
    def pair(v):
        return list(v) if isinstance(v, (tuple, list)) else [v, v]

    with torch.device("meta"):
        net = getattr(mod, name)(*args)
    return [[n, type(m).__name__, pair(m.kernel_size), pair(m.stride), pair(m.padding)]
            for n, m in net.named_modules() if hasattr(m, "kernel_size") and "Pool" in type(m).__name__]


def he_fill(module, seed, dtype, device):
    """module in dtype on device, every floating state_dict entry redrawn in state_dict order
    from a CPU generator seeded with seed (He-scaled weights, so that 20-odd layers keep the
    signal). The supervisor and the child draw the same weights without sending 6 million
    of them through the pipe."""
    gen = torch.Generator().manual_seed(seed)
    module = module.to(dtype)
    with torch.no_grad():
        for t in module.state_dict().values():
            if not t.is_floating_point():
                continue
            if t.dim() > 1:
                std = (2.0 / t[0].numel()) ** 0.5
            else:
                std = 0.1
            t.copy_(torch.randn(t.shape, generator=gen, dtype=dtype) * std)
    return module.to(device)


def probe_googlenet_forward(mod, seed, X):
    """Stages b1, b2, b3 of the learner's googlenet() (its first 0.7 million parameters) with
    the seeded weights of he_fill, in eval mode, on X."""
    net = he_fill(mod.googlenet()[:3], seed, X.dtype, X.device).eval()
    with torch.no_grad():
        return net(X)
