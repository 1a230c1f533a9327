"""Grader for 3.2 线性回归的从零开始实现: synthetic_data, data_iter, linreg, squared_loss, sgd."""
import pytest
import torch
import torch.nn.functional as F
from torch.optim.sgd import sgd as functional_sgd  # the computation of torch.optim.SGD.step

from d2lkit.grading.api import (FLOATS, Gen, expect, expect_close, expect_equal, expect_tensor,
                                grades, is_close, mistake_if, mistake_on_error, probes_for,
                                shape_of)

probes = probes_for(__file__)

NEAR = {"rtol": 1e-5, "atol": 1e-7}  # how close a wrong answer must come to a mistake's to name it


TRUE_W = torch.tensor([2.0, -3.4])  # the book's true parameters (3.2.1)
TRUE_B = 4.2


# ------------------------------------------------------------------------------- synthetic_data

def call_synthetic_data(student, *args, **kwargs):
    out = student.call("synthetic_data", *args, **kwargs)
    expect(isinstance(out, (tuple, list)) and len(out) == 2, what="synthetic_data(...)",
           expected="a pair (X, y)", got=type(out).__name__)
    return out


@grades("ch3.synthetic_data", en="shapes, dtypes and device: X is (n, len(w)), y is a column (n, 1), both like w",
        zh="形状、数据类型和设备：X 为 (n, len(w))，y 为列向量 (n, 1)，二者都与 w 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_synthetic_data_shapes(student, seed, dtype, device):
    w = TRUE_W.to(dtype=dtype, device=device)
    X, y = call_synthetic_data(student, w, TRUE_B, 1000, generator=Gen(seed))
    mistake_if(tuple(y.shape) == (1000,), "y-not-column", what="y.shape", got=tuple(y.shape),
               expected=(1000, 1))
    expect_equal(tuple(X.shape), (1000, 2), what="X.shape")
    expect_equal(tuple(y.shape), (1000, 1), what="y.shape")
    expect_equal((X.dtype, y.dtype), (dtype, dtype), what="(X.dtype, y.dtype)")
    expect_equal((X.device, y.device), (device, device), what="(X.device, y.device)")


@grades("ch3.synthetic_data", en="with noise_std=0, y = Xw + b exactly",
        zh="noise_std=0 时 y 恰好等于 Xw + b")
@pytest.mark.parametrize("dtype", FLOATS)
def test_synthetic_data_noiseless(student, seed, dtype, device):
    w = TRUE_W.to(dtype=dtype, device=device)
    X, y = call_synthetic_data(student, w, TRUE_B, 200, noise_std=0.0, generator=Gen(seed))
    expect_close(y, (X @ w + TRUE_B).reshape(-1, 1), what="y")


@grades("ch3.synthetic_data", en="features are standard normal (column mean ≈ 0, std ≈ 1)",
        zh="特征服从标准正态分布（列均值 ≈ 0，标准差 ≈ 1）")
def test_synthetic_data_features(student, seed, device):
    w = torch.tensor([2.0, -3.4, 1.5], dtype=torch.float64, device=device)
    X, _ = call_synthetic_data(student, w, TRUE_B, 10_000, generator=Gen(seed))
    mean, std = X.mean(dim=0), X.std(dim=0)
    # torch.rand gives U[0, 1): mean 0.5, std 0.29, no negative entries.
    mistake_if(bool(X.min() >= 0) and bool(((mean - 0.5).abs() < 0.05).all()), "uniform-features",
               what="X.mean(dim=0)", got=mean.tolist(), expected=[0.0] * 3)
    expect(bool((mean.abs() < 0.05).all()), what="X.mean(dim=0)", expected="≈ 0 (±0.05)",
           got=mean.tolist())
    expect(bool(((std - 1).abs() < 0.05).all()), what="X.std(dim=0)", expected="≈ 1 (±0.05)",
           got=std.tolist())


@grades("ch3.synthetic_data", en="the noise has standard deviation noise_std",
        zh="噪声的标准差为 noise_std")
def test_synthetic_data_noise_std(student, seed, device):
    w = TRUE_W.to(dtype=torch.float64, device=device)
    noise_std = 0.01
    X, y = call_synthetic_data(student, w, TRUE_B, 10_000, noise_std=noise_std, generator=Gen(seed))
    std = float((y.reshape(-1) - (X @ w + TRUE_B)).std())
    # std of the residual: 1e-4 if noise_std was used as a variance, 0.1 if as std².
    mistake_if(abs(std - noise_std ** 2) < 2e-5 or abs(std - noise_std ** 0.5) < 1e-2,
               "std-variance-confusion", what="(y - (X @ w + b)).std()", got=std, expected=noise_std)
    expect(abs(std - noise_std) < 1e-3, what="(y - (X @ w + b)).std()",
           expected=f"{noise_std} ± 0.001", got=std)


@grades("ch3.synthetic_data", en="y = Xw + b + ε with ε the generator's own draws (added, not subtracted)",
        zh="y = Xw + b + ε，其中 ε 就是生成器抽出的随机数（加上，而不是减去）")
def test_synthetic_data_noise_added(student, seed, device):
    if device.type != "cpu":
        return  # the replay below draws on the CPU, whose stream a GPU generator does not share
    w, n, noise_std = TRUE_W.to(dtype=torch.float64), 50, 0.5
    X, y = call_synthetic_data(student, w, TRUE_B, n, noise_std=noise_std, generator=Gen(seed))
    residual = (y.reshape(-1) - (X @ w + TRUE_B)) / noise_std
    # replay the generator both ways: X then ε (the book's order), or ε then X
    g = torch.Generator().manual_seed(seed)
    X_first, eps_after = torch.randn(n, 2, generator=g, dtype=w.dtype), torch.randn(n, generator=g, dtype=w.dtype)
    g = torch.Generator().manual_seed(seed)
    eps_before, X_after = torch.randn(n, generator=g, dtype=w.dtype), torch.randn(n, 2, generator=g, dtype=w.dtype)
    for X_replayed, eps in ((X_first, eps_after), (X_after, eps_before)):
        if isinstance(X, torch.Tensor) and X.shape == X_replayed.shape and torch.equal(X, X_replayed):
            expect_close(residual, eps, rtol=1e-6, atol=1e-9,
                         what="(y - (X @ w + b)) / noise_std, compared with the generator's draws")


@grades("ch3.synthetic_data", en="same seed, same data; another seed, other data",
        zh="相同的种子得到相同的数据；不同的种子得到不同的数据")
def test_synthetic_data_seeded(student, seed, device):
    w = TRUE_W.to(dtype=torch.float64, device=device)
    X1, y1 = call_synthetic_data(student, w, TRUE_B, 50, generator=Gen(seed))
    X2, y2 = call_synthetic_data(student, w, TRUE_B, 50, generator=Gen(seed))
    X3, _ = call_synthetic_data(student, w, TRUE_B, 50, generator=Gen(seed + 1))
    expect(torch.equal(X1, X2) and torch.equal(y1, y2), what="synthetic_data(..., generator=Gen(seed))",
           expected="identical for the same seed", got="different")
    expect(not torch.equal(X1, X3), what="synthetic_data(..., generator=Gen(seed + 1))",
           expected="different data for another seed", got="identical")


# ------------------------------------------------------------------------------------ data_iter

N_EXAMPLES, BATCH = 1003, 10     # 100 full batches and a last one of 3


def run_data_iter(student, seed, device, n=N_EXAMPLES, batch_size=BATCH):
    features = torch.arange(n, dtype=torch.float64, device=device).reshape(-1, 1)
    labels = 10 * features
    batches = student.probe(probes.probe_batches, batch_size, features, labels, Gen(seed))
    expect(all(len(b) == 2 for b in batches), what="data_iter(...)",
           expected="yields pairs (X, y)", got=[len(b) for b in batches[:3]])
    X = torch.cat([b[0] for b in batches]) if batches else features[:0]
    y = torch.cat([b[1] for b in batches]) if batches else labels[:0]
    return batches, X, y


@grades("ch3.data_iter", en="⌈n/batch_size⌉ batches, the last one smaller (n=1003, batch_size=10)",
        zh="共 ⌈n/batch_size⌉ 个小批量，最后一个较小（n=1003，batch_size=10）")
def test_data_iter_batch_sizes(student, seed, device):
    batches, X, _ = run_data_iter(student, seed, device)
    sizes = [len(b[0]) for b in batches]
    # exactly the full batches and not the last, smaller one (fewer examples for another reason,
    # such as a loop that starts at 1, is not this mistake)
    mistake_if(sizes == [BATCH] * (N_EXAMPLES // BATCH), "last-batch-dropped",
               what="examples seen in one pass", got=sum(sizes), expected=N_EXAMPLES)
    expect_equal(sizes, [BATCH] * 100 + [3], what="[len(X) for X, y in data_iter(...)]")


@grades("ch3.data_iter", en="every label stays with its own features",
        zh="每个标签始终与它自己的特征配对")
def test_data_iter_pairs(student, seed, device):
    _, X, y = run_data_iter(student, seed, device)
    mistake_if(X.shape == y.shape and not torch.equal(y, 10 * X), "unpaired-shuffle",
               what="labels of the first batch (features × 10)", got=y[:5].reshape(-1).tolist(),
               expected=(10 * X[:5]).reshape(-1).tolist())
    expect_equal(y, 10 * X, what="labels of each batch")


@grades("ch3.data_iter", en="the examples are shuffled, each exactly once per pass",
        zh="样本被打乱，并且每次遍历中每个样本恰好出现一次")
def test_data_iter_shuffled(student, seed, device):
    _, X, _ = run_data_iter(student, seed, device)
    in_order = torch.arange(N_EXAMPLES, dtype=torch.float64, device=device).reshape(-1, 1)
    mistake_if(torch.equal(X, in_order), "no-shuffle", what="features of the first batch",
               got=X[:BATCH].reshape(-1).tolist(), expected="a random order")
    expect_equal(X.sort(dim=0).values, in_order, what="sorted(all features seen)")


@grades("ch3.data_iter", en="the order comes from the generator: same seed, same order",
        zh="顺序由 generator 决定：相同的种子得到相同的顺序")
def test_data_iter_seeded(student, seed, device):
    _, X1, _ = run_data_iter(student, seed, device)
    _, X2, _ = run_data_iter(student, seed, device)
    _, X3, _ = run_data_iter(student, seed + 1, device)
    expect(torch.equal(X1, X2), what="data_iter(..., generator=Gen(seed))",
           expected="the same order for the same seed", got="a different order")
    expect(not torch.equal(X1, X3), what="data_iter(..., generator=Gen(seed + 1))",
           expected="another order for another seed", got="the same order")


@grades("ch3.data_iter", en="the book's 3.2 exercise 7: n not a multiple of batch_size, batch_size > n",
        zh="3.2 节练习 7：样本数不是批量大小的整数倍，以及 batch_size > n")
def test_data_iter_uneven(student, seed, device):
    batches, X, y = run_data_iter(student, seed, device, n=7, batch_size=3)
    expect_equal([len(b[0]) for b in batches], [3, 3, 1], what="batch sizes (n=7, batch_size=3)")
    batches, X, y = run_data_iter(student, seed, device, n=5, batch_size=8)
    expect_equal([len(b[0]) for b in batches], [5], what="batch sizes (n=5, batch_size=8)")


# --------------------------------------------------------------------------------------- linreg

@grades("ch3.linreg", en="a fixed example: output is a column (n, 1)",
        zh="固定的例子：输出是列向量 (n, 1)")
def test_linreg_example(student, device):
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64, device=device)
    w = TRUE_W.to(torch.float64).reshape(-1, 1).to(device)
    b = torch.tensor(TRUE_B, dtype=torch.float64, device=device)    # a 0-d tensor
    got = student.call("linreg", X, w, b)
    mistake_if(shape_of(got) == (3,), "output-not-column", what="linreg(X, w, b).shape",
               got=shape_of(got), expected=(3, 1))
    expect_close(got, F.linear(X, w.T, b.reshape(1)), what="linreg(X, w, b)")


@grades("ch3.linreg", en="matches F.linear on random inputs", zh="在随机输入上与 F.linear 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_linreg_random(student, gen, dtype, device):
    X = torch.randn(7, 4, generator=gen, dtype=dtype).to(device)
    w = torch.randn(4, 1, generator=gen, dtype=dtype).to(device)
    b = torch.randn(1, generator=gen, dtype=dtype).to(device)
    expect_close(student.call("linreg", X, w, b), F.linear(X, w.T, b), what="linreg(X, w, b)")


# --------------------------------------------------------------------------------- squared_loss

@grades("ch3.squared_loss", en="y of shape (n,) against y_hat (n, 1) (3.2 exercise 5)",
        zh="y 的形状为 (n,)、y_hat 为 (n, 1)（3.2 节练习 5）")
def test_squared_loss_reshape(student, device):
    y_hat = torch.tensor([[1.0], [2.5], [-0.5], [4.0]], dtype=torch.float64, device=device)
    y = torch.tensor([1.5, 2.0, 0.5, 3.0], dtype=torch.float64, device=device)
    expected = F.mse_loss(y_hat, y.reshape(y_hat.shape), reduction="none") / 2
    got = expect_tensor(student.call("squared_loss", y_hat, y), "squared_loss(y_hat, y)")
    mistake_if(shape_of(got) == (4, 4), "no-reshape", what="squared_loss(y_hat, y).shape",
               got=shape_of(got), expected=(4, 1))
    mistake_if(shape_of(got) in [(), (1,), (1, 1)], "reduced-to-scalar",
               what="squared_loss(y_hat, y).shape", got=shape_of(got), expected=(4, 1))
    mistake_if(is_close(got, 2 * expected, **NEAR), "missing-half", what="squared_loss(y_hat, y)",
               got=got.reshape(-1).tolist(), expected=expected.reshape(-1).tolist())
    expect_close(got, expected, what="squared_loss(y_hat, y)")


@grades("ch3.squared_loss", en="matches F.mse_loss(reduction='none') / 2",
        zh="与 F.mse_loss(reduction='none') / 2 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_squared_loss_random(student, gen, dtype, device):
    y_hat = torch.randn(9, 1, generator=gen, dtype=dtype).to(device)
    y = torch.randn(9, 1, generator=gen, dtype=dtype).to(device)
    expect_close(student.call("squared_loss", y_hat, y),
                 F.mse_loss(y_hat, y, reduction="none") / 2, what="squared_loss(y_hat, y)")


# ------------------------------------------------------------------------------------------ sgd


def torch_sgd(params, grads, lr):
    """PyTorch's own SGD update, in place: what torch.optim.SGD(params, lr=lr).step() runs.

    The functional form avoids the ≈2 s import of torch._dynamo that the first
    optimizer.step() costs.
    """
    functional_sgd(params, grads, [None] * len(params), weight_decay=0.0, momentum=0.0, lr=lr,
                   dampening=0.0, nesterov=False, maximize=False, foreach=False)


def optim_sgd_step(values, grads, lr, batch_size):
    """One step of SGD with lr / batch_size, the expected result of the learner's sgd."""
    params = [v.clone() for v in values]
    torch_sgd(params, [g.clone() for g in grads], lr / batch_size)
    return params


def random_params(gen, dtype, device):
    values = [torch.randn(3, 1, generator=gen, dtype=dtype).to(device),
              torch.randn(1, generator=gen, dtype=dtype).to(device)]
    grads = [torch.randn(v.shape, generator=gen, dtype=dtype).to(device) for v in values]
    return values, grads


@grades("ch3.sgd", en="one step updates the parameters in place, like optim.SGD(lr=lr/batch_size)",
        zh="一步更新会原地修改参数，与 optim.SGD(lr=lr/batch_size) 一致")
def test_sgd_step(student, gen, device):
    values, grads = random_params(gen, torch.float64, device)
    lr, batch_size = 0.03, 10
    with mistake_on_error("outside-no-grad", match="leaf Variable"), \
            mistake_on_error("not-in-place", match="has no attribute 'zero_'"):
        out = student.probe(probes.probe_sgd, values, grads, lr, batch_size)
    unchanged = all(torch.equal(a, b) for a, b in zip(out["values"], values))
    mistake_if(unchanged, "not-in-place", what="w after sgd", got=out["values"][0].reshape(-1).tolist(),
               expected=optim_sgd_step(values, grads, lr, batch_size)[0].reshape(-1).tolist())
    no_division = [v - lr * g for v, g in zip(values, grads)]
    mistake_if(all(is_close(a, b, **NEAR) for a, b in zip(out["values"], no_division)),
               "missing-batch-size",
               what="w after sgd(params, lr=0.03, batch_size=10)",
               got=out["values"][0].reshape(-1).tolist(),
               expected=optim_sgd_step(values, grads, lr, batch_size)[0].reshape(-1).tolist())
    for got, expected, name in zip(out["values"], optim_sgd_step(values, grads, lr, batch_size),
                                   ["w", "b"]):
        expect_close(got, expected, what=f"{name} after sgd")
    expect(out["same_storage"], what="param.data_ptr()", expected="unchanged (update in place)",
           got="a new storage")
    expect(out["returned_none"], what="sgd(...)", expected="None", got="a value")


@grades("ch3.sgd", en="the gradients are zero after the step", zh="更新之后梯度被清零")
def test_sgd_zeroes_grads(student, gen, device):
    values, grads = random_params(gen, torch.float64, device)
    out = student.probe(probes.probe_sgd, values, grads, 0.1, 4)
    zeroed = all(g is None or not g.any() for g in out["grads"])
    mistake_if(not zeroed, "grad-not-zeroed", what="w.grad after sgd",
               got=out["grads"][0].reshape(-1).tolist() if out["grads"][0] is not None else None,
               expected=[0.0] * 3)


@grades("ch3.sgd", en="three steps of the book's training loop match optim.SGD(lr=lr/batch_size)",
        zh="书中训练循环的三步与 optim.SGD(lr=lr/batch_size) 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_sgd_training_loop(student, gen, dtype, device):
    X = torch.randn(10, 3, generator=gen, dtype=dtype).to(device)
    y = torch.randn(10, 1, generator=gen, dtype=dtype).to(device)
    w = torch.randn(3, 1, generator=gen, dtype=dtype).to(device)
    b = torch.zeros(1, dtype=dtype).to(device)
    lr, batch_size, steps = 0.1, 10, 3
    got_w, got_b = student.probe(probes.probe_training_loop, X, y, w, b, lr, batch_size, steps)

    w_ref, b_ref = w.clone().requires_grad_(), b.clone().requires_grad_()
    for _ in range(steps):     # optimizer.zero_grad(); loss.backward(); optimizer.step()
        grads = torch.autograd.grad(((X @ w_ref + b_ref - y) ** 2 / 2).sum(), [w_ref, b_ref])
        with torch.no_grad():
            torch_sgd([w_ref, b_ref], list(grads), lr / batch_size)
    expect_close(got_w, w_ref.detach(), what="w after 3 steps")
    expect_close(got_b, b_ref.detach(), what="b after 3 steps")
