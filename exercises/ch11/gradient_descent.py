"""Gradient descent in two dimensions (11.3.2). 多元梯度下降。

The book studies each optimizer on a function of two variables, f(x1, x2), by following the path
of the point (x1, x2) from (-5, -2): `train_2d(trainer)` records that path, and a *trainer* is one
step of an optimizer, `trainer(x1, x2, s1, s2[, f_grad]) -> (x1, x2, s1, s2)`, where s1 and s2 are
whatever state the optimizer keeps between steps (momentum's velocities, AdaGrad's sums, ...).

书中在二元函数 f(x1, x2) 上观察每个优化算法：从 (-5, -2) 出发，跟踪点 (x1, x2) 的轨迹。
`train_2d(trainer)` 记录这条轨迹；*训练器*（trainer）是优化算法的一步，
`trainer(x1, x2, s1, s2[, f_grad]) -> (x1, x2, s1, s2)`，其中 s1、s2 是算法在两步之间保留的状态
（动量法的速度、AdaGrad 的累加和等）。
"""


def gd_2d(x1, x2, s1, s2, f_grad, eta=0.1):
    """One step of gradient descent on a function of two variables (11.3.2): with
    (g1, g2) = f_grad(x1, x2), return (x1 - eta * g1, x2 - eta * g2, 0, 0). Gradient descent keeps
    no state, so s1 and s2 are ignored and returned as 0. Plain Python numbers in, plain numbers
    out.

    二元函数上的一步梯度下降（11.3.2 节）：令 (g1, g2) = f_grad(x1, x2)，返回
    (x1 - eta * g1, x2 - eta * g2, 0, 0)。梯度下降没有状态，所以忽略 s1 和 s2，并返回 0。
    输入和输出都是普通的 Python 数。
    """
    raise NotImplementedError


def train_2d(trainer, steps=20, f_grad=None):
    """Optimize a 2-D objective with a custom trainer (11.3.2). Start at x1, x2 = -5, -2 with
    states s1 = s2 = 0; at each of `steps` steps call `trainer(x1, x2, s1, s2, f_grad)` — or
    `trainer(x1, x2, s1, s2)` when f_grad is None — and carry on from the (x1, x2, s1, s2) it
    returns. Return the list of the steps + 1 points (x1, x2) visited, the starting point first.
    (The book also prints the last point; printing is allowed.)

    用自定义的训练器优化二维目标函数（11.3.2 节）。从 x1, x2 = -5, -2 出发，状态 s1 = s2 = 0；
    共 `steps` 步，每一步调用 `trainer(x1, x2, s1, s2, f_grad)`——f_grad 为 None 时调用
    `trainer(x1, x2, s1, s2)`——并从它返回的 (x1, x2, s1, s2) 继续。返回经过的 steps + 1 个点
    (x1, x2) 组成的列表，第一个是起点。（书中还会打印最后一个点；打印是允许的。）
    """
    raise NotImplementedError
