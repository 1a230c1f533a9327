"""Probes of test_file_io.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch
from torch import nn


def _build(seed, with_bn):
    torch.manual_seed(seed)
    layers = [nn.Linear(4, 8)] + ([nn.BatchNorm1d(8)] if with_bn else [])
    layers += [nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)]
    return nn.Sequential(*layers).double()


def _snapshot(net):
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def probe_copy_first_layers(mod, n, with_bn):
    src, dst = _build(1, with_bn), _build(2, with_bn)
    if with_bn:  # give the running statistics values of their own
        src(torch.randn(16, 4, dtype=torch.float64) * 3 + 1)
    src_before, dst_before = _snapshot(src), _snapshot(dst)
    ret = mod.copy_first_layers(src, dst, n)
    dst_after, src_after = _snapshot(dst), _snapshot(src)
    with torch.no_grad():  # "train src further": dst must not follow
        for t in list(src.parameters()) + [b for b in src.buffers() if b.is_floating_point()]:
            t.add_(1.0)
    return {"returns_dst": ret is dst, "src_before": src_before, "dst_before": dst_before,
            "dst_after": dst_after, "src_after": src_after, "dst_later": _snapshot(dst)}
