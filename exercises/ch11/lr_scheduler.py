"""Learning rate scheduling (11.11). 学习率调度器。"""
import math


class CosineScheduler:
    """The cosine schedule with a linear warmup (11.11.3.3 and 11.11.3.4). `scheduler(epoch)` is
    the learning rate of update number `epoch` = 0, 1, 2, ...:

    - epoch < warmup_steps: linear from warmup_begin_lr towards base_lr,
      warmup_begin_lr + (base_lr - warmup_begin_lr) * epoch / warmup_steps;
    - warmup_steps <= epoch <= max_update: half a cosine wave from base_lr down to final_lr,
      final_lr + (base_lr - final_lr) * (1 + cos(pi * (epoch - warmup_steps) / (max_update -
      warmup_steps))) / 2;
    - epoch > max_update: final_lr (the book keeps its last value, which is final_lr).

    Without warmup this is torch.optim.lr_scheduler.CosineAnnealingLR(T_max=max_update,
    eta_min=final_lr) up to max_update (torch's then climbs back up). The training loop calls it
    with epoch = 0, 1, 2, ... in order. Do not use torch.optim.

    带线性预热的余弦调度器（11.11.3.3 和 11.11.3.4 节）。`scheduler(epoch)` 返回第 epoch 次
    （epoch = 0, 1, 2, ...）更新的学习率：

    - epoch < warmup_steps：从 warmup_begin_lr 线性升向 base_lr，
      warmup_begin_lr + (base_lr - warmup_begin_lr) * epoch / warmup_steps；
    - warmup_steps <= epoch <= max_update：沿半个余弦波从 base_lr 降到 final_lr，
      final_lr + (base_lr - final_lr) * (1 + cos(pi * (epoch - warmup_steps) / (max_update -
      warmup_steps))) / 2；
    - epoch > max_update：final_lr（书中保持最后的值，也就是 final_lr）。

    没有预热时，在 max_update 之前它与 torch.optim.lr_scheduler.CosineAnnealingLR(T_max=max_update,
    eta_min=final_lr) 相同（torch 的调度此后会重新升高）。训练循环按 epoch = 0, 1, 2, ... 的顺序
    调用它。不能使用 torch.optim。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """

    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0):
        raise NotImplementedError

    def __call__(self, epoch):
        raise NotImplementedError
