"""Optimization algorithms from scratch (11.6–11.10): momentum, AdaGrad, RMSProp, Adadelta, Adam.
优化算法的从零开始实现（11.6–11.10 节）：动量法、AdaGrad、RMSProp、Adadelta、Adam。

Every optimizer here has the book's signature `update(params, states, hyperparams)` and is driven
by the book's `train_ch11` (11.5): per minibatch, `l = loss(net(X), y).mean(); l.backward();
update([w, b], states, hyperparams)`. `params` are leaf tensors whose `.grad` is set (w of shape
(feature_dim, 1), b of shape (1,)); `states` is what `init_*_states(feature_dim)` returned, moved
by the caller to the parameters' dtype and device. An update changes `params` and `states` in
place (inside `torch.no_grad()`), sets every gradient back to zero afterwards (the book's
`train_ch11` never calls zero_grad itself) and returns None. Do not use torch.optim.

这里每个优化算法都采用书中的签名 `update(params, states, hyperparams)`，由书中的 `train_ch11`
（11.5 节）驱动：对每个小批量执行 `l = loss(net(X), y).mean(); l.backward();
update([w, b], states, hyperparams)`。`params` 是已经有 `.grad` 的叶子张量（w 的形状为
(feature_dim, 1)，b 的形状为 (1,)）；`states` 是 `init_*_states(feature_dim)` 的返回值，
调用者会把它们移到与参数相同的数据类型和设备上。更新要在 `torch.no_grad()` 中原地修改 `params`
和 `states`，之后把每个梯度清零（书中的 `train_ch11` 自己不会清零梯度），并返回 None。
不能使用 torch.optim。
"""
import torch


# ---------------------------------------------------------------------------------- 11.6 动量法
def init_momentum_states(feature_dim: int):
    """The velocities (v_w, v_b) of momentum (11.6.2.1): float32 zeros of shapes (feature_dim, 1)
    and (1,), one per parameter, in the order of params = [w, b].

    动量法的速度 (v_w, v_b)（11.6.2.1 节）：形状分别为 (feature_dim, 1) 和 (1,) 的 float32
    全零张量，每个参数一个，顺序与 params = [w, b] 相同。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


def sgd_momentum(params, states, hyperparams) -> None:
    """Minibatch SGD with momentum (11.6.2.1), in place, for each parameter p and its velocity v:

        v <- momentum * v + p.grad
        p <- p - lr * v

    with `hyperparams = {'lr': ..., 'momentum': ...}`. The velocity adds the whole gradient (no
    factor 1 − momentum, no lr inside it): the same as `torch.optim.SGD(lr=lr, momentum=momentum)`.
    Then zero p.grad.

    带动量的小批量随机梯度下降（11.6.2.1 节），原地更新；对每个参数 p 及其速度 v：
    v <- momentum * v + p.grad，p <- p - lr * v，其中 `hyperparams = {'lr': ..., 'momentum': ...}`。
    速度加上的是完整的梯度（不乘 1 − momentum，也不把 lr 放进速度里），与
    `torch.optim.SGD(lr=lr, momentum=momentum)` 相同。最后把 p.grad 清零。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------------- 11.7 AdaGrad
def init_adagrad_states(feature_dim: int):
    """AdaGrad's sums of squared gradients (s_w, s_b) (11.7.4): float32 zeros of shapes
    (feature_dim, 1) and (1,).

    AdaGrad 的梯度平方累加变量 (s_w, s_b)（11.7.4 节）：形状分别为 (feature_dim, 1) 和 (1,)
    的 float32 全零张量。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


def adagrad(params, states, hyperparams) -> None:
    """AdaGrad (11.7.4), in place, for each parameter p and its state s:

        s <- s + p.grad²
        p <- p - lr * p.grad / sqrt(s + eps)

    with `hyperparams = {'lr': ...}` and eps = `hyperparams.get('eps', 1e-6)`. As the book writes
    it, eps sits *inside* the square root (torch.optim.Adagrad adds its eps outside; the two agree
    only at eps = 0). Then zero p.grad.

    AdaGrad 算法（11.7.4 节），原地更新；对每个参数 p 及其状态 s：
    s <- s + p.grad²，p <- p - lr * p.grad / sqrt(s + eps)，其中 `hyperparams = {'lr': ...}`，
    eps = `hyperparams.get('eps', 1e-6)`。按照书中的写法，eps 在平方根*里面*
    （torch.optim.Adagrad 把 eps 加在平方根外面，二者只在 eps = 0 时一致）。最后把 p.grad 清零。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------------- 11.8 RMSProp
def init_rmsprop_states(feature_dim: int):
    """RMSProp's leaky averages of squared gradients (s_w, s_b) (11.8.2): float32 zeros of shapes
    (feature_dim, 1) and (1,).

    RMSProp 的梯度平方泄漏平均 (s_w, s_b)（11.8.2 节）：形状分别为 (feature_dim, 1) 和 (1,)
    的 float32 全零张量。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


def rmsprop(params, states, hyperparams) -> None:
    """RMSProp (11.8.2), in place, for each parameter p and its state s:

        s <- gamma * s + (1 - gamma) * p.grad²
        p <- p - lr * p.grad / sqrt(s + eps)

    with `hyperparams = {'lr': ..., 'gamma': ...}` and eps = `hyperparams.get('eps', 1e-6)`,
    *inside* the square root as the book writes it (torch.optim.RMSprop(alpha=gamma) adds its eps
    outside; the two agree at eps = 0). Then zero p.grad.

    RMSProp 算法（11.8.2 节），原地更新；对每个参数 p 及其状态 s：
    s <- gamma * s + (1 - gamma) * p.grad²，p <- p - lr * p.grad / sqrt(s + eps)，
    其中 `hyperparams = {'lr': ..., 'gamma': ...}`，eps = `hyperparams.get('eps', 1e-6)`，
    按照书中的写法放在平方根*里面*（torch.optim.RMSprop(alpha=gamma) 把 eps 加在平方根外面，
    二者在 eps = 0 时一致）。最后把 p.grad 清零。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------------- 11.9 Adadelta
def init_adadelta_states(feature_dim: int):
    """Adadelta's two states per parameter (11.9.2), ((s_w, delta_w), (s_b, delta_b)): float32
    zeros, those of w of shape (feature_dim, 1), those of b of shape (1,).

    Adadelta 每个参数的两个状态变量（11.9.2 节），((s_w, delta_w), (s_b, delta_b))：float32
    全零张量，w 的形状为 (feature_dim, 1)，b 的形状为 (1,)。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


def adadelta(params, states, hyperparams) -> None:
    """Adadelta (11.9.2), in place, for each parameter p and its states (s, delta):

        s     <- rho * s + (1 - rho) * p.grad²
        g'    =  sqrt(delta + eps) / sqrt(s + eps) * p.grad
        p     <- p - g'
        delta <- rho * delta + (1 - rho) * g'²

    with `hyperparams = {'rho': ...}` and eps = `hyperparams.get('eps', 1e-5)`, inside both
    square roots. There is no learning rate: the same as `torch.optim.Adadelta(lr=1.0, rho=rho,
    eps=eps)`. Then zero p.grad.

    Adadelta 算法（11.9.2 节），原地更新；对每个参数 p 及其状态 (s, delta)：
    s <- rho * s + (1 - rho) * p.grad²；g' = sqrt(delta + eps) / sqrt(s + eps) * p.grad；
    p <- p - g'；delta <- rho * delta + (1 - rho) * g'²。其中 `hyperparams = {'rho': ...}`，
    eps = `hyperparams.get('eps', 1e-5)`，两个平方根里都要加。没有学习率：与
    `torch.optim.Adadelta(lr=1.0, rho=rho, eps=eps)` 相同。最后把 p.grad 清零。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------------- 11.10 Adam
def init_adam_states(feature_dim: int):
    """Adam's two states per parameter (11.10.2), ((v_w, s_w), (v_b, s_b)): float32 zeros, those
    of w of shape (feature_dim, 1), those of b of shape (1,).

    Adam 每个参数的两个状态变量（11.10.2 节），((v_w, s_w), (v_b, s_b))：float32 全零张量，
    w 的形状为 (feature_dim, 1)，b 的形状为 (1,)。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


def adam(params, states, hyperparams) -> None:
    """Adam (11.10.2) with bias correction, in place, for each parameter p and its states (v, s):

        v <- beta1 * v + (1 - beta1) * p.grad
        s <- beta2 * s + (1 - beta2) * p.grad²
        v̂ = v / (1 - beta1^t),  ŝ = s / (1 - beta2^t)
        p <- p - lr * v̂ / (sqrt(ŝ) + eps)

    with `hyperparams = {'lr': ..., 't': ...}` (the caller starts t at 1) and beta1, beta2, eps =
    `hyperparams.get('beta1', 0.9)`, `.get('beta2', 0.999)`, `.get('eps', 1e-6)`. Here eps sits
    *outside* the square root (unlike AdaGrad and RMSProp): the same as `torch.optim.Adam(lr=lr,
    betas=(beta1, beta2), eps=eps)`. Every parameter of one call uses the same t; after updating
    all of them, zero the gradients and advance `hyperparams['t']` by one (once per call).

    带偏差修正的 Adam 算法（11.10.2 节），原地更新；对每个参数 p 及其状态 (v, s)：
    v <- beta1 * v + (1 - beta1) * p.grad；s <- beta2 * s + (1 - beta2) * p.grad²；
    v̂ = v / (1 - beta1^t)，ŝ = s / (1 - beta2^t)；p <- p - lr * v̂ / (sqrt(ŝ) + eps)。
    其中 `hyperparams = {'lr': ..., 't': ...}`（调用者让 t 从 1 开始），beta1、beta2、eps 分别为
    `hyperparams.get('beta1', 0.9)`、`.get('beta2', 0.999)`、`.get('eps', 1e-6)`。这里 eps 在平方根
    *外面*（与 AdaGrad 和 RMSProp 不同），与 `torch.optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps)`
    相同。同一次调用中所有参数使用同一个 t；全部参数更新完之后，清零梯度，并把
    `hyperparams['t']` 加一（每次调用加一次）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError
