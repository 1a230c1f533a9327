"""Grader for 6.2 图像卷积: corr2d and learn_kernel."""
import math

import pytest
import torch
import torch.nn.functional as F

from d2lkit.grading.api import (expect, expect_close, expect_equal, FLOATS, Gen, grades, is_close,
                                mistake_if, on_cpu, probe_calls, probes_for, record_series, shown)

probes = probes_for(__file__)


def conv(X, K):
    """PyTorch's cross-correlation of one matrix with one kernel (the supervisor's answer).

    Computed in float64 (then cast back): exact enough for float32 too, and it avoids oneDNN's
    per-shape setup cost for float32 convolutions on the CPU."""
    if X.dtype == torch.float64 or X.requires_grad or K.requires_grad:
        return F.conv2d(X[None, None], K[None, None])[0, 0]
    return F.conv2d(X[None, None].double(), K[None, None].double())[0, 0].to(X.dtype)


def diagnose_corr2d(got, X, K, what):
    """Name the catalogued mistake behind a wrong corr2d result, then compare."""
    expected = conv(X, K)
    if is_close(got, expected):
        return
    oh, ow = expected.shape
    if isinstance(got, torch.Tensor):
        mistake_if(tuple(got.shape) == (oh - 1, ow - 1), "missing-plus-one",
                   got=shown(got), expected=shown(expected), what=what)
        if got.shape == expected.shape and got.dtype == expected.dtype:
            flipped = conv(X, K.flip(0, 1))
            mistake_if(not torch.allclose(got, expected) and torch.allclose(got, flipped),
                       "kernel-flipped", got=shown(got), expected=shown(expected), what=what)
        mistake_if(float32_copy(got, expected), "zeros-without-dtype", got=got, expected=expected,
                   what=what)
    expect_close(got, expected, what=what)


def float32_copy(got, expected) -> bool:
    """The right values, stored in float32 where float64 was expected: an output tensor made
    with torch.zeros(shape) and no dtype (another wrong result in float32 is another bug)."""
    return (isinstance(got, torch.Tensor) and got.dtype == torch.float32
            and expected.dtype == torch.float64 and got.shape == expected.shape
            and bool(torch.allclose(got.double().cpu(), expected.cpu(), rtol=1e-4, atol=1e-5)))


# ------------------------------------------------------------------------------------ corr2d
@grades("ch6.corr2d", en="the book's example: corr2d(arange(9).reshape(3, 3), arange(4).reshape(2, 2))",
        zh="书中的例子：corr2d(arange(9).reshape(3, 3), arange(4).reshape(2, 2))")
def test_corr2d_book_example(student):
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.arange(4.0).reshape(2, 2)
    got = student.call("corr2d", X, K)
    diagnose_corr2d(got, X, K, "corr2d(X, K)")
    expect_close(got, torch.tensor([[19.0, 25.0], [37.0, 43.0]]), what="corr2d(X, K)")


@grades("ch6.corr2d", en="the kernel is not flipped (asymmetric K = [[1, 2], [3, 4], [5, 6]])",
        zh="卷积核没有被翻转（非对称的 K = [[1, 2], [3, 4], [5, 6]]）")
def test_corr2d_not_flipped(student):
    X = torch.arange(20.0).reshape(4, 5) ** 1.5
    K = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    got = student.call("corr2d", X, K)
    if isinstance(got, torch.Tensor) and got.shape == (2, 4):
        mistake_if(torch.allclose(got, conv(X, K.flip(0, 1))), "kernel-flipped",
                   what="corr2d(X, K) == corr2d(X, K.flip(0, 1))")
    diagnose_corr2d(got, X, K, "corr2d(X, K)")


@grades("ch6.corr2d", en="output shape (h - kh + 1, w - kw + 1) for a 5×7 X and a 2×3 K",
        zh="5×7 的 X 与 2×3 的 K：输出形状为 (h - kh + 1, w - kw + 1)")
def test_corr2d_shape(student, gen):
    X = torch.randn(5, 7, generator=gen)
    K = torch.randn(2, 3, generator=gen)
    got = student.call("corr2d", X, K)
    expect(isinstance(got, torch.Tensor), what="corr2d(X, K) returns a tensor", got=got)
    mistake_if(tuple(got.shape) == (3, 4), "missing-plus-one", got=shown(got), expected=(4, 5),
               what="corr2d(X, K).shape")
    expect_equal(tuple(got.shape), (4, 5), what="corr2d(X, K).shape")


@grades("ch6.corr2d", en="a float64 X gives a float64 output", zh="float64 的 X 得到 float64 的输出")
def test_corr2d_dtype(student, gen, device):
    X = torch.randn(4, 6, generator=gen, dtype=torch.float64).to(device)
    K = torch.randn(2, 2, generator=gen, dtype=torch.float64).to(device)
    got = student.call("corr2d", X, K)
    expect(isinstance(got, torch.Tensor), what="corr2d(X, K) returns a tensor", got=got)
    mistake_if(float32_copy(got, conv(X, K)), "zeros-without-dtype", got=got, expected=conv(X, K),
               what="corr2d(X, K).dtype")
    expect_equal(got.dtype, torch.float64, what="corr2d(X float64, K float64).dtype")


@grades("ch6.corr2d", en="a 4×6 X and a 2×2 K in float64: the values of F.conv2d",
        zh="float64 的 4×6 X 与 2×2 K：数值与 F.conv2d 一致")
def test_corr2d_float64_values(student, gen, device):
    X = torch.randn(4, 6, generator=gen, dtype=torch.float64).to(device)
    K = torch.randn(2, 2, generator=gen, dtype=torch.float64).to(device)
    diagnose_corr2d(student.call("corr2d", X, K), X, K, "corr2d(X 4×6, K 2×2)")


@grades("ch6.corr2d", en="gradients flow back to the kernel K", zh="梯度能反向传播到卷积核 K")
def test_corr2d_grad(student, gen, device):
    X = torch.randn(5, 6, generator=gen, dtype=torch.float64).to(device)
    K = torch.randn(2, 3, generator=gen, dtype=torch.float64).to(device)
    W = torch.randn(4, 4, generator=gen, dtype=torch.float64).to(device)
    got = student.probe(probes.probe_corr2d_grad, X, K, W)
    expect(got is not None, what="corr2d(X, K) is differentiable with respect to K (no .item(), "
           "no torch.tensor(...) around the window sums)", expected="K.grad", got=got)
    Kr = K.clone().requires_grad_(True)
    (conv(X, Kr) * W).sum().backward()
    expect_close(got, Kr.grad, what="K.grad of sum(W * corr2d(X, K))")


@grades("ch6.corr2d", en="matches F.conv2d on random inputs", zh="随机输入下与 F.conv2d 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_corr2d_random(student, gen, dtype, device):
    cases = [((7, 9), (3, 2)), ((6, 5), (1, 1)), ((4, 6), (4, 6)), ((1, 8), (1, 3))]
    inputs = [(torch.randn(h, w, generator=gen, dtype=dtype).to(device),
               torch.randn(kh, kw, generator=gen, dtype=dtype).to(device))
              for (h, w), (kh, kw) in cases]
    got = student.probe(probe_calls, "corr2d", [((X, K), {}) for X, K in inputs])
    for ((h, w), (kh, kw)), (X, K), g in zip(cases, inputs, got):
        diagnose_corr2d(g, X, K, f"corr2d(X {h}×{w}, K {kh}×{kw})")


# ------------------------------------------------------------------------------ learn_kernel
def edge_image(dtype=torch.float64):
    """The book's 6.2.3 image: ones with a black vertical band, and its vertical edges."""
    X = torch.ones(6, 8, dtype=dtype)
    X[:, 2:6] = 0
    Y = conv(X, torch.tensor([[1.0, -1.0]], dtype=dtype))
    return X, Y


def on(device, *tensors):
    return [t.to(device) for t in tensors]


def expect_kernels(shape, **kernels):
    for name, K in kernels.items():
        expect(isinstance(K, torch.Tensor) and tuple(K.shape) == shape and K.dtype == torch.float64,
               what=f"{name}: learn_kernel(...) returns a float64 tensor of shape {shape}",
               expected=f"Tensor{shape} float64", got=K)


def sum_loss_grad(X, Y, K):
    K = K.clone().requires_grad_(True)
    ((conv(X, K) - Y) ** 2).sum().backward()
    return K.grad


@grades("ch6.learn_kernel", en="the same generator seed gives the same kernel; another seed another start",
        zh="相同的生成器种子得到相同的卷积核；不同的种子得到不同的初始值")
def test_learn_kernel_seeded(student, seed, device):
    X, Y = on(device, *edge_image())
    a = student.call("learn_kernel", X, Y, (1, 2), num_iters=3, generator=Gen(seed))
    b, c, d = student.probe(probe_calls, "learn_kernel", [
        ((X, Y, (1, 2)), {"num_iters": 3, "generator": Gen(seed)}),
        ((X, Y, (1, 2)), {"num_iters": 0, "generator": Gen(seed)}),
        ((X, Y, (1, 2)), {"num_iters": 0, "generator": Gen(seed + 1)})])
    expect(isinstance(a, torch.Tensor), what="learn_kernel(...) returns a tensor", got=a)
    expect_equal(tuple(a.shape), (1, 2), what="learn_kernel(..., kernel_size=(1, 2)).shape")
    expect_equal(a, b, what="learn_kernel(..., generator=Gen(seed)) twice")
    expect(isinstance(c, torch.Tensor) and not torch.equal(c, d),
           what="the initial kernel is drawn from `generator` (two seeds, num_iters=0)",
           expected="different kernels", got=c)


@grades("ch6.learn_kernel", en="initial kernel (num_iters=0): shape, dtype, uniform in ±1/sqrt(kh*kw)",
        zh="初始卷积核（num_iters=0）：形状、dtype，以及在 ±1/sqrt(kh*kw) 内均匀分布")
def test_learn_kernel_init(student, seed, device):
    X = torch.randn(7, 9, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    Y = torch.zeros(5, 7, dtype=torch.float64)
    K0 = student.call("learn_kernel", *on(device, X, Y), (3, 3), num_iters=0, generator=Gen(seed))
    expect(isinstance(K0, torch.Tensor), what="learn_kernel(...) returns a tensor", got=K0)
    expect_equal(tuple(K0.shape), (3, 3), what="learn_kernel(..., kernel_size=(3, 3)).shape")
    expect_equal(K0.dtype, torch.float64, what="learn_kernel(X float64, ...).dtype")
    bound = 1 / math.sqrt(9)
    expect(float(K0.abs().max()) <= bound + 1e-12 and float(K0.abs().max()) > 0,
           what="initial kernel values in [-1/3, 1/3] for a 3×3 kernel",
           expected=f"|K0| <= {bound:.4f}", got=float(K0.abs().max()))


@grades("ch6.learn_kernel", en="a 30×30 initial kernel spans the whole range ±1/30, centred on 0",
        zh="30×30 的初始卷积核覆盖整个 ±1/30 范围，且以 0 为中心")
def test_learn_kernel_init_range(student, seed, device):
    X = torch.zeros(31, 31, dtype=torch.float64)
    Y = torch.zeros(2, 2, dtype=torch.float64)
    K0 = student.call("learn_kernel", *on(device, X, Y), (30, 30), num_iters=0, generator=Gen(seed))
    expect_kernels((30, 30), K0=K0)
    bound = 1 / 30
    # 900 uniform draws: the extremes come within 10% of ±bound and the mean near 0 (a failure of
    # a correct kernel has probability below 1e-40)
    lo, hi, mean = float(K0.min()), float(K0.max()), float(K0.mean())
    expect(-bound - 1e-12 <= lo <= -0.9 * bound and 0.9 * bound <= hi <= bound + 1e-12
           and abs(mean) < 0.2 * bound, what="min, max and mean of a 30×30 initial kernel",
           expected=f"min ≈ {-bound:.4f}, max ≈ {bound:.4f}, mean ≈ 0",
           got=[round(lo, 5), round(hi, 5), round(mean, 5)])


@grades("ch6.learn_kernel", en="one step: K1 = K0 - lr * grad of the SUM of squared errors",
        zh="一步更新：K1 = K0 - lr * 平方误差之和的梯度")
def test_learn_kernel_one_step(student, seed, device):
    X, Y = edge_image()
    lr = 3e-2
    K0, K1 = on_cpu(student.probe(probe_calls, "learn_kernel", [
        ((*on(device, X, Y), (1, 2)), {"lr": lr, "num_iters": n, "generator": Gen(seed)}) for n in (0, 1)]))
    expect_kernels((1, 2), K0=K0, K1=K1)
    g = sum_loss_grad(X, Y, K0)
    expected = K0 - lr * g
    if isinstance(K1, torch.Tensor) and K1.shape == expected.shape:
        mistake_if(torch.allclose(K1, K0 - lr * g / Y.numel()) and not torch.allclose(K1, expected),
                   "mean-loss", got=shown(K1), expected=shown(expected), what="K after 1 step")
    expect_close(K1, expected, rtol=1e-6, what="K after 1 step, starting from your K0")


@grades("ch6.learn_kernel", en="two steps: the gradient is zeroed between updates",
        zh="两步更新：两次更新之间梯度被清零")
def test_learn_kernel_two_steps(student, seed, device):
    X, Y = edge_image()
    lr = 3e-2
    K0, K1, K2 = on_cpu(student.probe(probe_calls, "learn_kernel", [
        ((*on(device, X, Y), (1, 2)), {"lr": lr, "num_iters": n, "generator": Gen(seed)}) for n in (0, 1, 2)]))
    expect_kernels((1, 2), K0=K0, K1=K1, K2=K2)
    expected = K1 - lr * sum_loss_grad(X, Y, K1)
    accumulated = K1 - lr * (sum_loss_grad(X, Y, K1) + sum_loss_grad(X, Y, K0))
    if isinstance(K2, torch.Tensor) and K2.shape == expected.shape:
        mistake_if(torch.allclose(K2, accumulated) and not torch.allclose(K2, expected),
                   "grads-not-zeroed", got=shown(K2), expected=shown(expected), what="K after 2 steps")
    expect_close(K2, expected, rtol=1e-6, what="K after 2 steps, starting from your K1")


@grades("ch6.learn_kernel", en="3 steps on a random image with a 2×3 kernel and lr=1e-2",
        zh="随机图像、2×3 卷积核、lr=1e-2 时的 3 步更新")
def test_learn_kernel_general(student, seed, device):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(5, 7, generator=g, dtype=torch.float64)
    Y = conv(X, torch.randn(2, 3, generator=g, dtype=torch.float64))
    lr = 1e-2
    K, K3 = on_cpu(student.probe(probe_calls, "learn_kernel", [
        ((*on(device, X, Y), (2, 3)), {"lr": lr, "num_iters": n, "generator": Gen(seed)}) for n in (0, 3)]))
    expect_kernels((2, 3), K0=K, K3=K3)
    for _ in range(3):
        K = K - lr * sum_loss_grad(X, Y, K)
    expect_close(K3, K, rtol=1e-6, what="learn_kernel(X 5×7, Y, (2, 3), lr=0.01, num_iters=3)")


@grades("ch6.learn_kernel", en="the book's edge image: within 0.1 of [[1, -1]] after 10 iterations",
        zh="书中的边缘图像：迭代 10 次后与 [[1, -1]] 的差距在 0.1 以内")
@pytest.mark.parametrize("dtype", FLOATS)
def test_learn_kernel_converges(student, seed, dtype, device):
    X, Y = edge_image(dtype)
    target = torch.tensor([[1.0, -1.0]], dtype=dtype)
    K = student.call("learn_kernel", X.to(device), Y.to(device), (1, 2), generator=Gen(seed))
    expect(isinstance(K, torch.Tensor), what="learn_kernel(...) returns a tensor", got=K)
    expect_equal(K.dtype, dtype, what="learn_kernel(...).dtype")
    err = float((K.cpu() - target).abs().max())
    if not err < 0.1:
        # diverging proves nothing by itself: the gradients are accumulated when the learner's
        # own start, run 10 steps without zeroing, gives the learner's kernel
        K0 = student.call("learn_kernel", X.to(device), Y.to(device), (1, 2), num_iters=0,
                          generator=Gen(seed))
        if isinstance(K0, torch.Tensor) and K0.shape == target.shape:
            acc, total = K0.cpu().double(), torch.zeros_like(target, dtype=torch.float64)
            for _ in range(10):
                total = total + sum_loss_grad(X.double(), Y.double(), acc)
                acc = acc - 3e-2 * total
            mistake_if(is_close(K.cpu().double(), acc, rtol=1e-4, atol=1e-6), "grads-not-zeroed",
                       got=shown(K), expected=shown(target),
                       what="learn_kernel(X, Y, (1, 2)) after 10 iterations")
    expect(err < 0.1, what="max |K - [[1, -1]]| after 10 iterations", expected="< 0.1", got=err)


def loss_curve(X, Y, kernels):
    """The summed squared error of each kernel (None: one of them is not a kernel for X and Y)."""
    try:
        return [float(((conv(X, K.cpu().double()) - Y) ** 2).sum()) for K in kernels]
    except Exception:  # noqa: BLE001 - a picture is never worth failing a check for
        return None


def record_loss_curve(student, X, Y, seed, device, steps=10, lr=3e-2):
    """The learner's loss after 0..steps iterations (one call per length, the same start) next
    to plain gradient descent's from the learner's own start."""
    kernels = on_cpu(student.probe(probe_calls, "learn_kernel", [
        ((*on(device, X, Y), (1, 2)), {"lr": lr, "num_iters": n, "generator": Gen(seed)})
        for n in range(steps + 1)]))
    if not isinstance(kernels[0], torch.Tensor) or kernels[0].shape != (1, 2):
        return
    K, expected = kernels[0].double(), []
    for _ in range(steps + 1):
        expected.append(float(((conv(X, K) - Y) ** 2).sum()))
        K = K - lr * sum_loss_grad(X, Y, K)
    record_series(student, "loss", loss_curve(X, Y, kernels), expected)


@grades("ch6.learn_kernel", en="the book's edge image: within 1e-3 of [[1, -1]] after 50 iterations",
        zh="书中的边缘图像：迭代 50 次后与 [[1, -1]] 的差距在 1e-3 以内")
def test_learn_kernel_converges_50(student, seed, device):
    record_loss_curve(student, *edge_image(), seed, device)
    X, Y = on(device, *edge_image())
    K = student.call("learn_kernel", X, Y, (1, 2), num_iters=50, generator=Gen(seed))
    expect(isinstance(K, torch.Tensor), what="learn_kernel(...) returns a tensor", got=K)
    err = float((K.cpu() - torch.tensor([[1.0, -1.0]], dtype=torch.float64)).abs().max())
    expect(err < 1e-3, what="max |K - [[1, -1]]| after 50 iterations", expected="< 0.001", got=err)


# ------------------------------------------------------------------ corr2d_as_matmul (stretch)
@grades("ch6.corr2d_as_matmul", en="the book's example: [[19, 25], [37, 43]]", zh="书中的例子：[[19, 25], [37, 43]]")
def test_as_matmul_book(student):
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.arange(4.0).reshape(2, 2)
    expect_close(student.call("corr2d_as_matmul", X, K), torch.tensor([[19.0, 25.0], [37.0, 43.0]]),
                 what="corr2d_as_matmul(X, K)")


@grades("ch6.corr2d_as_matmul", en="matches F.conv2d on random inputs", zh="随机输入下与 F.conv2d 一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_as_matmul_random(student, gen, dtype, device):
    cases = [((7, 9), (3, 2)), ((6, 5), (1, 1)), ((4, 6), (4, 6)), ((5, 8), (2, 5))]
    inputs = [(torch.randn(h, w, generator=gen, dtype=dtype).to(device),
               torch.randn(kh, kw, generator=gen, dtype=dtype).to(device))
              for (h, w), (kh, kw) in cases]
    got = student.probe(probe_calls, "corr2d_as_matmul", [((X, K), {}) for X, K in inputs])
    for ((h, w), (kh, kw)), (X, K), g in zip(cases, inputs, got):
        expect_close(g, conv(X, K), rtol=1e-6 if dtype == torch.float64 else None,
                     what=f"corr2d_as_matmul(X {h}×{w}, K {kh}×{kw})")


# ------------------------------------------------------------- diagonal_edge_responses (stretch)
def diagonal_expected(n, dtype):
    """The known answers: each response is a single diagonal of ±1."""
    X = torch.tril(torch.ones(n, n, dtype=dtype))
    Y = torch.eye(n, n - 1, dtype=dtype)                                   # +1 at (i, i)
    Y_xt = -torch.diag(torch.ones(n - 1, dtype=dtype), -1)[:, :n - 1]      # −1 at (i + 1, i)
    Y_kt = -torch.diag(torch.ones(n - 1, dtype=dtype), 1)[:n - 1]          # −1 at (i, i + 1)
    return X, Y, Y_xt, Y_kt


RESPONSE_NAMES = ("X", "corr2d(X, K)", "corr2d(X.T, K)", "corr2d(X, K.T)")


def check_diagonal(got, n, dtype):
    expected = diagonal_expected(n, dtype)
    expect(isinstance(got, (tuple, list)) and len(got) == 4
           and all(isinstance(g, torch.Tensor) for g in got),
           what=f"diagonal_edge_responses({n})", expected="(X, Y, Y_xt, Y_kt)", got=got)
    got = [g.cpu() for g in got]
    close = [g.shape == e.shape and torch.allclose(g.double(), e.double()) for g, e in zip(got, expected)]
    if close[0] and not all(close[1:]):
        mistake_if(all(g.shape == e.shape and torch.allclose(g.double(), -e.double())
                       for g, e in zip(got[1:], expected[1:])), "kernel-sign",
                   what=f"diagonal_edge_responses({n})", got="−(expected responses)",
                   expected="corr2d with K = [[1, −1]]")
        mistake_if(got[3].shape == expected[1].T.shape and torch.allclose(got[3].double(), expected[1].T.double()),
                   "output-transposed", what=f"corr2d(X, K.T) for n = {n}", got=shown(got[3]),
                   expected=shown(expected[3]))
    for g, e, name in zip(got, expected, RESPONSE_NAMES):
        expect_close(g, e, what=f"{name} for n = {n}")


@grades("ch6.diagonal_edge_responses", en="n = 6: a +1 diagonal for K, −1 diagonals for Xᵀ and Kᵀ",
        zh="n = 6：K 得到 +1 的对角线，Xᵀ 和 Kᵀ 得到 −1 的对角线")
def test_diagonal_book(student):
    check_diagonal(student.call("diagonal_edge_responses", 6), 6, torch.float32)


@grades("ch6.diagonal_edge_responses", en="other sizes (4 and 9) and dtypes",
        zh="其他大小（4 和 9）和数据类型")
@pytest.mark.parametrize("dtype", FLOATS)
def test_diagonal_sizes(student, dtype):
    got = student.probe(probe_calls, "diagonal_edge_responses", [((n,), {"dtype": dtype}) for n in (4, 9)])
    for n, g in zip((4, 9), got):
        check_diagonal(g, n, dtype)


# ------------------------------------------------------------- second_derivative_kernel (stretch)
@grades("ch6.second_derivative_kernel", en="the kernel is [[1, −2, 1]]; on x_j = j² it gives 2",
        zh="卷积核是 [[1, −2, 1]]；对 x_j = j² 结果为 2")
@pytest.mark.parametrize("dtype", FLOATS)
def test_second_derivative_kernel(student, dtype):
    K = student.call("second_derivative_kernel", dtype)
    expected = torch.tensor([[1.0, -2.0, 1.0]], dtype=dtype)
    expect(isinstance(K, torch.Tensor), what="second_derivative_kernel()", expected="Tensor", got=K)
    mistake_if(K.shape == expected.shape and torch.allclose(K.double().cpu(), -expected.double()),
               "negated-kernel", what="second_derivative_kernel()", got=shown(K), expected=shown(expected))
    expect_close(K.cpu(), expected, what="second_derivative_kernel()")
    X = (torch.arange(7, dtype=dtype) ** 2).repeat(3, 1)
    expect_close(conv(X, K.cpu()), torch.full((3, 5), 2.0, dtype=dtype), what="corr2d(j², K)")


@grades("ch6.second_derivative_kernel", en="derivative_kernel_size(d) = d + 1 for d = 0 … 10",
        zh="d = 0 … 10 时 derivative_kernel_size(d) = d + 1")
def test_derivative_kernel_size(student):
    ds = list(range(11))
    got = student.probe(probe_calls, "derivative_kernel_size", [((d,), {}) for d in ds])
    mistake_if(got[1:3] == [1, 2], "size-off-by-one", what="derivative_kernel_size(1), (2)",
               got=got[1:3], expected=[2, 3])
    expect_equal(got, [d + 1 for d in ds], what="[derivative_kernel_size(d) for d in 0..10]")
