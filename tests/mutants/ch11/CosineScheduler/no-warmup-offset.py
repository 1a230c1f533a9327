class CosineScheduler:
    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = max_update - warmup_steps

    def __call__(self, epoch):
        if epoch < self.warmup_steps:
            return self.warmup_begin_lr + (self.base_lr_orig - self.warmup_begin_lr) * epoch / self.warmup_steps
        t = min(epoch, self.max_update)
        return self.final_lr + (self.base_lr_orig - self.final_lr) * (1 + math.cos(math.pi * t / self.max_steps)) / 2
