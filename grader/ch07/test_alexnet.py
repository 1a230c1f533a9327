"""Grader for 7.1 AlexNet: ch7.alexnet (stretch)."""
import torch
from torch import nn

from d2lkit.grading.api import expect, expect_equal, grades, mistake_if, pair, reference

ref = reference(__file__)

NUM_PARAMS = 46764746
BIG_LINEAR = 6400 * 4096 + 4096  # 26,218,496


def _layer_row(layer):
    row = [type(layer).__name__]
    if isinstance(layer, nn.Conv2d):
        row += [layer.in_channels, layer.out_channels, pair(layer.kernel_size),
                pair(layer.stride), pair(layer.padding)]
    elif isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        row += [pair(layer.kernel_size), pair(layer.stride), pair(layer.padding)]
    elif isinstance(layer, nn.Linear):
        row += [layer.in_features, layer.out_features]
    elif isinstance(layer, nn.Dropout):
        row += [float(layer.p)]
    return row


def probe_alexnet_info(mod):
    """The learner's alexnet() built on the meta device (no memory, no initialization cost):
    its layers, parameter count, state_dict keys and the largest layer."""
    with torch.device("meta"):
        net = mod.alexnet()
    sizes = {}
    for name, p in net.named_parameters():
        prefix = name.rsplit(".", 1)[0]
        sizes[prefix] = sizes.get(prefix, 0) + p.numel()
    biggest = max(sizes, key=sizes.get) if sizes else None
    return {"type": type(net).__name__,
            "layers": [_layer_row(layer) for layer in net.children()],
            "num_params": sum(p.numel() for p in net.parameters()),
            "keys": list(net.state_dict().keys()),
            "biggest": [biggest, sizes.get(biggest, 0)]}


def _out_size(n, kernel, stride, padding):
    return (n + 2 * padding - kernel) // stride + 1


def probe_alexnet_features(mod, size):
    """Walk the learner's alexnet() (built on the meta device) with a 1×size×size image,
    computing each convolution's and pooling layer's output shape from its hyper-parameters
    (no 224×224 forward): features per example before the first Linear, that Linear's
    in_features, the last Linear's out_features, and the first size-mismatch met."""
    with torch.device("meta"):
        net = mod.alexnet()
    c, h, w = 1, size, size
    problem = None
    for layer in net.children():
        if isinstance(layer, nn.Linear):
            break
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            k, s, p = pair(layer.kernel_size), pair(layer.stride), pair(layer.padding)
            if isinstance(layer, nn.Conv2d):
                if layer.in_channels != c and problem is None:
                    problem = f"Conv2d expects {layer.in_channels} channels, gets {c}"
                c = layer.out_channels
            h, w = _out_size(h, k[0], s[0], p[0]), _out_size(w, k[1], s[1], p[1])
    linears = [layer for layer in net.children() if isinstance(layer, nn.Linear)]
    return {"features": c * h * w, "problem": problem,
            "fc_in": linears[0].in_features if linears else None,
            "fc_out": linears[-1].out_features if linears else None}


def _convs(info):
    return [row for row in info["layers"] if row[0] == "Conv2d"]


def _linears(info):
    return [row for row in info["layers"] if row[0] == "Linear"]


@grades("ch7.alexnet", en="46,764,746 parameters; Linear(6400, 4096) holds 26,218,496 of them",
        zh="共 46,764,746 个参数；其中 Linear(6400, 4096) 占 26,218,496 个")
def test_alexnet_num_params(student):
    info = student.probe(probe_alexnet_info)
    convs, linears = _convs(info), _linears(info)
    mistake_if(bool(convs) and convs[0][1] == 3, "three-input-channels",
               what="alexnet() first Conv2d in_channels", got=convs[0][1] if convs else None,
               expected=1)
    mistake_if(any(row[1] == 9216 for row in linears), "fc-in-features-9216",
               what="alexnet() first Linear in_features",
               got=linears[0][1] if linears else None, expected=6400)
    expect_equal(info["num_params"], NUM_PARAMS, what="sum(p.numel() for p in alexnet().parameters())")
    expect_equal(info["biggest"], ["14", BIG_LINEAR],
                 what="[layer with most parameters, its parameter count]")


@grades("ch7.alexnet", en="the 21 layers: types and hyper-parameters",
        zh="21 个层：类型和超参数")
def test_alexnet_layers(student):
    info = student.probe(probe_alexnet_info)
    expect(info["type"] == "Sequential", what="type(alexnet())", expected="Sequential",
           got=info["type"])
    kinds = [row[0] for row in info["layers"]]
    mistake_if("Dropout" not in kinds, "no-dropout", what="alexnet() layer types", got=kinds)
    expected = probe_alexnet_info(ref)
    expect_equal([row[0] for row in info["layers"]], [row[0] for row in expected["layers"]],
                 what="alexnet() layer types")
    for i, (got, exp) in enumerate(zip(info["layers"], expected["layers"])):
        expect_equal(got, exp, what=f"alexnet()[{i}] [type, hyper-parameters]")


@grades("ch7.alexnet", en="state_dict keys 0.*, 3.*, 6.*, 8.*, 10.*, 14.*, 17.*, 20.*",
        zh="state_dict 的键为 0.*、3.*、6.*、8.*、10.*、14.*、17.*、20.*")
def test_alexnet_keys(student):
    info = student.probe(probe_alexnet_info)
    expect_equal(info["keys"], probe_alexnet_info(ref)["keys"], what="alexnet().state_dict() keys")


@grades("ch7.alexnet", en="a 1×224×224 image leaves 6400 features for Linear(6400, 4096); 10 outputs",
        zh="1×224×224 的图像最后剩下 6400 个特征，输入 Linear(6400, 4096)；输出 10 个类别")
def test_alexnet_feature_size(student):
    got = student.probe(probe_alexnet_features, 224)
    mistake_if(got["problem"] is not None and "expects 3 channels" in got["problem"],
               "three-input-channels", what="alexnet()[0] on a 1-channel image",
               got=got["problem"], expected="Conv2d(1, 96, ...)")
    mistake_if(got["fc_in"] == 9216, "fc-in-features-9216", what="alexnet() first Linear in_features",
               got=got["fc_in"], expected=got["features"])
    expect(got["problem"] is None, what="alexnet() on a 1×224×224 image", expected="no size mismatch",
           got=got["problem"])
    expect_equal(got["features"], 6400, what="features per example before the first Linear")
    expect_equal(got["fc_in"], got["features"], what="alexnet() first Linear in_features")
    expect_equal(got["fc_out"], 10, what="alexnet() last Linear out_features")
