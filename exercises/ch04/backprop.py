"""Forward propagation, backward propagation and computational graphs (4.7).
前向传播、反向传播和计算图。"""
import torch
from torch import Tensor


def manual_backprop(X: Tensor, y: Tensor, W1: Tensor, W2: Tensor,
                    lambd: float) -> tuple[Tensor, Tensor]:
    """Gradients of the book's 4.7 model, computed by hand (no autograd).

    Model (biases omitted as in the book, one example per row of X):
    z = W1 x, h = relu(z) with relu'(0) = 0, o = W2 h,
    J = L + lambd / 2 * (||W1||_F² + ||W2||_F²), where L is the MEAN softmax cross-entropy of the
    logits o over the n examples with labels y.
    Shapes: X (n, d) float, y (n,) int64, W1 (h, d), W2 (q, h).
    Returns (dJ/dW1, dJ/dW2) with the shapes of W1 and W2, in their dtype.
    Do not use autograd (Tensor.backward, torch.autograd, torch.func).

    手工计算书中 4.7 节模型的梯度（不使用自动微分）。
    模型（与书中一样省略偏置，X 的每一行是一个样本）：z = W1 x，h = relu(z)，
    其中 relu'(0) = 0，o = W2 h，J = L + lambd / 2 * (||W1||_F² + ||W2||_F²)，
    L 是 n 个样本上 logits o 与标签 y 的 softmax 交叉熵的**平均值**。
    形状：X 为 (n, d) 浮点张量，y 为 (n,) int64，W1 为 (h, d)，W2 为 (q, h)。
    返回 (dJ/dW1, dJ/dW2)，形状和数据类型分别与 W1、W2 相同。
    不能使用自动微分（Tensor.backward、torch.autograd、torch.func）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.Tensor.backward, torch.autograd.grad, torch.autograd.backward,
        torch.autograd.functional.*, torch.func.*
    """
    raise NotImplementedError


def manual_backprop_with_bias(X: Tensor, y: Tensor, W1: Tensor, b1: Tensor, W2: Tensor,
                              b2: Tensor, lambd: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Exercise 2 of 4.7: manual_backprop for the model WITH biases (no autograd).

    Model, one example per row of X: z = W1 x + b1, h = relu(z) with relu'(0) = 0,
    o = W2 h + b2, J = L + lambd / 2 * (||W1||_F² + ||W2||_F²), where L is the MEAN softmax
    cross-entropy of the logits o over the n examples with labels y. The biases are NOT
    penalized. Shapes: X (n, d) float, y (n,) int64, W1 (h, d), b1 (h,), W2 (q, h), b2 (q,).
    Returns (dJ/dW1, dJ/db1, dJ/dW2, dJ/db2) with the shapes and dtype of W1, b1, W2, b2.
    Do not use autograd (Tensor.backward, torch.autograd, torch.func).

    4.7 节练习 2：带偏置的模型的手工反向传播（不使用自动微分）。
    模型（X 的每一行是一个样本）：z = W1 x + b1，h = relu(z)，其中 relu'(0) = 0，o = W2 h + b2，
    J = L + lambd / 2 * (||W1||_F² + ||W2||_F²)，L 是 n 个样本上 logits o 与标签 y 的 softmax
    交叉熵的**平均值**。偏置**不**参与惩罚。形状：X 为 (n, d) 浮点张量，y 为 (n,) int64，
    W1 为 (h, d)，b1 为 (h,)，W2 为 (q, h)，b2 为 (q,)。
    返回 (dJ/dW1, dJ/db1, dJ/dW2, dJ/db2)，形状和数据类型分别与 W1、b1、W2、b2 相同。
    不能使用自动微分（Tensor.backward、torch.autograd、torch.func）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.Tensor.backward, torch.autograd.grad, torch.autograd.backward,
        torch.autograd.functional.*, torch.func.*
    """
    raise NotImplementedError
