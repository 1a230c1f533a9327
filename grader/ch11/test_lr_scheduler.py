"""Grader for 11.11 学习率调度器: CosineScheduler (11.11.3.3) with its warmup (11.11.3.4).

The learning rates are compared with torch.optim.lr_scheduler's own up to max_update:
CosineAnnealingLR(T_max=max_update, eta_min=final_lr), after LinearLR for a warmup (SequentialLR);
past max_update torch's cosine climbs back up while the book holds final_lr, so there, and for the
book's warmup from 0 (LinearLR needs a start factor above 0), with the reference."""
import math
import random
import warnings

import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

from d2lkit.grading.api import expect_close, expect_equal, grades, is_close, mistake_if, probes_for, reference

probes = probes_for(__file__)
ref = reference(__file__)

COSINE = "ch11.CosineScheduler"
NEAR = {"rtol": 1e-6, "atol": 1e-9}  # how closely a schedule must follow a mistake's to name it
MISTAKES = ("missing-half", "cosine-past-max-update", "no-warmup-offset", "period-includes-warmup")


def torch_schedule(epochs, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0):
    """The learning rates torch.optim.lr_scheduler gives for epoch = 0 … epochs - 1."""
    # A bare optimizer: the schedulers only read and write its param_groups, and constructing a
    # real one imports torch._dynamo (seconds).
    optimizer = object.__new__(torch.optim.SGD)
    optimizer.param_groups = [{"lr": base_lr, "params": []}]
    optimizer.defaults, optimizer.state = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "lr_scheduler.step() before optimizer.step()"
        if warmup_steps:
            warmup = LinearLR(optimizer, start_factor=warmup_begin_lr / base_lr, end_factor=1.0,
                              total_iters=warmup_steps)
            cosine = CosineAnnealingLR(optimizer, T_max=max_update - warmup_steps, eta_min=final_lr)
            scheduler = SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_steps])
        else:
            scheduler = CosineAnnealingLR(optimizer, T_max=max_update, eta_min=final_lr)
        rates = []
        for _ in range(epochs):
            rates.append(optimizer.param_groups[0]["lr"])
            scheduler.step()
    return rates


def reference_schedule(epochs, **kwargs):
    scheduler = ref.CosineScheduler(**kwargs)
    return [float(scheduler(epoch)) for epoch in range(epochs)]


def schedule_with(mistake, epochs, max_update, base_lr=0.01, final_lr=0, warmup_steps=0,
                  warmup_begin_lr=0):
    """The book's schedule with one catalogued mistake in it."""
    def lr(epoch):
        if epoch < warmup_steps:
            return warmup_begin_lr + (base_lr - warmup_begin_lr) * epoch / warmup_steps
        t = epoch if mistake == "cosine-past-max-update" else min(epoch, max_update)
        start = 0 if mistake == "no-warmup-offset" else warmup_steps
        period = max_update if mistake == "period-includes-warmup" else max_update - warmup_steps
        half = 1 if mistake == "missing-half" else 2
        return final_lr + (base_lr - final_lr) * (1 + math.cos(math.pi * (t - start) / period)) / half
    return [lr(epoch) for epoch in range(epochs)]


def expect_schedule(student, epochs, kwargs, expected):
    got = student.probe(probes.probe_schedule, kwargs, epochs)
    expect_equal(len(got), epochs, what="number of learning rates")
    got_t, expected_t = (torch.tensor(v, dtype=torch.float64) for v in (got, expected))
    if not is_close(got_t, expected_t):
        for mistake in MISTAKES:
            other = torch.tensor(schedule_with(mistake, epochs, **kwargs), dtype=torch.float64)
            mistake_if(is_close(got_t, other, **NEAR) and not is_close(other, expected_t), mistake,
                       what="scheduler(epoch)", expected=[round(v, 4) for v in expected[:12]],
                       got=[round(v, 4) for v in got[:12]])
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    expect_close(got_t, expected_t, what=f"CosineScheduler({args})(epoch) for epoch = 0 … {epochs - 1}")


@grades(COSINE, en="the book's CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01): "
                   "torch's CosineAnnealingLR up to 20, then 0.01",
        zh="书中的 CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01)：到第 20 次更新为止与 "
           "torch 的 CosineAnnealingLR 相同，之后保持 0.01")
def test_book_cosine(student):
    kwargs = {"max_update": 20, "base_lr": 0.3, "final_lr": 0.01}
    expect_schedule(student, 30, kwargs, torch_schedule(21, **kwargs) + reference_schedule(30, **kwargs)[21:])


@grades(COSINE, en="a warmup from 0.05 over 5 updates, then the cosine: torch's LinearLR then "
                   "CosineAnnealingLR",
        zh="先用 5 次更新从 0.05 线性预热，再接余弦：与 torch 的 LinearLR 加 CosineAnnealingLR 相同")
def test_warmup_matches_torch(student):
    kwargs = {"max_update": 20, "base_lr": 0.3, "final_lr": 0.01, "warmup_steps": 5,
              "warmup_begin_lr": 0.05}
    expect_schedule(student, 26, kwargs, torch_schedule(21, **kwargs) + reference_schedule(26, **kwargs)[21:])


@grades(COSINE, en="the book's warmup from 0: CosineScheduler(20, warmup_steps=5, base_lr=0.3, "
                   "final_lr=0.01)",
        zh="书中从 0 开始的预热：CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01)")
def test_book_warmup(student):
    kwargs = {"max_update": 20, "base_lr": 0.3, "final_lr": 0.01, "warmup_steps": 5}
    expect_schedule(student, 30, kwargs, reference_schedule(30, **kwargs))


@grades(COSINE, en="other lengths, rates and warmups", zh="其他的长度、学习率和预热设置")
def test_random_schedules(student, seed):
    rng = random.Random(seed)
    for _ in range(3):
        max_update = rng.randint(8, 40)
        kwargs = {"max_update": max_update, "base_lr": rng.uniform(0.05, 1.0),
                  "final_lr": rng.uniform(0.0, 0.01), "warmup_steps": rng.randint(0, max_update // 2),
                  "warmup_begin_lr": rng.uniform(0.0, 0.02)}
        expect_schedule(student, max_update + 8, kwargs, reference_schedule(max_update + 8, **kwargs))
