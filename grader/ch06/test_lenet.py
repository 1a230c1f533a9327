"""Grader for 6.6 卷积神经网络（LeNet）: lenet and lenet_shapes."""
import pytest
import torch
from torch import nn

from d2lkit.grading.api import (expect, expect_close, expect_equal, FLOATS, grades, LearnerError,
                                Mistake, mistake_if, probes_for, reference, shown)

ref = reference(__file__)
probes = probes_for(__file__)

BOOK_TYPES = ["Conv2d", "Sigmoid", "AvgPool2d", "Conv2d", "Sigmoid", "AvgPool2d", "Flatten",
              "Linear", "Sigmoid", "Linear", "Sigmoid", "Linear"]
BOOK_KEYS = ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias",
             "11.weight", "11.bias"]


FIELDS = {"Conv2d": "(type, in_channels, out_channels, kernel_size, padding, stride, bias)",
          "AvgPool2d": "(type, kernel_size, stride, padding)", "MaxPool2d": "(type, kernel_size, stride, padding)",
          "Linear": "(type, in_features, out_features, bias)"}


def modern_check(types, what):
    mistake_if(any(t in ("ReLU", "MaxPool2d") for t in types), "modern-lenet", got=shown(types),
               expected=shown(BOOK_TYPES), what=what)


# ------------------------------------------------------------------------------------- lenet
@grades("ch6.lenet", en="12 modules in the book's order: Conv2d, Sigmoid, AvgPool2d, …, Linear",
        zh="按书中顺序的 12 个模块：Conv2d、Sigmoid、AvgPool2d、……、Linear")
def test_lenet_modules(student):
    info = student.module("lenet")
    expect_equal(info["type"], "Sequential", what="type(lenet())")
    types = [t for _, t in info["children"]]
    modern_check(types, "module types of lenet()")
    expect_equal(types, BOOK_TYPES, what="module types of lenet()")


@grades("ch6.lenet", en="layer hyperparameters (the first Conv2d has padding=2)",
        zh="各层的超参数（第一个 Conv2d 的 padding=2）")
def test_lenet_layers(student):
    got = student.probe(probes.probe_lenet_layers)
    expected = [probes.describe_layer(m) for m in ref.lenet().children()]
    expect(isinstance(got, list) and len(got) == 12, what="layers of lenet()", expected=expected, got=got)
    modern_check([layer[0] for layer in got], "layers of lenet()")
    first = got[0]
    mistake_if(first[0] == "Conv2d" and first[4] == (0, 0), "missing-padding", got=shown(first),
               expected=shown(expected[0]), what=f"lenet()[0] {FIELDS['Conv2d']}")
    for i, (g, e) in enumerate(zip(got, expected)):
        expect_equal(g, e, what=f"lenet()[{i}] {FIELDS.get(e[0], '(type,)')}")


@grades("ch6.lenet", en="state_dict keys and 61,706 parameters", zh="state_dict 的键以及 61,706 个参数")
def test_lenet_params(student):
    info = student.module("lenet")
    expect_equal(info["state_dict_keys"], BOOK_KEYS, what="list(lenet().state_dict().keys())")
    expect_equal(info["num_params"], 61706, what="number of parameters of lenet()")


@grades("ch6.lenet", en="with the reference weights loaded, the output matches on a batch of 28×28 images",
        zh="载入参考权重后，在一批 28×28 图像上的输出一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_lenet_forward(student, gen, dtype, device):
    torch.manual_seed(0)
    net = ref.lenet().to(dtype)
    state = {k: v.to(device) for k, v in net.state_dict().items()}
    X = torch.rand(3, 1, 28, 28, generator=gen, dtype=dtype)
    with torch.no_grad():
        expected = net(X).to(device)
    try:
        info = student.module("lenet", state_dict=state, inputs=(X.to(device),), train=False, dtype=dtype)
    except LearnerError as e:
        # 256 features reach Linear(400, 120): the missing padding when the first Conv2d has none
        # (other wrong layers can come to 16 × 4 × 4 as well)
        if "256 and 400" in e.message:
            layers = student.probe(probes.probe_lenet_layers)
            first = layers[0] if isinstance(layers, list) and layers else None
            mistake_if(isinstance(first, (list, tuple)) and first[0] == "Conv2d" and first[4] == (0, 0),
                       "missing-padding", got=f"{e.type}: {e.message}"[:200], what="lenet()(X)")
        raise
    out = info["output"]
    if isinstance(out, torch.Tensor) and out.shape == expected.shape:
        modern_check([t for _, t in info["children"]], "lenet()(X)")
    expect_close(out, expected, rtol=1e-6 if dtype == torch.float64 else None, what="lenet()(X) for X 3×1×28×28")


# ------------------------------------------------------------------------------ lenet_shapes
def actual_shapes(batch_size, height, width):
    """Run the book's network (built here, in the supervisor) and record each layer's output shape."""
    X = torch.zeros(batch_size, 1, height, width)
    shapes = []
    net = [nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Conv2d(6, 16, 5),
           nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid(),
           nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10)]
    try:
        with torch.no_grad():
            for layer in net:
                X = layer(X)
                shapes.append((type(layer).__name__, tuple(X.shape)))
    except RuntimeError:
        return "ValueError"
    return shapes


def expected_shapes(batch_size, height, width):
    """The reference solution's answer (ValueError as the string 'ValueError')."""
    try:
        return ref.lenet_shapes(batch_size, height, width)
    except ValueError:
        return "ValueError"


RUN_SIZES = {(28, 28), (29, 29), (32, 32)}  # checked against the running network


def mistaken_shapes(b, h, w, pad=2, check=True):
    """lenet_shapes as a catalogued mistake computes it: the first convolution padded by `pad`
    (0: missing-padding), the flattened size checked or not (False: no-flatten-check)."""
    def conv(n, p):
        if n + 2 * p < 5:
            raise ValueError
        return n + 2 * p - 4

    def pool(n):
        if n < 2:
            raise ValueError
        return (n - 2) // 2 + 1

    try:
        h1, w1 = conv(h, pad), conv(w, pad)
        h2, w2 = pool(h1), pool(w1)
        h3, w3 = conv(h2, 0), conv(w2, 0)
        h4, w4 = pool(h3), pool(w3)
    except ValueError:
        return "ValueError"
    flat = 16 * h4 * w4
    if check and flat != 400:
        return "ValueError"
    return [("Conv2d", (b, 6, h1, w1)), ("Sigmoid", (b, 6, h1, w1)), ("AvgPool2d", (b, 6, h2, w2)),
            ("Conv2d", (b, 16, h3, w3)), ("Sigmoid", (b, 16, h3, w3)), ("AvgPool2d", (b, 16, h4, w4)),
            ("Flatten", (b, flat)), ("Linear", (b, 120)), ("Sigmoid", (b, 120)), ("Linear", (b, 84)),
            ("Sigmoid", (b, 84)), ("Linear", (b, 10))]


# Input sizes on which the two mistakes' answers differ from the right ones and from each other:
# a mistake is named only when the learner's answers are that mistake's on all of them.
CONFIRM = [(1, 28, 28), (2, 32, 32), (1, 29, 29), (3, 33, 32), (1, 36, 36), (1, 24, 24)]


def follows(student, **mistake) -> bool:
    try:
        answers = student.probe(probes.probe_lenet_shapes_many, CONFIRM)
    except LearnerError:
        return False
    return answers == [mistaken_shapes(*case, **mistake) for case in CONFIRM]


def diagnose_shapes(student, got, b, h, w):
    what = f"lenet_shapes({b}, {h}, {w})"
    expected = actual_shapes(b, h, w) if (h, w) in RUN_SIZES else expected_shapes(b, h, w)
    if got != expected and got == mistaken_shapes(b, h, w, pad=0):
        mistake_if(follows(student, pad=0), "missing-padding",
                   got=shown(got[0]) if isinstance(got, list) else got,
                   expected=shown(expected[0]) if isinstance(expected, list) else expected,
                   what=f"{what}[0]" if isinstance(got, list) else what)
    if got != expected and got == mistaken_shapes(b, h, w, check=False):
        mistake_if(follows(student, check=False), "no-flatten-check", got=shown(got),
                   expected="ValueError", what=what)
    if isinstance(got, list) and isinstance(expected, list):
        expect(len(got) == 12, what=f"len({what})", expected=12, got=len(got))
        for i, (g, e) in enumerate(zip(got, expected)):
            expect_equal(g, e, what=f"{what}[{i}]")
    expect_equal(got, expected, what=what)


@grades("ch6.lenet_shapes", en="the book's 28×28 Fashion-MNIST input, batch 1",
        zh="书中 28×28 的 Fashion-MNIST 输入，批量大小为 1")
def test_shapes_book(student):
    try:
        got = student.call("lenet_shapes")
    except LearnerError as e:
        # without the padding 28×28 flattens to 256 and raises; proven when the other sizes
        # come out as they do without it
        if e.type == "ValueError" and follows(student, pad=0):
            raise Mistake("missing-padding", what="lenet_shapes()", got=f"ValueError: {e.message}",
                          expected="a list of 12 (name, shape) pairs") from None
        raise
    diagnose_shapes(student, got, 1, 28, 28)


@grades("ch6.lenet_shapes", en="batch 3 and a 29×29 input also reach 16×5×5",
        zh="批量大小为 3、29×29 的输入也得到 16×5×5")
def test_shapes_29(student):
    diagnose_shapes(student, student.call("lenet_shapes", 3, 29, 29), 3, 29, 29)


@grades("ch6.lenet_shapes", en="a 32×32 input raises ValueError (flattened 576 ≠ 400)",
        zh="32×32 的输入抛出 ValueError（展平后是 576 ≠ 400）")
def test_shapes_32(student):
    try:
        got = student.call("lenet_shapes", 1, 32, 32)
    except LearnerError as e:
        expect(e.type == "ValueError", what="lenet_shapes(1, 32, 32) raises ValueError",
               expected="ValueError", got=e.type)
        return
    diagnose_shapes(student, got, 1, 32, 32)
    expect(False, what="lenet_shapes(1, 32, 32) raises ValueError", expected="ValueError", got=got)


@grades("ch6.lenet_shapes", en="agrees with running the network, for many input sizes (ValueError where it fails)",
        zh="对多种输入大小都与实际运行网络的结果一致（网络出错的地方抛出 ValueError）")
def test_shapes_sweep(student):
    sizes = [1, 4, 8, 16, 24, 26, 27, 28, 29, 30, 32]
    cases = [(b, h, w) for b, (h, w) in
             zip([1, 2, 5] * 50, [(h, w) for h in sizes for w in sizes if (h + w) % 3 == 0 or h == w])]
    # 16 × 1 × 25 is also 400: the second pooling layer then gets a 2- or 3-row input, still valid
    cases += [(1, 12, 108), (2, 108, 12), (1, 15, 111)]
    got = student.probe(probes.probe_lenet_shapes_many, cases)
    expect(isinstance(got, list) and len(got) == len(cases), what="probe result", got=got)
    for (b, h, w), g in zip(cases, got):
        if g != expected_shapes(b, h, w):
            diagnose_shapes(student, g, b, h, w)
