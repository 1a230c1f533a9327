"""Probes of test_devices.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_try_gpu(mod, count, i):
    """Pretend there are `count` GPUs, then call try_gpu(i) (try_gpu() when i is None)."""
    saved = torch.cuda.device_count, torch.cuda.is_available
    torch.cuda.device_count = lambda: count
    torch.cuda.is_available = lambda: count > 0
    patched_mod = {}
    for name, fake in (("device_count", torch.cuda.device_count), ("is_available", torch.cuda.is_available)):
        if name in vars(mod):
            patched_mod[name] = vars(mod)[name]
            setattr(mod, name, fake)
    try:
        return mod.try_gpu() if i is None else mod.try_gpu(i)
    finally:
        torch.cuda.device_count, torch.cuda.is_available = saved
        for name, value in patched_mod.items():
            setattr(mod, name, value)


def probe_try_gpu_table(mod, count, indices):
    return [probe_try_gpu(mod, count, i) for i in indices]
