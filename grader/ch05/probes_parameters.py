"""Probes of test_parameters.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch
from torch import nn


def probe_count_book(mod):
    shared = nn.Linear(8, 8)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                        nn.Linear(8, 1))
    return mod.count_parameters(net)


def probe_count_batchnorm(mod):
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    net(torch.randn(5, 4))  # the running statistics are non-trivial buffers
    return mod.count_parameters(net)


def probe_count_frozen(mod):
    net = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 2))
    for p in net[0].parameters():
        p.requires_grad_(False)
    return mod.count_parameters(net)


def probe_count_mlp(mod, sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    outer = nn.Module()
    outer.body = nn.Sequential(*layers)
    outer.head = nn.Linear(sizes[-1], 1, bias=False)
    return mod.count_parameters(outer)


def probe_my_init(mod, seed, device):
    device = torch.device(device)

    def build():
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(100, 100), nn.ReLU(), nn.Sequential(nn.Linear(100, 60)))
        return net.to(device)

    net = build()
    b1, b2 = net[0].bias.detach().clone(), net[2][0].bias.detach().clone()
    torch.manual_seed(1234)
    ret = mod.my_init_(net, generator=torch.Generator(device=device).manual_seed(seed))
    # a second run with the same generator seed but a different global seed
    net_again = build()
    torch.manual_seed(4321)
    mod.my_init_(net_again, generator=torch.Generator(device=device).manual_seed(seed))
    net_other = build()
    mod.my_init_(net_other, generator=torch.Generator(device=device).manual_seed(seed + 1))
    return {
        "returns_net": ret is net,
        "is_param": isinstance(net[0].weight, nn.Parameter),
        "w1": net[0].weight.detach().clone(), "w2": net[2][0].weight.detach().clone(),
        "b1": net[0].bias.detach().clone(), "b2": net[2][0].bias.detach().clone(),
        "b1_before": b1, "b2_before": b2,
        "w1_again": net_again[0].weight.detach().clone(),
        "w1_other": net_other[0].weight.detach().clone(),
    }
