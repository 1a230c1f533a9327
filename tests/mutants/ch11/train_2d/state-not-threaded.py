def train_2d(trainer, steps=20, f_grad=None):
    x1, x2 = -5, -2
    results = [(x1, x2)]
    for _ in range(steps):
        if f_grad:
            x1, x2, _, _ = trainer(x1, x2, 0, 0, f_grad)
        else:
            x1, x2, _, _ = trainer(x1, x2, 0, 0)
        results.append((x1, x2))
    return results
