def gd_2d(x1, x2, s1, s2, f_grad, eta=0.1):
    g1, g2 = f_grad(x1, x2)
    return (x1 + eta * g1, x2 + eta * g2, 0, 0)
